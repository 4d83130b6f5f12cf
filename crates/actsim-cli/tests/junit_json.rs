//! `actsim test --junit` validated against a JUnit XSD (tests/junit/junit.xsd, with xmllint),
//! with times, warnings in system-out, failure messages in words and dotted class names; and
//! `actsim test --json`, which parses and carries what docs/test-json.md documents.

use crate::common;
use common::*;

use std::process::{Command, Stdio};

const FAILING: &str = "crates/actsim-cli/tests/scenarios/failing.toml";
const PASSING: &str = "crates/actsim-cli/tests/scenarios/passing.toml";
const BROKEN: &str = "crates/actsim-cli/tests/scenarios/broken/bad-duration.toml";
/// A bundled scenario whose run raises warnings (the article's repeated token requests).
const WARNS: &str = "fixtures/scenarios/article-24h.toml";

fn skip(why: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED: {why}");
}

fn have_xmllint() -> bool {
    Command::new("xmllint")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn junit_validates_against_the_xsd_with_times_warnings_and_words() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let out = actsim(&[
        "test",
        FAILING,
        PASSING,
        BROKEN,
        WARNS,
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let xml = std::fs::read_to_string(&junit).unwrap();

    // Class names without the extension, folders as packages; the file kept as an attribute.
    assert!(
        xml.contains("classname=\"crates.actsim-cli.tests.scenarios.failing\""),
        "{xml}"
    );
    assert!(
        xml.contains("classname=\"fixtures.scenarios.article-24h\""),
        "{xml}"
    );
    assert!(!xml.contains("classname=\"crates/"), "{xml}");
    assert!(
        xml.contains("file=\"crates/actsim-cli/tests/scenarios/failing.toml\""),
        "{xml}"
    );
    // A time on every suite and case.
    let suites = xml.matches("<testsuite ").count();
    assert_eq!(suites, 4, "{xml}");
    assert_eq!(xml.matches("<testsuite id=").count(), suites);
    for line in xml
        .lines()
        .filter(|l| l.contains("<testcase ") || l.contains("<testsuite "))
    {
        assert!(line.contains(" time=\""), "no time: {line}");
    }
    // The failure in words, the replay command in the body.
    let failure = xml
        .lines()
        .find(|l| l.contains("<failure "))
        .expect("a failure");
    assert!(
        failure.contains("message=\"tokens_issued was ")
            && failure.contains(", expected &lt;= 1\""),
        "{failure}"
    );
    assert!(xml.contains(
        "replay: actsim simulate crates/actsim-cli/tests/scenarios/failing.toml --seed 21"
    ));
    // Warnings of the article's run in its suite's system-out, secrets redacted.
    let warns_suite = xml
        .split("<testsuite ")
        .find(|s| s.contains("article-24h"))
        .unwrap();
    assert!(
        warns_suite.contains("<system-out>⚠ repeated_token_request"),
        "{warns_suite}"
    );
    assert!(!xml.contains("local-secret-change-me"));

    if !have_xmllint() {
        return skip("xmllint is not installed (apt-get install libxml2-utils, as .ci/run does); the JUnit XSD validation did not run");
    }
    let xsd = repo_root().join("tests/junit/junit.xsd");
    let check = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&xsd)
        .arg(&junit)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "JUnit output does not validate:\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
    // The schema is not vacuous: a case without a time is rejected.
    let broken = dir.path().join("broken.xml");
    std::fs::write(&broken, xml.replacen(" time=\"0.000\"", "", 1)).unwrap();
    let check = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&xsd)
        .arg(&broken)
        .output()
        .unwrap();
    assert!(
        !check.status.success(),
        "a case without time must not validate"
    );
}

#[test]
fn test_json_parses_and_has_the_documented_fields() {
    let out = actsim(&["test", FAILING, PASSING, BROKEN, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", stdout(&out)));
    assert_eq!(doc["passed"], false);
    assert_eq!(doc["summary"]["scenarios_failed"], 2);
    assert_eq!(doc["summary"]["scenarios_passed"], 1);
    let scenarios = doc["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 3);
    let failing = &scenarios[0];
    assert_eq!(failing["path"], FAILING);
    assert_eq!(failing["valid"], true);
    assert_eq!(failing["seed"], 21);
    assert!(failing["time_s"].as_f64().unwrap() >= 0.0);
    let bad = &failing["expectations"][1];
    assert_eq!(bad["text"], "tokens_issued <= 1");
    assert_eq!(bad["metric"], "tokens_issued");
    assert_eq!(bad["op"], "<=");
    assert_eq!(bad["expected"], 1.0);
    assert_eq!(bad["passed"], false);
    let actual = bad["actual"].as_f64().unwrap();
    assert_eq!(
        bad["message"],
        format!("tokens_issued was {actual}, expected <= 1")
    );
    assert_eq!(
        failing["replay"],
        format!("actsim simulate {FAILING} --seed 21")
    );
    assert_eq!(scenarios[1]["passed"], true);
    assert!(scenarios[1]["replay"].is_null());
    assert_eq!(scenarios[2]["valid"], false);
    assert!(scenarios[2]["error"].as_str().unwrap().contains("duration"));

    // Documented: every key of the output appears in docs/test-json.md.
    let doc_text = std::fs::read_to_string(repo_root().join("docs/test-json.md")).unwrap();
    for key in [
        "passed",
        "summary",
        "expectations_passed",
        "expectations_failed",
        "scenarios_passed",
        "scenarios_failed",
        "skipped_files",
        "scenarios",
        "path",
        "valid",
        "name",
        "seed",
        "time_s",
        "logins",
        "expectations",
        "text",
        "metric",
        "op",
        "expected",
        "actual",
        "message",
        "warnings",
        "kind",
        "count",
        "fix",
        "replay",
        "error",
    ] {
        assert!(doc_text.contains(&format!("`{key}`")), "{key} undocumented");
    }
}

#[test]
fn a_mistyped_metric_suggests_the_closest_names() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("typo.toml");
    std::fs::write(
        &scenario,
        format!(
            "name = \"typo\"\nduration = \"5m\"\nexpect = [\"token_issued <= 4\"]\n[[actions]]\nfile = \"{}\"\nsecrets_file = \"{}\"\n[traffic]\nrate = \"1/min\"\n",
            repo_root().join("actions/cache-with-ttl.js").display(),
            repo_root().join("fixtures/secrets/local-tenant.env").display()
        ),
    )
    .unwrap();
    let out = actsim(&["test", scenario.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("unknown metric 'token_issued'; did you mean 'tokens_issued'"),
        "{text}"
    );
}

#[test]
fn lesson_json_parses_and_is_documented() {
    let out = actsim(&["lesson", "default-lifetime", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", stdout(&out)));
    assert_eq!(doc["passed"], true);
    let lesson = &doc["lessons"][0];
    assert_eq!(lesson["name"], "default-lifetime");
    assert_eq!(lesson["key_metric"], "tokens_issued");
    let tokens = &lesson["comparison"][0];
    assert_eq!(tokens["metric"], "tokens_issued");
    let (flawed, fixed) = (
        tokens["flawed"].as_f64().unwrap(),
        tokens["fixed"].as_f64().unwrap(),
    );
    assert!(
        flawed > fixed,
        "the fix issues fewer tokens: {flawed} → {fixed}"
    );
    assert_eq!(
        lesson["flawed"]["path"],
        "fixtures/lessons/default-lifetime/flawed.toml"
    );
    assert!(lesson["flawed"]["warnings"][0]["kind"].is_string());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("local-secret-change-me"));
    let doc_text = std::fs::read_to_string(repo_root().join("docs/lesson-json.md")).unwrap();
    for key in [
        "passed",
        "lessons",
        "number",
        "name",
        "title",
        "caveat",
        "fix",
        "doc",
        "key_metric",
        "comparison",
        "flawed",
        "fixed",
        "scenario",
        "path",
        "seed",
        "expectations",
        "warnings",
    ] {
        assert!(doc_text.contains(&format!("`{key}`")), "{key} undocumented");
    }
    let out = actsim(&["lesson", "no-such-lesson", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("the lessons are"), "{}", stderr(&out));
}
