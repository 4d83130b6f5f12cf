//! actsim-js's fast paths (warm.rs: shape keepers, lazy accessors, the secrets identity cache,
//! the cache value memo, settling at once, lazy globals) only save work: every bundled scenario
//! and lesson gives a byte-identical trace and JSON result with them on and off
//! (`ACTSIM_FAST_PATHS`), and so does every example action (and catalog action, when
//! `actions/catalog/` exists) under `actsim run`.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{repo_root, stderr};

/// Run `actsim` with `ACTSIM_FAST_PATHS=fast`.
fn actsim_with(fast: &str, args: &[&str]) -> Output {
    assert_cmd::Command::cargo_bin("actsim")
        .expect("the actsim binary is built")
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .env("ACTSIM_FAST_PATHS", fast)
        .args(args)
        .output()
        .expect("actsim runs")
}

/// Files under `dir` (relative to the repository root) whose names end with `suffix`, sorted,
/// as paths relative to the root.
fn files(dir: &str, suffix: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(repo_root().join(dir)) else {
        return Vec::new();
    };
    let mut found: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(suffix))
        .map(|name| format!("{dir}/{name}"))
        .collect();
    found.sort();
    found
}

/// Every bundled scenario: fixtures/scenarios/*.toml and each lesson's flawed and fixed one.
fn scenarios() -> Vec<String> {
    let mut all = files("fixtures/scenarios", ".toml");
    let mut lessons: Vec<PathBuf> = std::fs::read_dir(repo_root().join("fixtures/lessons"))
        .expect("fixtures/lessons exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    lessons.sort();
    for lesson in lessons {
        let name = lesson.file_name().unwrap().to_string_lossy().into_owned();
        for variant in ["flawed.toml", "fixed.toml"] {
            if lesson.join(variant).exists() {
                all.push(format!("fixtures/lessons/{name}/{variant}"));
            }
        }
    }
    all
}

/// Simulate `scenario` with the fast paths `fast`, returning the trace and the JSON result.
fn simulate(scenario: &str, fast: &str, dir: &Path) -> (Vec<u8>, Vec<u8>) {
    let trace = dir.join(format!(
        "{}-{fast}.jsonl",
        scenario.replace(['/', '.'], "_")
    ));
    let trace_arg = trace.to_string_lossy().into_owned();
    let out = actsim_with(
        fast,
        &["simulate", scenario, "--trace", &trace_arg, "--json"],
    );
    assert!(
        out.status.code().is_some_and(|c| c == 0 || c == 1),
        "{scenario} (fast paths {fast}) did not run: {}",
        stderr(&out)
    );
    let trace = std::fs::read(&trace).unwrap_or_else(|e| panic!("{scenario}: no trace ({e})"));
    (trace, out.stdout)
}

#[test]
fn every_bundled_scenario_and_lesson_traces_the_same_with_and_without_fast_paths() {
    let dir = tempfile::tempdir().unwrap();
    let all = scenarios();
    assert!(all.len() >= 10, "bundled scenarios and lessons: {all:?}");
    for scenario in &all {
        let (trace_on, json_on) = simulate(scenario, "on", dir.path());
        let (trace_off, json_off) = simulate(scenario, "off", dir.path());
        assert!(!trace_on.is_empty(), "{scenario}: empty trace");
        assert!(trace_on == trace_off, "{scenario}: the traces differ");
        assert!(json_on == json_off, "{scenario}: the JSON results differ");
    }
}

#[test]
fn every_example_and_catalog_action_runs_the_same_with_and_without_fast_paths() {
    let mut actions = files("actions", ".js");
    actions.extend(files("actions/catalog", ".js"));
    assert!(!actions.is_empty());
    for action in &actions {
        // Three executions: the second and third are the ones the fast paths change.
        let args = ["run", action.as_str(), "--times", "3", "--json"];
        let on = actsim_with("on", &args);
        let off = actsim_with("off", &args);
        assert!(
            !on.stdout.is_empty(),
            "{action}: no output: {}",
            stderr(&on)
        );
        assert_eq!(on.status.code(), off.status.code(), "{action}");
        assert!(on.stdout == off.stdout, "{action}: the JSON results differ");
    }
}

#[test]
fn a_bad_fast_paths_value_is_refused_with_the_choices() {
    let out = actsim_with("sometimes", &["run", "actions/no-cache.js"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("ACTSIM_FAST_PATHS=sometimes: use `on` (the default) or `off`"),
        "{}",
        stderr(&out)
    );
}
