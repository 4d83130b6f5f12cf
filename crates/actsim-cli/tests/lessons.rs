//! `actsim lesson`: the overview runs every lesson with passing checks, one lesson explains
//! itself with numbers and an HTML report, and `run` shows live warnings with their fix.

use crate::common;
use common::*;

#[test]
fn the_overview_runs_every_lesson_and_all_checks_hold() {
    let out = actsim(&["lesson"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_end().ends_with('✓'))
        .collect();
    assert_eq!(rows.len(), 11, "{text}");
    assert!(
        rows[0].contains("no-caching") && rows[0].contains("tokens_issued: "),
        "{}",
        rows[0]
    );
    assert!(!text.contains('✗'), "{text}");
}

#[test]
fn one_lesson_compares_flawed_and_fixed_and_writes_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("lesson.html");
    let out = actsim(&[
        "lesson",
        "default-lifetime",
        "--report",
        html.to_str().unwrap(),
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(
        text.contains("Lesson 2 · The default-lifetime trap"),
        "{text}"
    );
    assert!(text.contains("docs/lessons/default-lifetime.md"), "{text}");
    let row = text
        .lines()
        .find(|l| l.trim_start().starts_with("tokens_issued"))
        .expect("a tokens row");
    let numbers: Vec<f64> = row
        .split_whitespace()
        .skip(1)
        .map(|n| n.replace(',', "").parse().unwrap())
        .collect();
    assert!(
        numbers[0] > numbers[1],
        "flawed fetches more tokens than fixed: {row}"
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("Flawed: ") && page.contains("Fixed: "),
        "two sections"
    );
    assert!(!page.contains("local-secret-change-me"));
}

#[test]
fn an_unknown_lesson_lists_the_names() {
    let out = actsim(&["lesson", "cache-everything"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no-caching"), "{}", stderr(&out));
}

#[test]
fn run_shows_a_live_warning_with_its_fix_and_stays_silent_on_the_fix() {
    let flawed = actsim(&[
        "run",
        "actions/article-esm.js",
        "--times",
        "2",
        "--advance",
        "16m",
    ]);
    let text = stdout(&flawed);
    assert!(text.contains("⚠ repeated_token_request:"), "{text}");
    assert!(
        text.contains("fix: keep the token until it expires"),
        "{text}"
    );
    let fixed = actsim(&[
        "run",
        "actions/cache-with-ttl.js",
        "--times",
        "2",
        "--advance",
        "16m",
    ]);
    let text = stdout(&fixed);
    assert!(!text.contains('⚠'), "{text}");
    assert!(text.contains("warnings 0"), "{text}");
}
