//! A never-caching action against a 5-tokens-per-hour quota (fixtures/scenarios/quota-no-cache.toml):
//! the 429s show in the metrics and the action's own error handling runs.

use crate::common;
use common::*;

/// 20 logins an hour at fixed 3-minute intervals over 3 hours = 60 logins. Each clock hour the
/// first 5 token requests succeed and the other 15 are refused: 15 tokens, 45 refusals, and the
/// action logs a warning and completes the login for each refusal.
#[test]
fn quota_refusals_are_counted_and_handled_by_the_action() {
    let sc =
        actsim_sim::load_scenario(&path("../../fixtures/scenarios/quota-no-cache.toml")).unwrap();
    let (report, trace) = run(&sc, None);
    assert_eq!(metric(&report, "logins"), 60.0);
    assert_eq!(metric(&report, "tokens_issued"), 15.0);
    assert_eq!(metric(&report, "http.tenant.429"), 45.0);
    assert_eq!(metric(&report, "errors"), 0.0);
    assert_eq!(metric(&report, "logins.completed"), 60.0);
    let warnings: Vec<String> = events(&trace)
        .into_iter()
        .filter(|e| e["ev"] == "console" && e["level"] == "warn")
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(warnings.len(), 45);
    assert!(
        warnings[0].contains("429 Client quota exceeded"),
        "{}",
        warnings[0]
    );
    assert!(report.passed, "{:?}", report.expectations);
}
