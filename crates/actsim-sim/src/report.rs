//! The result of a simulation: metrics by name, each expectation with its actual value, a short
//! timeline of highlights, and a line per instance.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::expect::ExpectationResult;
use crate::metrics::Metrics;
use crate::pool::SimInstance;
use crate::scenario::Scenario;

/// A notable moment, for the readable timeline.
#[derive(Debug, Clone, Serialize)]
pub struct Highlight {
    /// Virtual time.
    pub t: i64,
    /// What happened.
    pub text: String,
}

/// One instance's life.
#[derive(Debug, Clone, Serialize)]
pub struct InstanceSummary {
    /// 1-based number.
    pub number: u32,
    /// When it came up.
    pub created_at: i64,
    /// When it went away, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<i64>,
    /// Why it went away.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<String>,
    /// Executions it ran.
    pub executions: u64,
    /// Tokens issued for its requests.
    pub tokens_issued: u64,
    /// Cache hits.
    pub cache_hits: u64,
    /// Cache misses.
    pub cache_misses: u64,
}

/// Everything a simulation found.
#[derive(Debug, Clone, Serialize)]
pub struct SimReport {
    /// Scenario name.
    pub scenario: String,
    /// Scenario file.
    pub path: String,
    /// The seed used.
    pub seed: u64,
    /// Virtual start.
    pub start_ms: i64,
    /// Virtual end of the traffic.
    pub end_ms: i64,
    /// Every metric by name.
    pub metrics: BTreeMap<String, f64>,
    /// The scenario's expectations, checked.
    pub expectations: Vec<ExpectationResult>,
    /// Notable moments.
    pub highlights: Vec<Highlight>,
    /// Instances.
    pub instances: Vec<InstanceSummary>,
    /// Caveat warnings by kind, with the first occurrence of each.
    pub warnings: Vec<crate::warnings::WarningSummary>,
    /// True when every expectation held.
    pub passed: bool,
}

/// What a finished run hands to [`build_report`].
pub struct RunResults<'a> {
    /// The counters.
    pub metrics: &'a Metrics,
    /// Tokens issued per client, and all token requests.
    pub ledger: (BTreeMap<String, u64>, u64),
    /// Every instance that existed.
    pub instances: &'a [SimInstance],
    /// Notable moments.
    pub highlights: Vec<Highlight>,
    /// Warnings by kind.
    pub warnings: Vec<crate::warnings::WarningSummary>,
    /// Virtual end of the traffic.
    pub end_ms: i64,
}

/// Assemble the report at the end of a run.
pub fn build_report(sc: &Scenario, seed: u64, run: RunResults<'_>) -> SimReport {
    let RunResults {
        metrics,
        ledger,
        instances,
        highlights,
        warnings,
        end_ms,
    } = run;
    let (by_client, token_requests) = ledger;
    let mut map = metrics.to_map(&by_client, token_requests);
    map.insert(
        "warnings".into(),
        warnings.iter().map(|w| w.count).sum::<u64>() as f64,
    );
    for kind in crate::warnings::WarningKind::ALL {
        let n = warnings
            .iter()
            .find(|w| w.kind == kind)
            .map_or(0, |w| w.count);
        map.insert(format!("warnings.{}", kind.as_str()), n as f64);
    }
    let expectations: Vec<ExpectationResult> =
        sc.expectations.iter().map(|(e, _)| e.check(&map)).collect();
    let passed = expectations.iter().all(|r| r.passed);
    let instances = instances
        .iter()
        .map(|i| {
            let c = metrics
                .per_instance
                .get(&i.number)
                .cloned()
                .unwrap_or_default();
            InstanceSummary {
                number: i.number,
                created_at: i.created_at,
                ended_at: i.ended.map(|(t, _)| t),
                end_reason: i.ended.map(|(_, r)| r.to_string()),
                executions: c.executions,
                tokens_issued: c.tokens_issued,
                cache_hits: c.cache_hits,
                cache_misses: c.cache_misses,
            }
        })
        .collect();
    SimReport {
        scenario: sc.name.clone(),
        path: sc.path.display().to_string(),
        seed,
        start_ms: sc.start_ms,
        end_ms,
        metrics: map,
        expectations,
        highlights,
        instances,
        warnings,
        passed,
    }
}
