//! What the engine tells an observer about each execution when it ends: the execution's report
//! with its HTTP exchanges, the cache before and after, and the warnings it raised. `actsim run`
//! builds its per-execution report from these; simulations without an observer skip the work.

use actsim_js::{ExecutionReport, Phase, Trigger};
use serde::Serialize;

use crate::warnings::Warning;

/// A token an HTTP exchange obtained (from the tenant or a mock declared a token endpoint).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssuedToken {
    /// 1-based number among the run's tokens from the same upstream.
    pub number: usize,
    /// The client it was issued to (for a mock: its name).
    pub client: String,
    /// Its audience (for a mock: its host and path).
    pub audience: String,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Expires at, seconds since the epoch.
    pub exp: i64,
}

/// One HTTP request and what the network answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HttpExchange {
    /// Virtual time the request was sent.
    pub at_ms: i64,
    /// Method.
    pub method: String,
    /// URL.
    pub url: String,
    /// Where it went: `tenant`, `mock:<name or host>`, or the unknown host.
    pub upstream: String,
    /// The route's metric name (see docs/scenario.md, "HTTP metrics").
    pub route: String,
    /// Response status, if a response came.
    pub status: Option<u16>,
    /// Network error, if none came.
    pub error: Option<String>,
    /// Modelled latency.
    pub latency_ms: i64,
    /// The token it obtained, if any.
    pub token: Option<IssuedToken>,
}

/// A cache record as seen before or after an execution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CacheEntry {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
    /// Expiry, ms since the epoch.
    pub expires_at: i64,
}

/// One ended execution with everything it did.
#[derive(Debug)]
pub struct EndedExecution<'r> {
    /// The flow's number (1-based, in arrival order).
    pub login: u64,
    /// The flow's trigger.
    pub trigger: Trigger,
    /// Execute or continue.
    pub phase: Phase,
    /// 1-based instance number.
    pub instance: u32,
    /// The action's name.
    pub action: &'r str,
    /// True when the action's module code ran for this execution (a new runtime).
    pub cold: bool,
    /// What the execution did.
    pub report: &'r ExecutionReport,
    /// Its HTTP requests, in order.
    pub http: Vec<HttpExchange>,
    /// Live cache records before it started.
    pub cache_before: Vec<CacheEntry>,
    /// Live cache records after it ended.
    pub cache_after: Vec<CacheEntry>,
    /// Warnings it raised.
    pub warnings: Vec<Warning>,
}

/// Receives ended executions. Observers never call back into the engine.
pub trait ExecutionObserver {
    /// An execution ended.
    fn execution_ended(&mut self, ended: EndedExecution<'_>);
}

/// The label of a flow: its trigger and number (`post-login 3`, `credentials-exchange 1`).
pub fn flow_label(trigger: Trigger, login: u64) -> String {
    format!("{} {login}", trigger.as_str())
}
