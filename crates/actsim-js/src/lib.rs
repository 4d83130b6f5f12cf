//! actsim-js: runs Auth0 Actions code on QuickJS (through rquickjs).
//!
//! An [`Instance`] is one simulated Actions instance: a runtime and realm with deterministic
//! globals (virtual `Date`, seeded `Math.random`, timers and `fetch` as host operations), the
//! built-in `auth0` and `jwt-decode` stand-ins, and the action's module, initialised lazily on
//! the first execution and kept while the instance lives. Each execution gets the trigger's
//! `event` and `api` (any trigger of [`TRIGGERS`]); every `api` call, console line and
//! cache operation is recorded in an [`ExecutionReport`].
//!
//! This crate is the only one that knows rquickjs; it performs no I/O and reads no clock except
//! to stop runaway code at its CPU budget.

#![deny(clippy::undocumented_unsafe_blocks)]

mod atoms;
mod boundary;
mod bytecode;
mod caches;
mod clock;
mod errors;
mod event;
mod handles;
mod host;
mod instance;
mod json_build;
mod leak_check;
mod modules;
mod natives;
mod node_errors;
mod node_modules;
mod ops;
mod plain_json;
mod prelude;
mod realm;
mod report;
mod rng;
mod source;
mod state;
mod text;
mod trigger;
mod utc_dates;
mod warm;

pub use caches::TriggerCaches;
pub use clock::Clock;
pub use event::PreparedEvent;
pub use instance::{
    ExecutionSpec, Instance, InstanceConfig, Secrets, DEFAULT_HOST_BYTES, NODE_VERSION,
};
pub use node_modules::{NodeModule, NODE_MODULES, NOT_IN_NODE_20};
pub use ops::{ExecId, FetchRequest, FetchResponse, HostOp, HostOpKind, OpId, OpResult};
pub use report::{
    ActionError, CacheOp, CacheOpKind, Command, ConsoleLine, ErrorKind, ExecutionReport,
    Notification, Outcome, Phase, Redirect, SourceLocation, Trigger,
};
pub use rng::SeededRng;
pub use source::{ActionSource, ActionsModule, ModuleForm};
pub use state::SharedCache;
pub use text::{escape_lone_surrogates, node_utf8_len};
pub use trigger::{TriggerInfo, TRIGGERS};
pub use warm::FastPaths;

/// Failures of the host itself (not of the action's code, which end up in reports).
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// QuickJS could not create a runtime or context (out of memory).
    #[error("the JavaScript engine could not start: {0}")]
    Engine(#[source] EngineError),
    /// actsim's own prelude failed to load: a bug in actsim.
    #[error("actsim's prelude failed to load (a bug in actsim): {message}")]
    Prelude {
        /// What failed, with the prelude script's own message when it threw.
        message: String,
        /// The engine's error.
        #[source]
        source: EngineError,
    },
    /// The trigger has no handler for that phase.
    #[error("the {} trigger has no continue phase", .0.as_str())]
    NoSuchPhase(Trigger),
    /// The event or secrets could not be serialised.
    #[error("the event could not be passed to JavaScript: {0}")]
    Event(#[source] serde_json::Error),
}

/// An error of the JavaScript engine (opaque: only this crate knows the engine).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct EngineError(#[from] rquickjs::Error);

impl HostError {
    /// A prelude failure described by the engine's error alone.
    pub(crate) fn prelude(e: rquickjs::Error) -> Self {
        HostError::Prelude {
            message: e.to_string(),
            source: EngineError(e),
        }
    }

    /// The engine failed to start.
    pub(crate) fn engine(e: rquickjs::Error) -> Self {
        HostError::Engine(EngineError(e))
    }
}
