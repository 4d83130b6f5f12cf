//! The result of an exploration: for each expectation of the scenario, how many seeds violate
//! it, the first of them, the command that replays it and (once shrunk) the smallest failing
//! run found. Outcomes are folded in seed order, so the report is the same however the seeds
//! were spread over threads; it is also what `--json` prints and `--merge` reads.

use serde::{Deserialize, Serialize};

use super::seeds::{SeedPlan, Shard};
use super::SeedOutcome;
use crate::scenario::Scenario;

/// An exploration's findings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExploreReport {
    /// The scenario's name.
    pub scenario: String,
    /// The scenario file, as given on the command line.
    pub path: String,
    /// The seeds planned.
    pub plan: SeedPlan,
    /// The part of the plan this report covers (`None`: all of it).
    pub shard: Option<Shard>,
    /// Seeds run.
    pub runs: u64,
    /// Seeds under which at least one expectation failed.
    pub failing_runs: u64,
    /// Every expectation of the scenario, in order.
    pub expectations: Vec<Finding>,
}

/// What the exploration found about one expectation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The `expect` line.
    pub expectation: String,
    /// Seeds under which it failed.
    pub violations: u64,
    /// The first (lowest) of them.
    pub first_seed: Option<u64>,
    /// The metric's value under that seed (none when it could not be computed).
    pub first_actual: Option<f64>,
    /// The command that replays that seed.
    pub replay: Option<String>,
    /// The smallest failing run shrinking found from the first seed.
    pub minimal: Option<Minimal>,
}

/// The size of a run, in the terms shrinking minimises.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSize {
    /// Logins that arrived.
    pub logins: u64,
    /// Distinct users the traffic draws from.
    pub users: u64,
    /// Instances created.
    pub instances: u64,
    /// Instances killed or recycled by perturbations and scripted kills.
    pub faults: u64,
    /// Cache records evicted early (eviction pressure and scripted evictions).
    #[serde(default)]
    pub evictions: u64,
    /// Actions bound to the trigger.
    pub actions: u64,
    /// How long logins arrive, ms.
    pub duration_ms: i64,
}

/// A shrunk failing run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Minimal {
    /// Its seed.
    pub seed: u64,
    /// The expectation's value in it.
    pub actual: Option<f64>,
    /// The size of the run shrinking started from.
    pub original: RunSize,
    /// Its size.
    pub size: RunSize,
    /// Candidate runs tried while shrinking.
    pub attempts: u32,
    /// A short timeline of what happened in it.
    pub story: Vec<String>,
    /// The scenario (TOML) that replays it; file paths relative to the explored scenario's
    /// folder (see [`super::repro::repro_text`] to save it elsewhere).
    pub scenario_toml: String,
}

impl ExploreReport {
    /// An empty report for `scenario`, found at `path`.
    pub fn new(scenario: &Scenario, path: &str, plan: SeedPlan, shard: Option<Shard>) -> Self {
        ExploreReport {
            scenario: scenario.name.clone(),
            path: path.to_string(),
            plan,
            shard,
            runs: 0,
            failing_runs: 0,
            expectations: scenario
                .expectations
                .iter()
                .map(|(e, _)| Finding {
                    expectation: e.text.clone(),
                    violations: 0,
                    first_seed: None,
                    first_actual: None,
                    replay: None,
                    minimal: None,
                })
                .collect(),
        }
    }

    /// Count one seed's outcome (call in increasing seed order).
    pub fn add(&mut self, outcome: &SeedOutcome) {
        self.runs += 1;
        if outcome.failed_any() {
            self.failing_runs += 1;
        }
        for (finding, failed) in self.expectations.iter_mut().zip(&outcome.failed) {
            if let Some(actual) = failed {
                finding.violations += 1;
                if finding.first_seed.is_none_or(|s| outcome.seed < s) {
                    finding.first_seed = Some(outcome.seed);
                    finding.first_actual = *actual;
                    finding.replay = Some(replay_command(&self.path, outcome.seed));
                }
            }
        }
    }

    /// Whether no seed violated any expectation.
    pub fn passed(&self) -> bool {
        self.failing_runs == 0
    }
}

/// The command that replays `seed` of the scenario at `path`.
pub fn replay_command(path: &str, seed: u64) -> String {
    format!("actsim simulate {path} --seed {seed}")
}
