//! `--report FILE` end to end: `actsim simulate` and `actsim test` write one self-contained HTML
//! page, and headless Chromium (Debian's `chromium`, installed by `.ci/run`) loads it without
//! console errors, runs its script and finds the lanes, bars, markers and arrows the scenario
//! produces. Without /usr/bin/chromium the browser test prints SKIPPED (fails under CI=true).

use crate::common;
use common::*;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// One user, five logins, two instances; every resume goes to the other instance
/// (placement.resume = "adversarial"), and each instance fetches one token.
const BY_HAND: &str = "crates/actsim-sim/tests/scenarios/redirect-by-hand.toml";
const CHROMIUM: &str = "/usr/bin/chromium";

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

/// `actsim simulate BY_HAND --json` and the given extra arguments; the metrics.
fn simulate_with(extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["simulate", BY_HAND, "--json"];
    args.extend_from_slice(extra);
    let out = actsim(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    doc["metrics"].clone()
}

/// The lanes, bars, markers and arrows of redirect-by-hand, as the metrics count them.
fn assert_draws_the_run(page: &str, metrics: &serde_json::Value) {
    let m = |k: &str| metrics[k].as_f64().unwrap_or_else(|| panic!("metric {k}")) as usize;
    assert_eq!(count(page, "<g class=\"lane\""), 2);
    assert_eq!(count(page, "class=\"lane\" data-instance=\"1\""), 1);
    assert_eq!(count(page, "class=\"lane\" data-instance=\"2\""), 1);
    assert_eq!(m("executions"), 10);
    assert_eq!(count(page, "<rect class=\"exec "), m("executions"));
    assert_eq!(
        count(page, "<rect class=\"exec redirect"),
        m("redirects"),
        "one redirect bar per yield"
    );
    assert_eq!(count(page, "class=\"marker cache-hit\""), m("cache.hits"));
    assert_eq!(
        count(page, "class=\"marker cache-miss\""),
        m("cache.misses")
    );
    assert_eq!(m("tokens_issued"), 2);
    assert_eq!(count(page, "class=\"marker token\""), 2);
    assert_eq!(m("resumed_elsewhere"), 5);
    assert_eq!(count(page, "class=\"arrow resume elsewhere\""), 5);
    assert_eq!(count(page, "class=\"arrow resume same\""), 0);
    assert!(!page.contains(" agg\""), "a small run is not aggregated");
}

#[test]
fn simulate_writes_a_self_contained_report_alongside_the_trace() {
    let dir = tempfile::tempdir().unwrap();
    let (html, trace) = (dir.path().join("r.html"), dir.path().join("t.jsonl"));
    let metrics = simulate_with(&[
        "--report",
        html.to_str().unwrap(),
        "--trace",
        trace.to_str().unwrap(),
    ]);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert_draws_the_run(&page, &metrics);
    // --trace still gets every event.
    let lines = std::fs::read_to_string(&trace).unwrap();
    assert_eq!(count(&lines, "\"ev\":\"resume\""), 5);
    // Nothing is loaded from elsewhere and no secret is shown.
    let lower = page.to_ascii_lowercase();
    for banned in ["src=", "url(", "@import", "<link", "href=\"http"] {
        assert!(!lower.contains(banned), "found {banned}");
    }
    assert!(!page.contains("local-secret-change-me"));
    assert!(page.contains("[secret:domain]"));
    // The same run, without the trace, gives the same bytes.
    let again = dir.path().join("again.html");
    simulate_with(&["--report", again.to_str().unwrap()]);
    assert_eq!(page, std::fs::read_to_string(&again).unwrap());
}

#[test]
fn test_writes_a_section_per_scenario_and_lists_invalid_ones() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("t.html");
    let out = actsim(&[
        "test",
        "crates/actsim-cli/tests/scenarios",
        BY_HAND,
        "--report",
        html.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let page = std::fs::read_to_string(&html).unwrap();
    assert_eq!(count(&page, "<section class=\"scenario"), 3);
    assert_eq!(count(&page, "<svg class=\"timeline\""), 3);
    assert!(page.contains("<table class=\"summary\">"));
    assert!(page.contains("<section class=\"invalid\""));
    assert!(page.contains("broken/bad-duration.toml"));
    assert!(page.contains("class=\"expectation fail\""));
    assert!(page.contains("class=\"expectation pass\""));
    assert_eq!(count(&page, "class=\"arrow resume elsewhere\""), 5);
}

/// Run Chromium headless on `file`, dumping the DOM after the page's scripts ran; returns
/// (DOM, Chromium's log on stderr).
fn chromium_dump_dom(file: &Path, profile: &Path) -> (String, String) {
    let child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", profile.display()),
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            &format!("file://{}", file.display()),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    // A guard against a hung browser, not a timing assertion.
    let out = match rx.recv_timeout(Duration::from_secs(240)) {
        Ok(out) => out.expect("chromium ran"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("chromium did not finish within 4 minutes");
        }
    };
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Console messages and script errors in Chromium's log.
fn console_problems(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught") || l.contains("Refused to"))
        .collect()
}

#[test]
fn chromium_loads_the_report_without_errors_and_finds_lanes_markers_and_arrows() {
    if !Path::new(CHROMIUM).exists() {
        return skip_or_fail("chromium not installed (.ci/run installs it): the HTML report was not checked in a browser");
    }
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("r.html");
    let metrics = simulate_with(&["--report", html.to_str().unwrap()]);

    // The log check works: a page with a console error and an uncaught exception shows both.
    let bad = dir.path().join("bad.html");
    std::fs::write(
        &bad,
        "<!DOCTYPE html><html><body><script>console.error('boom'); notDefined();</script></body></html>",
    )
    .unwrap();
    let (_, log) = chromium_dump_dom(&bad, &dir.path().join("profile-bad"));
    assert!(
        log.contains("Uncaught") && log.contains("boom"),
        "Chromium's log does not show console errors, so this test could not see them:\n{log}"
    );

    let (dom, log) = chromium_dump_dom(&html, &dir.path().join("profile"));
    assert!(
        console_problems(&log).is_empty(),
        "the page logged to the console or failed:\n{}",
        console_problems(&log).join("\n")
    );
    // The inline script ran to its end over the parsed SVG.
    assert!(
        dom.contains("data-ready=\"1\""),
        "the page's script did not finish:\n{}",
        &dom[..dom.len().min(2_000)]
    );
    assert!(
        dom.contains("data-lanes=\"2\""),
        "the script saw other lanes"
    );
    assert_draws_the_run(&dom, &metrics);
    assert!(dom.contains("<svg class=\"timeline\""));
    // The overview of the whole run is drawn and measured by the page itself.
    assert!(dom.contains("<svg class=\"overview\""));
    assert!(
        dom.contains("data-overview-extent=\""),
        "the overview was not measured"
    );
    assert!(dom.contains("<title>instance 1: up 00:00:00.000 (+0ms)"));
}
