//! What an execution did: its outcome, the `api` commands it issued, its console output and its
//! cache operations, each stamped with virtual time.

use serde::Serialize;

use crate::ops::ExecId;
pub use crate::trigger::Trigger;

/// Which handler of the action runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// The trigger's `onExecute…` handler.
    Execute,
    /// `onContinuePostLogin`, after the user came back from a redirect.
    Continue,
}

/// A recorded `api` call, in the order the action made it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Command {
    /// Virtual time of the call (ms since the Unix epoch).
    pub at_ms: i64,
    /// The member called, e.g. `accessToken.setCustomClaim`.
    pub name: String,
    /// Its arguments as JSON (`undefined` becomes `null`).
    pub args: serde_json::Value,
}

/// One line of console output.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConsoleLine {
    /// Virtual time (ms since the Unix epoch).
    pub at_ms: i64,
    /// `log`, `info`, `warn`, `error`, `debug` or `trace`.
    pub level: String,
    /// The formatted text.
    pub text: String,
}

/// The kinds of cache operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheOpKind {
    /// `api.cache.get`.
    Get,
    /// `api.cache.set`.
    Set,
    /// `api.cache.delete`.
    Delete,
}

/// One `api.cache` call and what it returned.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CacheOp {
    /// Virtual time (ms since the Unix epoch).
    pub at_ms: i64,
    /// get, set or delete.
    pub op: CacheOpKind,
    /// The key as given.
    pub key: String,
    /// `hit`/`miss` for get, `success` or the error code for set and delete.
    pub result: String,
    /// For a successful set or a hit: the record's `expires_at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// For set: the value's length in UTF-8 bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_bytes: Option<usize>,
    /// For a set: the `ttl` option as passed, if any (a number; NaN for a non-number).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl: Option<f64>,
    /// For a set: the `expires_at` option as passed, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at_option: Option<f64>,
    /// For a set of a JWT: the token's `exp` claim (seconds since the epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt_exp: Option<i64>,
}

/// Why an execution failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The action's code does not parse.
    Syntax,
    /// The action's top-level code threw (re-thrown on every execution of the instance).
    ModuleInit,
    /// The handler for this trigger is not exported.
    MissingHandler,
    /// The handler is not an `async` function.
    InvalidHandler,
    /// The handler threw or its promise rejected.
    Thrown,
    /// A promise rejected and nothing handled it.
    UnhandledRejection,
    /// The execution used more CPU than its budget (e.g. `while (true) {}`).
    CpuBudgetExceeded,
    /// The instance ran out of memory (its memory limit).
    OutOfMemory,
    /// The execution handed the host more data than its per-execution limit (api command
    /// arguments, console output, cache and fetch data).
    HostLimitExceeded,
    /// The execution was ended by the driver (virtual-time budget, abandoned flow).
    Aborted,
}

/// A position in the action's file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceLocation {
    /// The file name as given to the instance.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

/// A failed execution's error.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ActionError {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// The JS error's name (`TypeError`) or actsim's name for the failure.
    pub name: String,
    /// The message, ready to show.
    pub message: String,
    /// Where in the action it happened, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<SourceLocation>,
    /// The JS stack, if any.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub stack: String,
}

/// How an execution ended.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// The handler resolved.
    Completed {
        /// `api.access.deny` or `api.validation.error` was called.
        denied: bool,
        /// `api.redirect.sendUserTo` was called: the flow suspends after this action.
        #[serde(skip_serializing_if = "Option::is_none")]
        redirect: Option<Redirect>,
    },
    /// The execution failed.
    Failed {
        /// The error.
        error: ActionError,
    },
}

/// A redirect requested with `api.redirect.sendUserTo`, or a prompt rendered with
/// `api.prompt.render`: either suspends the flow, which resumes in the continue handler.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Redirect {
    /// Where the user is sent; for a prompt, `prompt:` and the prompt's id (not a URL).
    pub url: String,
    /// Extra query parameters; for a prompt, its options (`{fields?, vars?}`).
    #[serde(default)]
    pub query: serde_json::Value,
    /// The id of the prompt `api.prompt.render` rendered, when it was a prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
}

/// What a custom email or phone provider action said of its notification
/// (`api.notification.drop` or `retry`; the last call counts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notification {
    /// The notification failed and is never retried.
    Drop,
    /// The notification failed and is retried (production retries up to 5 times).
    Retry,
}

/// Everything one execution did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExecutionReport {
    /// The execution's id within its instance.
    pub exec_id: ExecId,
    /// The trigger.
    pub trigger: Trigger,
    /// The handler that ran (`onExecutePostLogin`, …).
    pub handler: String,
    /// Virtual start time.
    pub started_at_ms: i64,
    /// Virtual end time.
    pub finished_at_ms: i64,
    /// How it ended.
    pub outcome: Outcome,
    /// The `api` calls, in order.
    pub commands: Vec<Command>,
    /// Console output (capped per execution).
    pub console: Vec<ConsoleLine>,
    /// Whether console output was cut at the cap.
    pub console_truncated: bool,
    /// `api.cache` calls, in order.
    pub cache_ops: Vec<CacheOp>,
    /// Names read from `event.secrets` that were not set.
    pub missing_secrets: Vec<String>,
    /// `api.cache.set` calls that failed and whose result the action never read: (key, code).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread_failed_sets: Vec<(String, String)>,
    /// For the custom email and phone providers: the action's last `api.notification` call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification: Option<Notification>,
}

impl ExecutionReport {
    /// The report of execution `exec_id` of `handler` started at `at_ms`, before it did
    /// anything: completed, not denied, nothing recorded.
    pub fn started(exec_id: ExecId, trigger: Trigger, handler: &str, at_ms: i64) -> Self {
        ExecutionReport {
            exec_id,
            trigger,
            handler: handler.to_string(),
            started_at_ms: at_ms,
            finished_at_ms: at_ms,
            outcome: Outcome::Completed {
                denied: false,
                redirect: None,
            },
            commands: Vec::new(),
            console: Vec::new(),
            console_truncated: false,
            cache_ops: Vec::new(),
            missing_secrets: Vec::new(),
            unread_failed_sets: Vec::new(),
            notification: None,
        }
    }

    /// True when the execution failed.
    pub fn failed(&self) -> bool {
        matches!(self.outcome, Outcome::Failed { .. })
    }

    /// The error, when the execution failed.
    pub fn error(&self) -> Option<&ActionError> {
        match &self.outcome {
            Outcome::Failed { error } => Some(error),
            Outcome::Completed { .. } => None,
        }
    }
}
