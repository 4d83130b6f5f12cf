//! Each caveat warning fires on a lesson's flawed scenario and stays silent on its fixed one
//! (fixtures/lessons/<name>/{flawed,fixed}.toml), and warnings reach the trace with their fix.

use crate::common;
use common::*;

/// (warning kind, lesson that shows it)
const CASES: [(&str, &str); 7] = [
    ("ttl_in_seconds", "ttl-in-seconds"),
    ("unread_failed_set", "ignored-set-result"),
    ("near_limit", "long-key"),
    ("near_limit", "per-user-keys"),
    ("jwt_outlives_record", "token-outlives-exp"),
    ("repeated_token_request", "no-caching"),
    ("missed_after_resume", "redirect-resumes-elsewhere"),
];

fn lesson(name: &str, side: &str) -> actsim_sim::SimReport {
    let sc =
        actsim_sim::load_scenario(&path(&format!("../../fixtures/lessons/{name}/{side}.toml")))
            .unwrap_or_else(|e| panic!("{e}"));
    run(&sc, None).0
}

#[test]
fn every_warning_fires_on_the_flawed_code_and_not_on_the_fixed_code() {
    for (kind, name) in CASES {
        let metric_name = format!("warnings.{kind}");
        let flawed = lesson(name, "flawed");
        let fixed = lesson(name, "fixed");
        assert!(
            metric(&flawed, &metric_name) >= 1.0,
            "{name}: {metric_name} should fire on the flawed code"
        );
        assert_eq!(
            metric(&fixed, &metric_name),
            0.0,
            "{name}: {metric_name} should be silent on the fixed code"
        );
        let summary = flawed
            .warnings
            .iter()
            .find(|w| w.kind.as_str() == kind)
            .expect("a summary");
        assert!(!summary.first.fix.is_empty(), "{kind} has a one-line fix");
    }
}

#[test]
fn warnings_are_in_the_trace_with_their_fix() {
    let sc = actsim_sim::load_scenario(&path("../../fixtures/lessons/ttl-in-seconds/flawed.toml"))
        .unwrap();
    let (report, trace) = run(&sc, None);
    let warnings: Vec<serde_json::Value> = events(&trace)
        .into_iter()
        .filter(|e| e["ev"] == "warning")
        .collect();
    assert_eq!(warnings.len() as f64, metric(&report, "warnings"));
    let first = warnings
        .iter()
        .find(|w| w["kind"] == "ttl_in_seconds")
        .expect("a ttl warning");
    assert!(
        first["message"].as_str().unwrap().contains("milliseconds"),
        "{first}"
    );
    assert!(first["fix"].as_str().unwrap().contains("1000"), "{first}");
}
