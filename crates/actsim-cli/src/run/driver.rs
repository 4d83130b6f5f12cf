//! The driver behind `actsim run`: a one-instance simulation with scripted arrivals. The run's
//! options become a [`Scenario`] (one instance, logins one after the other `--advance` apart,
//! the user back from a redirect after `--return-after`, on the same instance or a fresh one),
//! and the simulator's engine runs it: the same execution protocol, network (tenant and
//! `[[mocks]]`), cache model and warnings as `actsim simulate`. An observer turns each ended
//! execution into the run's report.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use actsim_cache::{CacheLimits, CacheStore, SetOptions};
use actsim_js::{ActionSource, InstanceConfig, Outcome, Phase, Trigger};
use actsim_sim::observer::{EndedExecution, ExecutionObserver};
use actsim_sim::scenario::{
    ActionSpec, CacheMode, InstancesSpec, MockSpec, Policy, Scenario, TrafficSpec,
};
use actsim_sim::values::Dist;
use actsim_sim::{NullSink, Preload, Simulation};
use actsim_tenant::{Tenant, TenantConfig};
use serde_json::Value;

use super::report::{CacheEntryOut, ExecutionEntry, HttpCall, RunReport, Summary, TokenOut};
use crate::diagnostics::CliError;

/// Where `onContinuePostLogin` runs after a redirect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ResumeOn {
    /// The instance that ran `onExecutePostLogin` (warm module scope, same cache).
    Same,
    /// A fresh instance with an empty cache: what production may do after a yield.
    Fresh,
}

/// Everything `actsim run` needs.
pub struct RunOptions {
    /// The actions of the flow, in order (at least one).
    pub actions: Vec<ActionSource>,
    /// The trigger.
    pub trigger: Trigger,
    /// The event (without secrets).
    pub event: Value,
    /// The actions' secrets.
    pub secrets: BTreeMap<String, String>,
    /// The names of the secrets the secrets file marks public (shown in output as they are).
    pub public_secrets: BTreeSet<String>,
    /// Flows to run, one after the other.
    pub times: u32,
    /// Executions reported in full; later ones count in the summary and metrics only.
    pub keep_executions: u32,
    /// Virtual time between flows: gap i uses entry i, the last entry repeating.
    pub advance_ms: Vec<i64>,
    /// Virtual start time.
    pub now_ms: i64,
    /// Run onContinuePostLogin after a redirect.
    pub continue_flow: bool,
    /// Where the continue phase runs.
    pub resume_on: ResumeOn,
    /// Virtual time the user spends at the redirect target.
    pub return_after_ms: i64,
    /// Query parameters the user brings back to /continue.
    pub return_params: BTreeMap<String, String>,
    /// Fields the user submits in a form rendered with `api.prompt.render`.
    pub prompt_fields: BTreeMap<String, Value>,
    /// Cache limits.
    pub cache_limits: CacheLimits,
    /// Injected failures of the first instance's next cache writes (after `cache_entries`).
    pub fail_cache_writes: u32,
    /// Records put in the first instance's cache before it runs.
    pub cache_entries: Vec<(String, String)>,
    /// Instance limits (the seed is Math.random's).
    pub instance: InstanceConfig,
    /// Modelled latency of each HTTP request.
    pub latency_ms: i64,
    /// The mock tenant.
    pub tenant: TenantConfig,
    /// Declared HTTP mocks (`--mocks`, `--mock`).
    pub mocks: Vec<MockSpec>,
    /// Notes gathered while reading inputs.
    pub notes: Vec<String>,
}

/// The one-instance scenario that `options` describe.
pub fn scenario(options: &RunOptions) -> Scenario {
    let continues = options.continue_flow && actsim_sim::driver::can_resume(options.trigger);
    let actions = options
        .actions
        .iter()
        .map(|a| ActionSpec {
            name: a.filename.clone(),
            source: a.clone(),
            secrets: options.secrets.clone(),
            public_secrets: options.public_secrets.clone(),
        })
        .collect();
    Scenario {
        path: PathBuf::from(&options.actions[0].filename),
        source_text: String::new(),
        name: "actsim run".into(),
        description: None,
        seed: options.instance.seed,
        start_ms: options.now_ms,
        // Flows arrive by script; the run ends when the last one has.
        duration_ms: i64::MAX / 4,
        expectations: Vec::new(),
        tenant: options.tenant.clone(),
        actions,
        trigger: options.trigger,
        instances: InstancesSpec::fixed(1),
        placement_new: Policy::Sticky,
        placement_resume: match options.resume_on {
            ResumeOn::Same => Policy::Sticky,
            ResumeOn::Fresh => Policy::Fresh,
        },
        cache_mode: CacheMode::PerInstance,
        eviction: 0.0,
        evictions: Vec::new(),
        keep_failed_writes: true,
        cache_limits: options.cache_limits.clone(),
        traffic: TrafficSpec {
            arrivals: actsim_sim::scenario::Arrivals::Fixed,
            rate_per_ms: 1.0,
            burst_size: 1,
            burst_every_ms: 0,
            users: 1,
            event: options.event.clone(),
            max_logins: Some(u64::from(options.times.max(1))),
            return_after: Dist::Fixed(options.return_after_ms),
            abandon: if continues { 0.0 } else { 1.0 },
            params: options.return_params.clone(),
            body: BTreeMap::new(),
            prompt_fields: options.prompt_fields.clone(),
            script: Some(options.advance_ms.clone()),
        },
        mocks: options.mocks.clone(),
        tenant_latency: Dist::Fixed(options.latency_ms),
        mock_latency: Dist::Fixed(options.latency_ms),
        transport: actsim_sim::Transport::InProcess,
        perturb: Default::default(),
        limits: Default::default(),
    }
}

/// Bytes of details (console text, `api` command arguments, cache operations and records) the
/// run's report keeps over all its executions. Past it, later executions keep only their
/// summary (outcome, HTTP calls, warnings): `--times 2000` of an action that logs 256 KiB each
/// would otherwise hold half a gigabyte until the end of the run.
pub const REPORT_DETAIL_BUDGET: usize = 64 * 1024 * 1024;

/// Most distinct missing-secret names the report lists (an action may read any number).
const MAX_MISSING_SECRET_NAMES: usize = 100;

/// Collects ended executions as report entries, within [`REPORT_DETAIL_BUDGET`] and at most
/// `keep` entries; the summary counts every execution, kept or not, so that the memory a run
/// holds stays bounded whatever `--times` is.
#[derive(Default)]
struct Entries {
    entries: Vec<ExecutionEntry>,
    /// Most entries kept.
    keep: usize,
    /// Detail bytes kept so far.
    kept_bytes: usize,
    /// Entries whose details were dropped.
    dropped: u32,
    /// Executions past `keep`, counted in `summary` only.
    omitted: u64,
    /// Totals over every execution.
    summary: Summary,
    /// Secrets some execution read that were not set.
    missing_secrets: BTreeSet<String>,
}

/// The detail bytes of one execution, as [`REPORT_DETAIL_BUDGET`] counts them.
fn detail_bytes(e: &EndedExecution<'_>) -> usize {
    let r = e.report;
    let console: usize = r.console.iter().map(|l| l.text.len() + 16).sum();
    let commands: usize = r
        .commands
        .iter()
        .map(|c| c.name.len() + c.args.to_string().len() + 16)
        .sum();
    let cache_ops: usize = r.cache_ops.iter().map(|o| o.key.len() + 64).sum();
    let records: usize = e
        .cache_before
        .iter()
        .chain(&e.cache_after)
        .map(|c| c.key.len() + c.value.len() + 16)
        .sum();
    console + commands + cache_ops + records
}

impl ExecutionObserver for Entries {
    fn execution_ended(&mut self, e: EndedExecution<'_>) {
        self.summary.add(e.report);
        self.summary.warnings += e.warnings.len() as u32;
        self.summary.tokens_issued += e.http.iter().filter(|h| h.token.is_some()).count() as u64;
        for name in &e.report.missing_secrets {
            if self.missing_secrets.len() < MAX_MISSING_SECRET_NAMES {
                self.missing_secrets.insert(name.clone());
            }
        }
        if self.entries.len() >= self.keep {
            self.omitted += 1;
            return;
        }
        let size = detail_bytes(&e);
        let http = e
            .http
            .into_iter()
            .map(|h| HttpCall {
                at_ms: h.at_ms,
                method: h.method,
                url: h.url,
                status: h.status,
                error: h.error,
                latency_ms: h.latency_ms,
                note: h.token.as_ref().map(|t| {
                    if h.upstream == "tenant" {
                        format!(
                            "token #{} issued to {} for {} (expires in {} s)",
                            t.number,
                            t.client,
                            t.audience,
                            t.exp - t.iat
                        )
                    } else {
                        format!(
                            "token #{} from {} (expires in {} s)",
                            t.number,
                            t.client,
                            t.exp - t.iat
                        )
                    }
                }),
                token: h.token.map(|t| TokenOut {
                    client_id: t.client,
                    audience: t.audience,
                    iat: t.iat,
                    exp: t.exp,
                }),
            })
            .collect();
        let keep = self.kept_bytes.saturating_add(size) <= REPORT_DETAIL_BUDGET;
        let mut report = e.report.clone();
        let (cache_before, cache_after) = if keep {
            self.kept_bytes += size;
            (e.cache_before, e.cache_after)
        } else {
            self.dropped += 1;
            report.commands = Vec::new();
            report.console = Vec::new();
            report.console_truncated = true;
            report.cache_ops = Vec::new();
            (Vec::new(), Vec::new())
        };
        let entries = |v: Vec<actsim_sim::observer::CacheEntry>| {
            v.into_iter()
                .map(|c| CacheEntryOut {
                    key: c.key,
                    value: c.value,
                    expires_at: c.expires_at,
                })
                .collect()
        };
        self.entries.push(ExecutionEntry {
            login: u32::try_from(e.login).unwrap_or(u32::MAX),
            label: actsim_sim::observer::flow_label(e.trigger, e.login),
            action: e.action.to_string(),
            phase: e.phase,
            instance: e.instance,
            cold: e.cold,
            report,
            details_dropped: !keep,
            http,
            cache_before: entries(cache_before),
            cache_after: entries(cache_after),
            warnings: e.warnings,
        });
    }
}

/// Run the actions as the options say and report everything.
pub fn run(options: RunOptions) -> Result<RunReport, CliError> {
    Tenant::new(options.tenant.clone())
        .map_err(|e| CliError::usage(format!("the tenant configuration is invalid: {e}"), None))?;
    check_cache_entries(&options)?;
    let sc = scenario(&options);
    let sim_options = actsim_sim::RunOptions {
        seed: Some(options.instance.seed),
        cpu_budget: Some(options.instance.cpu_budget),
        transport: None,
        instance: Some(options.instance.clone()),
        preload: Preload {
            entries: options.cache_entries.clone(),
            fail_next_writes: options.fail_cache_writes,
        },
    };
    let mut sink = NullSink;
    let mut observed = Entries {
        keep: options.keep_executions.max(1) as usize,
        ..Entries::default()
    };
    let sim = Simulation::new(&sc, &sim_options, &mut sink)
        .map_err(|e| CliError::usage(format!("cannot start the simulation: {e}"), None))?
        .with_observer(&mut observed);
    let sim_report = sim.finish();
    let mut notes = options.notes.clone();
    if observed.omitted > 0 {
        notes.push(format!(
            "{} later executions are not shown: the report lists the first {} in full (--keep-executions); the summary, the metrics and --expect count every execution",
            observed.omitted,
            observed.entries.len()
        ));
    }
    if observed.dropped > 0 {
        notes.push(format!(
            "{} of {} executions kept only their summary (outcome, HTTP calls, warnings): the report keeps at most {} MiB of commands, console output and cache details over the run; run fewer --times to see them all",
            observed.dropped,
            observed.entries.len(),
            REPORT_DETAIL_BUDGET / (1024 * 1024)
        ));
    }
    let mut report = RunReport {
        schema: 1,
        action: options.actions[0].filename.clone(),
        actions: options.actions.iter().map(|a| a.filename.clone()).collect(),
        module_form: options.actions[0].form,
        trigger: options.trigger,
        tenant_domain: options.tenant.domain.clone(),
        executions: observed.entries,
        executions_omitted: observed.omitted,
        tokens_issued: Vec::new(),
        summary: observed.summary,
        notes,
        metrics: sim_report.metrics,
        expectations: Vec::new(),
    };
    for e in &report.executions {
        report
            .tokens_issued
            .extend(e.http.iter().filter_map(|h| h.token.clone()));
    }
    report.summary.token_requests =
        report.metrics.get("token_requests").copied().unwrap_or(0.0) as u64;
    flow_notes(&options, &mut report, &observed.missing_secrets);
    Ok(report)
}

/// Refuse `--cache-entry` records the cache would refuse (with its reason).
fn check_cache_entries(options: &RunOptions) -> Result<(), CliError> {
    let mut scratch = CacheStore::new(options.cache_limits.clone());
    for (key, value) in &options.cache_entries {
        scratch
            .set(key, value, &SetOptions::default(), options.now_ms)
            .map_err(|code| {
                CliError::usage(
                    format!("--cache-entry {key}=…: the cache refused it with {code}"),
                    Some(code.explain()),
                )
            })?;
    }
    Ok(())
}

/// Notes about the flows: an ignored `--continue`, a flow that did not redirect, secrets the
/// actions read but nobody set.
fn flow_notes(options: &RunOptions, report: &mut RunReport, missing: &BTreeSet<String>) {
    let can_resume = actsim_sim::driver::can_resume(options.trigger);
    if options.continue_flow && !can_resume {
        report.notes.push(format!(
            "--continue was ignored: {} has no redirects (only post-login and password-reset-post-challenge continue after api.redirect.sendUserTo)",
            options.trigger.as_str()
        ));
    }
    if options.continue_flow && can_resume {
        let shown = report.executions.last().map_or(0, |e| u64::from(e.login));
        let last = if report.executions_omitted > 0 {
            shown
        } else {
            u64::from(options.times.max(1))
        };
        for login in 1..=last {
            let of_login = |e: &&ExecutionEntry| u64::from(e.login) == login;
            let redirected = report.executions.iter().filter(of_login).any(|e| {
                matches!(
                    e.report.outcome,
                    Outcome::Completed {
                        redirect: Some(_),
                        denied: false
                    }
                )
            });
            let continued = report
                .executions
                .iter()
                .filter(of_login)
                .any(|e| e.phase == Phase::Continue);
            if !redirected && !continued {
                report.notes.push(format!(
                    "{}: no action redirected (or one denied/failed first), so {} did not run",
                    actsim_sim::observer::flow_label(options.trigger, login),
                    options
                        .trigger
                        .info()
                        .continue_handler
                        .unwrap_or("the continue handler")
                ));
            }
        }
    }
    if report.summary.reported > 0 {
        report.notes.push(format!(
            "{} execution{} of {} failed: {} runs after the fact, so each failure is reported (failures_reported = {}) and blocks nothing, and the exit status stays 0; add --expect 'failures_reported == 0' to make it 1",
            report.summary.reported,
            if report.summary.reported == 1 { "" } else { "s" },
            options.trigger.as_str(),
            options.trigger.as_str(),
            report.summary.reported
        ));
    }
    for name in missing {
        report.notes.push(format!(
            "the action read event.secrets.{name}, which is not set; add it to the --secrets file"
        ));
    }
}
