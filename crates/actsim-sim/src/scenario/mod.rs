//! Scenario files (TOML): the raw format, its validation into a runnable [`Scenario`], and
//! errors that point at file:line:column. docs/scenario.md documents every field.

mod compile;
mod error;
pub mod limits;
mod mocks;
mod raw;

pub use compile::{
    load_scenario, load_scenario_from, parse_scenario, parse_scenario_with, ActionSpec,
    ExecutionLimits, InstancesSpec, MockResponse, MockSpec, Scenario, ScriptedEviction,
    TrafficSpec,
};
pub use error::ScenarioError;
pub use mocks::{parse_mock_line, parse_mocks, MocksFile};
pub use raw::{Arrivals, CacheMode, Policy};
