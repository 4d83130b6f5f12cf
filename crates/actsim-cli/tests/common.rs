//! Shared helpers for the end-to-end tests of the `actsim` binary: run it from the repository
//! root (where `actions/` and `fixtures/` are) and read its JSON output.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Output;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Run `actsim` with `args` from the repository root.
pub fn actsim(args: &[&str]) -> Output {
    assert_cmd::Command::cargo_bin("actsim")
        .expect("the actsim binary is built")
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("actsim runs")
}

/// Stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Run `actsim run … --json` and parse the document; panics with both streams if it is not JSON.
pub fn run_json(args: &[&str]) -> (serde_json::Value, i32) {
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = actsim(&all);
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\nstdout:\n{}\nstderr:\n{}",
            stdout(&out),
            stderr(&out)
        )
    });
    (doc, out.status.code().unwrap_or(-1))
}

/// Token requests (POST …/oauth/token) an execution made.
pub fn token_posts(execution: &serde_json::Value) -> usize {
    execution["http"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["method"] == "POST" && h["url"].as_str().unwrap().ends_with("/oauth/token"))
        .count()
}

/// The results of an execution's cache operations, as (op, result) pairs.
pub fn cache_results(execution: &serde_json::Value) -> Vec<(String, String)> {
    execution["cache_ops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["op"].as_str().unwrap().to_string(),
                o["result"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A file in a fresh temporary directory, kept alive by the returned guard.
pub fn temp_file(name: &str, content: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    let p = path.to_string_lossy().into_owned();
    (dir, p)
}

/// A test that cannot run its real component calls this and returns. It prints `SKIPPED: reason`
/// straight to the process's stderr (`io::stderr()` is not captured by the test harness, unlike
/// `eprintln!`), so the line shows in a normal `cargo test` run beside the test's name; under
/// `CI=true` (set by `.ci/run`, which installs every prerequisite) it fails the test instead.
pub fn skip_or_fail(reason: &str) {
    use std::io::Write as _;
    let _ = std::io::stderr().write_all(format!("SKIPPED: {reason}\n").as_bytes());
    let ci = std::env::var("CI").unwrap_or_default();
    if ci == "true" || ci == "1" {
        panic!("a prerequisite is missing under CI={ci}: {reason}");
    }
}
