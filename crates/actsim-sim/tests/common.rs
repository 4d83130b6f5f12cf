//! Shared helpers for the simulator's tests: load a scenario (optionally with a field replaced),
//! run it with the trace captured, and read the trace back.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use actsim_sim::{
    parse_scenario, simulate, JsonLinesSink, Redactor, RunOptions, Scenario, SimReport,
};

/// A file under tests/scenarios or the repository root.
pub fn path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Every bundled scenario (fixtures/scenarios/*.toml), sorted.
pub fn bundled_scenarios() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(path("../../fixtures/scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// Load `relative` with each (from, to) text replacement applied.
pub fn scenario_with(relative: &str, replace: &[(&str, &str)]) -> Scenario {
    let p = path(relative);
    let mut text = std::fs::read_to_string(&p).unwrap();
    for (from, to) in replace {
        assert!(text.contains(from), "{from} not in {relative}");
        text = text.replace(from, to);
    }
    parse_scenario(&p, &text).unwrap_or_else(|e| panic!("{e}"))
}

/// Run with `options` and capture the trace bytes.
pub fn run_with(scenario: &Scenario, options: &RunOptions) -> (SimReport, Vec<u8>) {
    let mut sink = JsonLinesSink::new(Vec::new(), Redactor::default());
    let report = simulate(scenario, options, &mut sink).unwrap();
    (report, sink.into_inner())
}

/// Run (optionally with another seed) and capture the trace bytes.
pub fn run(scenario: &Scenario, seed: Option<u64>) -> (SimReport, Vec<u8>) {
    run_with(
        scenario,
        &RunOptions {
            seed,
            ..RunOptions::default()
        },
    )
}

/// The trace as JSON values.
pub fn events(trace: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(trace)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A metric's value.
pub fn metric(report: &SimReport, name: &str) -> f64 {
    *report
        .metrics
        .get(name)
        .unwrap_or_else(|| panic!("no metric {name}"))
}

/// The report of an execution of `handler` that started and ended at `at_ms` having done
/// nothing: tests add cache operations or commands, or change the outcome.
pub fn empty_report(
    exec_id: actsim_js::ExecId,
    trigger: actsim_js::Trigger,
    handler: &str,
    at_ms: i64,
) -> actsim_js::ExecutionReport {
    actsim_js::ExecutionReport::started(exec_id, trigger, handler, at_ms)
}
