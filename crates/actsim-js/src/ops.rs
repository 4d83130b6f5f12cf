//! Host operations: the asynchronous things action code waits for (HTTP requests, timers).
//!
//! An instance never performs I/O itself. When JavaScript calls `fetch` or `setTimeout`, the
//! instance queues a [`HostOp`]; the driver (the `run` command or the simulator) decides when,
//! in virtual time, it completes and hands back an [`OpResult`]. That keeps every run
//! deterministic and lets a simulator model latency and faults.

use serde::{Deserialize, Serialize};

/// Identifies an execution within one instance.
pub type ExecId = u64;

/// Identifies a pending host operation within one instance.
pub type OpId = u64;

/// An operation JavaScript is waiting for.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HostOp {
    /// The operation's id, to pass back to [`crate::Instance::complete`].
    pub id: OpId,
    /// The execution that started it, if any (module-scope timers have none after it ends).
    pub exec_id: Option<ExecId>,
    /// What is being waited for.
    pub kind: HostOpKind,
}

/// The kinds of host operation.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HostOpKind {
    /// An HTTP request made with `fetch` (or a client built on it).
    Fetch(FetchRequest),
    /// A timer (`setTimeout`, `setInterval`, `setImmediate`) due after `delay_ms` of virtual time.
    Timer {
        /// Virtual milliseconds until it fires.
        delay_ms: i64,
    },
}

/// An HTTP request as JavaScript made it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FetchRequest {
    /// Absolute URL.
    pub url: String,
    /// Upper-case method.
    pub method: String,
    /// Header names in lower case, sorted.
    pub headers: Vec<(String, String)>,
    /// The body as text, if any.
    pub body: Option<String>,
}

impl FetchRequest {
    /// The value of a header (names are lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP response handed back to JavaScript.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FetchResponse {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body text.
    pub body: String,
}

/// How a host operation ended.
#[derive(Clone, Debug, PartialEq)]
pub enum OpResult {
    /// The HTTP response.
    Fetch(FetchResponse),
    /// A network failure; JavaScript sees `TypeError: fetch failed` with this message as cause.
    NetworkError(String),
    /// The timer fired.
    TimerFired,
}
