//! Exploration: run a scenario under many seeds, find the expectations some seed violates,
//! shrink each failing run to a smaller one that fails the same way, and tell its story.
//!
//! Each seed's simulation is independent and single-threaded; callers run [`run_seed`] on as
//! many threads as they like (one JavaScript runtime per thread) and fold the outcomes in seed
//! order into an [`ExploreReport`], so the report never depends on how the work was spread.
//! Shards ([`Shard`]) split the seeds between machines; [`merge`] puts their reports together
//! into the report an unsharded run gives.

pub mod merge;
pub mod perturb;
pub mod report;
pub mod repro;
pub mod seeds;
pub mod shrink;
pub mod story;

pub use merge::merge;
pub use perturb::Perturbations;
pub use report::{ExploreReport, Finding, Minimal, RunSize};
pub use seeds::{SeedPlan, Shard};
pub use shrink::{shrink, DEFAULT_SHRINK_RUNS};

use crate::engine::{simulate, RunOptions};
use crate::scenario::Scenario;
use crate::trace::NullSink;

/// What one seed's run found.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedOutcome {
    /// The seed.
    pub seed: u64,
    /// For each expectation of the scenario, in order: its value when it failed, `None` when it
    /// held. (An expectation that could not be checked fails with value `None` inside.)
    pub failed: Vec<Option<Option<f64>>>,
}

impl SeedOutcome {
    /// Whether any expectation failed.
    pub fn failed_any(&self) -> bool {
        self.failed.iter().any(Option::is_some)
    }
}

/// Run `scenario` with `seed` (other options from `options`) and check its expectations.
/// Fails only when the HTTP transport cannot start.
pub fn run_seed(
    scenario: &Scenario,
    options: &RunOptions,
    seed: u64,
) -> std::io::Result<SeedOutcome> {
    let options = RunOptions {
        seed: Some(seed),
        ..options.clone()
    };
    let report = simulate(scenario, &options, &mut NullSink)?;
    Ok(SeedOutcome {
        seed,
        failed: report
            .expectations
            .iter()
            .map(|e| (!e.passed).then_some(e.actual))
            .collect(),
    })
}
