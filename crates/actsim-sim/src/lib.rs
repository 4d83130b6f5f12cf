//! actsim-sim: the discrete-event simulator of Auth0 Actions instances.
//!
//! It makes the production caveat reproducible: after a yield (a redirect), the rest of a login
//! may run on another instance with a different cache. A [`Scenario`] (TOML, see
//! docs/scenario.md) describes the tenant, the actions bound to a trigger, the instance pool,
//! placement policies, cache options, traffic and HTTP mocks; [`simulate`] runs it in virtual
//! time from a seed and returns metrics, checked expectations and a trace. Same scenario and
//! seed ⇒ byte-identical trace.

#![forbid(unsafe_code)]

pub mod driver;
pub mod engine;
pub mod expect;
pub mod explore;
pub mod http_transport;
pub mod inputs;
pub mod metrics;
pub mod network;
pub mod observer;
pub mod observers;
pub mod pool;
mod queue;
pub mod redact;
pub mod report;
pub mod scenario;
pub mod trace;
pub mod values;
pub mod warnings;
mod yield_keys;

pub use engine::{simulate, FlowResult, Preload, RunOptions, Simulation};
pub use expect::{Expectation, ExpectationResult};
pub use network::Transport;
pub use redact::Redactor;
pub use report::SimReport;
pub use scenario::{load_scenario, parse_scenario, Scenario, ScenarioError};
pub use trace::{CollectingSink, JsonLinesSink, NullSink, TeeSink, TraceEvent, TraceSink};
pub use warnings::{Warning, WarningKind, WarningSummary};
