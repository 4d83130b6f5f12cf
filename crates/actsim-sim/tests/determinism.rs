//! Same scenario and seed ⇒ byte-identical trace, for every bundled scenario; another seed ⇒ a
//! different trace where randomness is involved.

use crate::common;
use common::*;

#[test]
fn every_bundled_scenario_replays_byte_for_byte() {
    let files = bundled_scenarios();
    assert!(files.len() >= 4, "bundled scenarios: {files:?}");
    for file in files {
        let scenario = actsim_sim::load_scenario(&file).unwrap_or_else(|e| panic!("{e}"));
        let (a_report, a) = run(&scenario, None);
        let (_, b) = run(&scenario, None);
        assert!(!a.is_empty());
        assert!(a == b, "{} is not deterministic", file.display());
        let (c_report, c) = run(&scenario, Some(a_report.seed + 1));
        assert!(
            a != c,
            "{}: another seed gave the same trace",
            file.display()
        );
        assert_ne!(a_report.metrics.get("logins"), None);
        let _ = c_report;
    }
}
