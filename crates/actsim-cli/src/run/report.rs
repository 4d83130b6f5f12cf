//! The result of `actsim run`: every execution with its side effects, HTTP calls, cache state
//! before and after, and the tokens the tenant issued. `--json` prints it as one document whose
//! schema is described in docs/run-json.md.

use actsim_js::{ExecutionReport, ModuleForm, Phase, Trigger};
use serde::Serialize;

/// The whole run.
#[derive(Debug, Serialize)]
pub struct RunReport {
    /// Schema version of this document.
    pub schema: u32,
    /// The (first) action file.
    pub action: String,
    /// Every action of the flow, in order.
    pub actions: Vec<String>,
    /// How the file was loaded.
    pub module_form: ModuleForm,
    /// The trigger.
    pub trigger: Trigger,
    /// The mock tenant's domain.
    pub tenant_domain: String,
    /// Executions in the order they ran: the first `--keep-executions` of them.
    pub executions: Vec<ExecutionEntry>,
    /// Executions that ran after those listed (counted in `summary` and `metrics` only).
    pub executions_omitted: u64,
    /// Tokens the mock tenant issued, in order.
    pub tokens_issued: Vec<TokenOut>,
    /// Totals.
    pub summary: Summary,
    /// Things worth knowing (ignored inputs, missing secrets, …).
    pub notes: Vec<String>,
    /// Every metric by name, as `actsim simulate` counts them (docs/scenario.md).
    pub metrics: std::collections::BTreeMap<String, f64>,
    /// The `--expect` lines (and the `--mocks` file's `expect` lines), checked.
    pub expectations: Vec<actsim_sim::ExpectationResult>,
}

/// One execution.
#[derive(Debug, Serialize)]
pub struct ExecutionEntry {
    /// 1-based flow number (`--times`).
    pub login: u32,
    /// The flow's trigger and number: `post-login 2`, `credentials-exchange 1`.
    pub label: String,
    /// The action's file.
    pub action: String,
    /// Execute or continue.
    pub phase: Phase,
    /// 1-based instance number.
    pub instance: u32,
    /// True when this was the instance's first execution (module code ran).
    pub cold: bool,
    /// What the execution did.
    #[serde(flatten)]
    pub report: ExecutionReport,
    /// True when the run's report had spent its detail budget (64 MiB) and this execution
    /// keeps only its summary: its commands, console, cache operations and records are empty.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub details_dropped: bool,
    /// HTTP requests it made.
    pub http: Vec<HttpCall>,
    /// Live cache records before it started.
    pub cache_before: Vec<CacheEntryOut>,
    /// Live cache records after it ended.
    pub cache_after: Vec<CacheEntryOut>,
    /// Caveat warnings raised by this execution, each with its fix.
    pub warnings: Vec<actsim_sim::Warning>,
}

/// One HTTP request and its answer.
#[derive(Debug, Serialize)]
pub struct HttpCall {
    /// Virtual time the request was sent.
    pub at_ms: i64,
    /// Method.
    pub method: String,
    /// URL.
    pub url: String,
    /// Response status, if a response came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Network error, if none came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Modelled latency.
    pub latency_ms: i64,
    /// e.g. which token was issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The token it obtained (listed in the report's `tokens_issued`).
    #[serde(skip)]
    pub token: Option<TokenOut>,
}

/// A cache record.
#[derive(Debug, Serialize, Clone)]
pub struct CacheEntryOut {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
    /// Expiry, ms since the epoch.
    pub expires_at: i64,
}

/// A token issued by the mock tenant (or a mock declared a token endpoint).
#[derive(Debug, Serialize, Clone)]
pub struct TokenOut {
    /// Client it was issued to.
    pub client_id: String,
    /// Audience.
    pub audience: String,
    /// Issued at (s since the epoch).
    pub iat: i64,
    /// Expires (s since the epoch).
    pub exp: i64,
}

/// Totals over the run.
#[derive(Debug, Serialize, Default)]
pub struct Summary {
    /// Executions run (execute and continue phases).
    pub executions: u32,
    /// Executions that failed, of a blocking trigger (the flow failed with them).
    pub failed: u32,
    /// Executions that failed, of a non-blocking trigger (post-user-registration,
    /// post-change-password, event-stream): reported, blocking nothing.
    pub reported: u32,
    /// Executions that denied access.
    pub denied: u32,
    /// Requests to the mock tenant's /oauth/token.
    pub token_requests: u64,
    /// Tokens issued.
    pub tokens_issued: u64,
    /// `api.cache.get` that found a record.
    pub cache_hits: u32,
    /// `api.cache.get` that found nothing.
    pub cache_misses: u32,
    /// `api.cache.set` that succeeded.
    pub cache_sets: u32,
    /// `api.cache.set`/`delete` that returned an error.
    pub cache_errors: u32,
    /// Caveat warnings raised.
    pub warnings: u32,
}

impl Summary {
    /// Add one execution's numbers.
    pub fn add(&mut self, report: &ExecutionReport) {
        self.executions += 1;
        if report.failed() {
            if report.trigger.info().blocks {
                self.failed += 1;
            } else {
                self.reported += 1;
            }
        }
        if matches!(
            report.outcome,
            actsim_js::Outcome::Completed { denied: true, .. }
        ) {
            self.denied += 1;
        }
        for op in &report.cache_ops {
            match (op.op, op.result.as_str()) {
                (actsim_js::CacheOpKind::Get, "hit") => self.cache_hits += 1,
                (actsim_js::CacheOpKind::Get, _) => self.cache_misses += 1,
                (actsim_js::CacheOpKind::Set, "success") => self.cache_sets += 1,
                (_, "success") => {}
                _ => self.cache_errors += 1,
            }
        }
    }
}
