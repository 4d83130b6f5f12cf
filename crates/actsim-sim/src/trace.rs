//! The trace: one JSON object per line for everything that happened in a simulation, in the
//! order the simulator processed it. Cache and console events are emitted when their execution
//! ends, stamped with the virtual time they happened at. Same scenario and seed ⇒ the same bytes.

use std::io::Write;

use serde::Serialize;

use crate::redact::Redactor;

/// One thing that happened.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "ev", rename_all = "snake_case")]
pub enum TraceEvent {
    /// The simulation starts.
    Start { t: i64, scenario: String, seed: u64 },
    /// An instance comes up.
    InstanceUp {
        t: i64,
        instance: u32,
        reason: &'static str,
    },
    /// An instance goes away.
    InstanceDown {
        t: i64,
        instance: u32,
        reason: &'static str,
    },
    /// A login arrives for user number `user` (1-based, as in `auth0|sim-user-00001`).
    Arrival { t: i64, login: u64, user: u32 },
    /// An action's handler starts on an instance.
    ExecStart {
        t: i64,
        login: u64,
        instance: u32,
        action: String,
        handler: String,
        cold: bool,
    },
    /// An HTTP request is sent (its answer is known at once; it arrives after `latency_ms`).
    Http {
        t: i64,
        login: Option<u64>,
        instance: u32,
        method: String,
        url: String,
        upstream: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        latency_ms: i64,
        #[serde(skip_serializing_if = "Option::is_none")]
        token_issued: Option<usize>,
    },
    /// An `api.cache` call.
    Cache {
        t: i64,
        login: u64,
        instance: u32,
        op: String,
        key: String,
        result: String,
    },
    /// A record dropped early by eviction pressure or a scripted `[[cache.evict]]`.
    Evicted { t: i64, instance: u32, key: String },
    /// An `api` command (`access.deny`, `idToken.setCustomClaim`, …) with its arguments
    /// (secret values are redacted by sinks that write).
    Command {
        t: i64,
        login: u64,
        instance: u32,
        action: String,
        name: String,
        args: serde_json::Value,
    },
    /// A console line.
    Console {
        t: i64,
        login: u64,
        instance: u32,
        level: String,
        text: String,
    },
    /// An action's handler ends.
    ExecEnd {
        t: i64,
        login: u64,
        instance: u32,
        action: String,
        outcome: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        error_kind: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// The flow suspends for a redirect.
    Redirect {
        t: i64,
        login: u64,
        instance: u32,
        url: String,
    },
    /// A redirected user never comes back.
    Abandon { t: i64, login: u64 },
    /// A redirected user comes back and the flow resumes.
    Resume {
        t: i64,
        login: u64,
        from: u32,
        to: u32,
        elsewhere: bool,
    },
    /// A login's flow ends.
    LoginEnd {
        t: i64,
        login: u64,
        result: &'static str,
        latency_ms: i64,
    },
    /// A caveat warning with its one-line fix.
    Warning {
        t: i64,
        kind: crate::warnings::WarningKind,
        #[serde(skip_serializing_if = "Option::is_none")]
        login: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        instance: Option<u32>,
        message: String,
        fix: String,
    },
    /// The simulation ends.
    End { t: i64 },
}

/// Where trace events go.
pub trait TraceSink {
    /// Record one event.
    fn emit(&mut self, event: &TraceEvent);

    /// Whether the sink keeps events at all: the simulator does not even build the frequent
    /// ones (one per login, execution and cache operation) for a sink that discards them.
    fn enabled(&self) -> bool {
        true
    }
}

/// Discards events.
pub struct NullSink;

impl TraceSink for NullSink {
    fn emit(&mut self, _event: &TraceEvent) {}

    fn enabled(&self) -> bool {
        false
    }
}

/// Keeps every event in memory (for reports that draw the timeline).
#[derive(Default)]
pub struct CollectingSink {
    /// The events, in order.
    pub events: Vec<TraceEvent>,
}

impl TraceSink for CollectingSink {
    fn emit(&mut self, event: &TraceEvent) {
        self.events.push(event.clone());
    }
}

/// Passes each event to two sinks.
pub struct TeeSink<'a> {
    /// The first sink.
    pub a: &'a mut dyn TraceSink,
    /// The second sink.
    pub b: &'a mut dyn TraceSink,
}

impl TraceSink for TeeSink<'_> {
    fn emit(&mut self, event: &TraceEvent) {
        self.a.emit(event);
        self.b.emit(event);
    }
}

/// Writes JSON Lines with secret values redacted. Write errors are remembered, not panicked on.
pub struct JsonLinesSink<W: Write> {
    out: W,
    redactor: Redactor,
    /// The first write error, if any.
    pub error: Option<std::io::Error>,
}

impl<W: Write> JsonLinesSink<W> {
    /// A sink writing to `out`, redacting `redactor`'s secrets.
    pub fn new(out: W, redactor: Redactor) -> Self {
        JsonLinesSink {
            out,
            redactor,
            error: None,
        }
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> TraceSink for JsonLinesSink<W> {
    fn emit(&mut self, event: &TraceEvent) {
        if self.error.is_some() {
            return;
        }
        let value = serde_json::to_value(event).unwrap_or(serde_json::Value::Null);
        let line = serde_json::to_string(&self.redactor.json(value)).unwrap_or_default();
        // A lone surrogate of an action's value as Node's JSON.stringify writes it.
        let line = actsim_js::escape_lone_surrogates(&line);
        if let Err(e) = writeln!(self.out, "{line}") {
            self.error = Some(e);
        }
    }
}
