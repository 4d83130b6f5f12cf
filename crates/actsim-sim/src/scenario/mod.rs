//! Scenario files (TOML): the raw format, its validation into a runnable [`Scenario`], and
//! errors that point at file:line:column. docs/scenario.md documents every field.

mod compile;
mod error;
mod mocks;
mod raw;

pub use compile::{
    load_scenario, parse_scenario, ActionSpec, InstancesSpec, MockResponse, MockSpec, Scenario,
    TrafficSpec,
};
pub use error::ScenarioError;
pub use mocks::{parse_mock_line, parse_mocks, MocksFile};
pub use raw::{Arrivals, CacheMode, Policy};
