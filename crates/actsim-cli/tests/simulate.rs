//! `actsim simulate` and `actsim test` end to end: readable output, JSON, traces, expectations
//! that pass and fail, the replay command, JUnit XML and invalid scenarios.

use crate::common;
use common::*;

const FAILING: &str = "crates/actsim-cli/tests/scenarios/failing.toml";
const PASSING: &str = "crates/actsim-cli/tests/scenarios/passing.toml";
const BROKEN: &str = "crates/actsim-cli/tests/scenarios/broken/bad-duration.toml";

#[test]
fn simulate_prints_metrics_instances_and_expectations() {
    let out = actsim(&["simulate", PASSING]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    for needle in [
        "actsim simulate",
        "metrics",
        "tokens issued",
        "instances",
        "expectations",
        "✓ errors == 0",
    ] {
        assert!(text.contains(needle), "missing {needle}:\n{text}");
    }
    assert!(!text.contains("local-secret-change-me"));
}

#[test]
fn simulate_json_and_trace_agree_and_replay_identically() {
    let dir = tempfile::tempdir().unwrap();
    let t1 = dir.path().join("a.jsonl");
    let t2 = dir.path().join("b.jsonl");
    let a = actsim(&[
        "simulate",
        FAILING,
        "--json",
        "--trace",
        t1.to_str().unwrap(),
    ]);
    let b = actsim(&[
        "simulate",
        FAILING,
        "--json",
        "--trace",
        t2.to_str().unwrap(),
    ]);
    assert_eq!(a.stdout, b.stdout);
    let (ta, tb) = (std::fs::read(&t1).unwrap(), std::fs::read(&t2).unwrap());
    assert!(!ta.is_empty());
    assert_eq!(ta, tb);
    let doc: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    let logins = doc["metrics"]["logins"].as_f64().unwrap();
    let arrivals = String::from_utf8_lossy(&ta)
        .lines()
        .filter(|l| l.contains("\"ev\":\"arrival\""))
        .count();
    assert_eq!(logins as usize, arrivals);
    assert_eq!(doc["passed"], false);
    assert!(
        !String::from_utf8_lossy(&ta).contains("local-secret-change-me"),
        "the trace is redacted"
    );
}

#[test]
fn test_reports_each_expectation_and_the_replay_command_reproduces_it() {
    let out = actsim(&["test", FAILING, PASSING]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("✓ errors == 0"), "{text}");
    let failed = text
        .lines()
        .find(|l| l.contains("✗ tokens_issued <= 1"))
        .expect("the failing line");
    let actual = failed
        .split("actual ")
        .nth(1)
        .unwrap()
        .trim_end_matches(')')
        .to_string();
    let replay = text
        .lines()
        .find(|l| l.trim_start().starts_with("replay: actsim simulate"))
        .expect("a replay command")
        .trim_start()
        .trim_start_matches("replay: actsim ")
        .to_string();
    assert!(replay.ends_with("--seed 21"), "{replay}");
    let args: Vec<&str> = replay.split_whitespace().collect();
    let again = actsim(&args);
    let again_text = stdout(&again);
    assert!(
        again_text.contains(&format!("✗ tokens_issued <= 1  (actual {actual})")),
        "{again_text}"
    );
    assert!(
        text.contains("expectations: 3 passed, 1 failed · scenarios: 1 passed, 1 failed"),
        "{text}"
    );
}

#[test]
fn test_passes_when_everything_holds() {
    let out = actsim(&["test", PASSING]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn a_seed_flag_changes_the_run() {
    let a = actsim(&["simulate", FAILING, "--json"]);
    let b = actsim(&["simulate", FAILING, "--json", "--seed", "99"]);
    let da: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    let db: serde_json::Value = serde_json::from_slice(&b.stdout).unwrap();
    assert_eq!(db["seed"], 99);
    assert_ne!(da["metrics"], db["metrics"]);
}

#[test]
fn junit_has_a_case_per_expectation_with_failures() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let out = actsim(&[
        "test",
        FAILING,
        PASSING,
        BROKEN,
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.starts_with("<?xml"));
    assert!(
        xml.contains("<testsuites name=\"actsim\" tests=\"5\" failures=\"1\" errors=\"1\" time=\""),
        "{xml}"
    );
    assert_eq!(xml.matches("<testcase ").count(), 5, "{xml}");
    assert!(
        xml.contains("name=\"tokens_issued &lt;= 1\" time=\""),
        "{xml}"
    );
    assert!(
        xml.contains("<failure message=\"tokens_issued was "),
        "{xml}"
    );
    assert!(
        xml.contains(", expected &lt;= 1\" type=\"expectation\">"),
        "{xml}"
    );
    assert!(xml.contains("replay: actsim simulate"), "{xml}");
    assert!(xml.contains("<error message="), "{xml}");
}

#[test]
fn an_invalid_scenario_is_reported_with_its_position() {
    let out = actsim(&["simulate", BROKEN]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("bad-duration.toml:2:12"), "{err}");
    assert!(err.contains("missing unit"), "{err}");
    let out = actsim(&["test", "crates/actsim-cli/tests/scenarios/broken"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("invalid scenario"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn test_runs_every_bundled_scenario_in_a_folder() {
    let out = actsim(&["test", "fixtures/scenarios"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let summary = text
        .lines()
        .find(|l| l.starts_with("expectations:"))
        .expect("a summary line");
    assert!(
        summary.ends_with("failed · scenarios: 5 passed, 0 failed"),
        "{summary}"
    );
    assert!(!text.contains('✗'), "{text}");
}

#[test]
fn test_skips_toml_files_in_a_folder_that_are_not_scenarios() {
    // A tenant file beside the scenario it belongs to: searched folders skip it (and say so);
    // the scenario runs.
    let dir = tempfile::tempdir().unwrap();
    let passing = repo_root().join(PASSING);
    let scenario = std::fs::read_to_string(&passing).unwrap();
    let base = passing.parent().unwrap().canonicalize().unwrap();
    // Paths in the copied scenario are relative to its folder: make them absolute.
    let scenario = scenario.replace("file = \"", &format!("file = \"{}/", base.display()));
    std::fs::write(dir.path().join("passing.toml"), scenario).unwrap();
    std::fs::write(
        dir.path().join("tenant.toml"),
        "domain = \"tenant.example.com\"\n",
    )
    .unwrap();
    let folder = dir.path().display().to_string();
    let out = actsim(&["test", &folder]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(text.contains("1 scenario"), "{text}");
    assert!(
        text.contains("skipped (not scenarios, no [[actions]])") && text.contains("tenant.toml"),
        "{text}"
    );
    // Named explicitly, the same file is run as a scenario, and fails as one.
    let tenant = dir.path().join("tenant.toml").display().to_string();
    let out = actsim(&["test", &tenant]);
    assert_ne!(out.status.code(), Some(0), "{}", stdout(&out));
}
