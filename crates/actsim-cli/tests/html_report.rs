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
    chromium_dump_dom_url(&format!("file://{}", file.display()), profile)
}

/// [`chromium_dump_dom`] of a URL (a file with a `#window=…` address, say).
fn chromium_dump_dom_url(url: &str, profile: &Path) -> (String, String) {
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
            url,
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

/// The executions of a `--trace` file that overlap [a, b] (virtual ms): (login, start, end).
fn executions_in(trace: &str, a: i64, b: i64) -> usize {
    let mut starts = std::collections::BTreeMap::new();
    let mut n = 0;
    for line in trace.lines() {
        let ev: serde_json::Value = serde_json::from_str(line).unwrap();
        let t = ev["t"].as_i64().unwrap_or(0);
        match ev["ev"].as_str() {
            Some("exec_start") => {
                starts.insert(ev["login"].as_u64().unwrap(), t);
            }
            Some("exec_end") => {
                let start = starts[&ev["login"].as_u64().unwrap()];
                if start <= b && t >= a {
                    n += 1;
                }
            }
            _ => {}
        }
    }
    n
}

/// The `<svg …>…</svg>` element of `dom` whose opening tag starts with `open`.
fn svg_element<'a>(dom: &'a str, open: &str) -> &'a str {
    let at = dom
        .find(open)
        .unwrap_or_else(|| panic!("no {open} in the DOM"));
    let rest = &dom[at..];
    &rest[..rest.find("</svg>").unwrap()]
}

#[test]
fn zooming_into_a_window_redraws_it_with_the_executions_of_that_window() {
    if !Path::new(CHROMIUM).exists() {
        return skip_or_fail(
            "chromium not installed (.ci/run installs it): the zoom of the HTML report was not checked in a browser",
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let root = repo_root();
    // 1 200 logins on one instance in 10 minutes: too many for one bar each over the whole run.
    std::fs::write(
        dir.path().join("zoom.toml"),
        format!(
            "name = \"zoom\"\nseed = 3\nduration = \"10m\"\nstart = \"2026-01-01T00:00:00Z\"\n\n[[actions]]\nfile = {:?}\nsecrets_file = {:?}\n\n[instances]\ncount = 1\n\n[traffic]\narrivals = \"fixed\"\nrate = \"2/s\"\nusers = 5\n",
            root.join("actions/cache-with-ttl.js").display().to_string(),
            root.join("fixtures/secrets/local-tenant.env").display().to_string()
        ),
    )
    .unwrap();
    let html = dir.path().join("zoom.html");
    let trace = dir.path().join("zoom.jsonl");
    let out = actsim(&[
        "simulate",
        dir.path().join("zoom.toml").to_str().unwrap(),
        "--report",
        html.to_str().unwrap(),
        "--trace",
        trace.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let url = format!("file://{}", html.display());

    // The whole run: every execution is in an aggregated bar, none drawn on its own.
    let (whole, log) = chromium_dump_dom(&html, &dir.path().join("profile-whole"));
    assert!(console_problems(&log).is_empty(), "{log}");
    assert!(whole.contains("data-ready=\"1\""));
    let whole_svg = svg_element(&whole, "<svg class=\"timeline\"");
    assert!(count(whole_svg, "<rect class=\"exec agg ") > 0);
    assert_eq!(count(whole_svg, "<rect class=\"exec completed"), 0);
    assert!(!whole.contains("class=\"timeline zoomed\""));

    // A 20-second window from the address: redrawn with one bar per execution of the window.
    let (a, b) = (1_767_225_660_000i64, 1_767_225_680_000i64); // 00:01:00 → 00:01:20
    let (zoomed, log) = chromium_dump_dom_url(
        &format!("{url}#window=2026-01-01T00:01:00.000Z/2026-01-01T00:01:20.000Z"),
        &dir.path().join("profile-zoom"),
    );
    assert!(console_problems(&log).is_empty(), "{log}");
    assert!(zoomed.contains(&format!("data-window=\"{a},{b}\"")));
    let z = svg_element(&zoomed, "<svg class=\"timeline zoomed\"");
    assert!(z.contains("data-mode=\"raw\""));
    // A line under the drawing says how the window is drawn.
    assert!(zoomed.contains(
        "<p class=\"zoom-note\">Window 2026-01-01T00:01:00.000Z → 2026-01-01T00:01:20.000Z: each execution, mark and arrow drawn on its own"
    ));
    assert!(whole.contains("<p class=\"zoom-note\"></p>"));
    let expected = executions_in(&std::fs::read_to_string(&trace).unwrap(), a, b);
    assert!(
        (35..=45).contains(&expected),
        "2 logins a second for 20 s: {expected}"
    );
    let singles = count(z, "<rect class=\"exec completed");
    assert_eq!(singles, expected, "one bar per execution in the window");
    assert_eq!(count(z, "<rect class=\"exec agg "), 0);
    // Each bar names its login, and the window's cache reads are drawn one by one too.
    assert_eq!(
        count(z, "<rect class=\"exec completed\" data-login=\""),
        expected
    );
    assert!(count(z, "class=\"marker cache-") >= expected);
    // The whole-run drawing had far fewer marks for the same 20 s: its bars are aggregated.
    let whole_in_window = whole_svg
        .split("<rect class=\"exec agg ")
        .skip(1)
        .filter(|r| {
            let x: f64 = r
                .split("x=\"")
                .nth(1)
                .and_then(|v| v.split('"').next())
                .unwrap()
                .parse()
                .unwrap();
            // The plot is 1080 px from x = 118 for 10 minutes: 20 s is 36 px from 226.
            (226.0..262.0).contains(&x)
        })
        .count();
    assert!(
        whole_in_window * 3 < singles,
        "{whole_in_window} aggregated bars before zooming, {singles} bars after"
    );
}
