//! `actsim explore --merge`: the reports of the shards of one exploration put back together.
//! Counts add up; each expectation's first failing seed is the lowest among the shards, with
//! that shard's shrunk run. The result equals the report of the same exploration unsharded.

use super::report::ExploreReport;

/// Merge the reports of every shard of one exploration (in any order).
pub fn merge(mut reports: Vec<ExploreReport>) -> Result<ExploreReport, String> {
    let Some(first) = reports.first() else {
        return Err("nothing to merge".into());
    };
    let count = match first.shard {
        Some(s) => s.count,
        None if reports.len() == 1 => return Ok(reports.remove(0)),
        None => return Err("only the reports of --shard runs can be merged".into()),
    };
    for r in &reports {
        if r.scenario != first.scenario
            || r.path != first.path
            || r.plan != first.plan
            || r.expectations.len() != first.expectations.len()
            || r.expectations
                .iter()
                .zip(&first.expectations)
                .any(|(a, b)| a.expectation != b.expectation)
        {
            return Err(format!(
                "the reports are of different explorations ({} and {}, or other seeds or expectations)",
                first.path, r.path
            ));
        }
        match r.shard {
            Some(s) if s.count == count => {}
            _ => {
                return Err(format!(
                    "every report must come from a --shard i/{count} run of the same exploration"
                ))
            }
        }
    }
    let mut seen: Vec<u32> = reports
        .iter()
        .map(|r| r.shard.map_or(0, |s| s.index))
        .collect();
    seen.sort_unstable();
    if seen.windows(2).any(|w| w[0] == w[1]) {
        return Err("a shard is given twice".to_string());
    }
    let expected: Vec<u32> = (1..=count).collect();
    if seen != expected {
        let missing: Vec<String> = expected
            .iter()
            .filter(|i| !seen.contains(i))
            .map(|i| format!("{i}/{count}"))
            .collect();
        return Err(format!("missing shards: {}", missing.join(", ")));
    }
    let mut merged = reports[0].clone();
    merged.shard = None;
    merged.runs = 0;
    merged.failing_runs = 0;
    for f in &mut merged.expectations {
        f.violations = 0;
        f.first_seed = None;
        f.first_actual = None;
        f.replay = None;
        f.minimal = None;
    }
    for r in reports {
        merged.runs += r.runs;
        merged.failing_runs += r.failing_runs;
        for (m, f) in merged.expectations.iter_mut().zip(r.expectations) {
            m.violations += f.violations;
            if let Some(seed) = f.first_seed {
                if m.first_seed.is_none_or(|s| seed < s) {
                    m.first_seed = Some(seed);
                    m.first_actual = f.first_actual;
                    m.replay = f.replay;
                    m.minimal = f.minimal;
                }
            }
        }
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::report::Finding;
    use crate::explore::seeds::{SeedPlan, Shard};

    fn part(index: u32, runs: u64, first_seed: Option<u64>) -> ExploreReport {
        ExploreReport {
            scenario: "s".into(),
            path: "s.toml".into(),
            plan: SeedPlan {
                first: 1,
                count: Some(10),
            },
            shard: Some(Shard { index, count: 2 }),
            runs,
            failing_runs: u64::from(first_seed.is_some()),
            expectations: vec![Finding {
                expectation: "errors == 0".into(),
                violations: u64::from(first_seed.is_some()),
                first_seed,
                first_actual: first_seed.map(|_| 1.0),
                replay: first_seed.map(|s| format!("r {s}")),
                minimal: None,
            }],
        }
    }

    #[test]
    fn counts_add_and_the_lowest_seed_wins() {
        let merged = merge(vec![part(2, 5, Some(4)), part(1, 5, Some(7))]).unwrap();
        assert_eq!(merged.shard, None);
        assert_eq!((merged.runs, merged.failing_runs), (10, 2));
        let f = &merged.expectations[0];
        assert_eq!((f.violations, f.first_seed), (2, Some(4)));
        assert_eq!(f.replay.as_deref(), Some("r 4"));
    }

    #[test]
    fn missing_duplicate_or_foreign_shards_are_refused() {
        assert!(merge(vec![part(1, 5, None)])
            .unwrap_err()
            .contains("missing shards: 2/2"));
        assert!(merge(vec![part(1, 5, None), part(1, 5, None)])
            .unwrap_err()
            .contains("twice"));
        let mut other = part(2, 5, None);
        other.path = "other.toml".into();
        assert!(merge(vec![part(1, 5, None), other])
            .unwrap_err()
            .contains("different explorations"));
    }
}
