//! Expectations pass and fail on real runs.

use crate::common;
use common::*;

#[test]
fn expectations_are_checked_against_the_run() {
    let sc = scenario_with(
        "tests/scenarios/redirect-by-hand.toml",
        &[(
            "duration = \"10m\"",
            "duration = \"10m\"\nexpect = [\"tokens_issued == 2\", \"tokens_issued < 2\", \"continues == redirects\", \"nonsense >= 1\"]",
        )],
    );
    let (report, _) = run(&sc, None);
    let results: Vec<(bool, Option<f64>)> = report
        .expectations
        .iter()
        .map(|r| (r.passed, r.actual))
        .collect();
    assert_eq!(
        results,
        vec![
            (true, Some(2.0)),
            (false, Some(2.0)),
            (true, Some(5.0)),
            (false, None)
        ]
    );
    assert!(report.expectations[3]
        .problem
        .as_ref()
        .unwrap()
        .contains("unknown metric 'nonsense'"));
    assert!(!report.passed);
}
