//! Malformed scenarios: every error names file:line:column and the field.

use std::path::Path;

use actsim_sim::parse_scenario;

const GOOD: &str = r#"
duration = "1h"

[[actions]]
file = "../../../../actions/no-cache.js"

[instances]
count = 2

[traffic]
rate = "1/min"
"#;

fn error_for(text: &str) -> actsim_sim::ScenarioError {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/inline.toml");
    parse_scenario(&path, text).expect_err("the scenario is invalid")
}

#[test]
fn the_good_base_scenario_parses() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/inline.toml");
    let sc = parse_scenario(&path, GOOD).unwrap();
    assert_eq!(sc.duration_ms, 3_600_000);
    assert_eq!(sc.instances.min, 2);
}

#[test]
fn a_bad_type_points_at_the_value() {
    let e = error_for(&GOOD.replace("count = 2", "count = \"two\""));
    assert_eq!(e.line_col(), Some((8, 9)), "{e}");
    assert!(e.to_string().contains("inline.toml:8:9"), "{e}");
    assert!(e.message.contains("invalid type"), "{e}");
}

#[test]
fn an_unknown_field_is_named() {
    let e = error_for(&GOOD.replace("count = 2", "count = 2\ncolour = \"blue\""));
    assert_eq!(e.line_col(), Some((9, 1)), "{e}");
    assert!(e.message.contains("colour"), "{e}");
}

#[test]
fn a_bad_duration_names_the_field() {
    let e = error_for(&GOOD.replace("duration = \"1h\"", "duration = \"1 hour\""));
    assert_eq!(e.line_col(), Some((2, 12)), "{e}");
    assert!(e.message.starts_with("duration:"), "{e}");
}

#[test]
fn other_value_errors_point_at_their_line() {
    let e = error_for(&GOOD.replace("rate = \"1/min\"", "rate = \"fast\""));
    assert_eq!(e.line_col().unwrap().0, 11, "{e}");
    assert!(e.message.contains("traffic.rate"), "{e}");
    let e = error_for(&GOOD.replace(
        "duration = \"1h\"",
        "duration = \"1h\"\nexpect = [\"tokens_issued <> 3\"]",
    ));
    assert_eq!(e.line_col().unwrap().0, 3, "{e}");
    let e = error_for(&GOOD.replace("no-cache.js", "missing.js"));
    assert_eq!(e.line_col().unwrap().0, 5, "{e}");
    assert!(e.message.contains("cannot read"), "{e}");
    let e = error_for(&GOOD.replace(
        "[traffic]",
        "[placement]\nresume = \"nearest\"\n\n[traffic]",
    ));
    assert!(e.message.contains("nearest"), "{e}");
}

#[test]
fn a_scripted_eviction_names_its_bad_field() {
    let bad = |evict: &str| error_for(&format!("{GOOD}\n[[cache.evict]]\n{evict}\n"));
    let e = bad("at = \"1m\"\ninstance = 0");
    assert!(
        e.message
            .contains("cache.evict.instance: instances are numbered from 1"),
        "{e}"
    );
    let e = bad("at = \"1m\"\ninstance = 1\nkey = \"\"");
    assert!(e.message.contains("cache.evict.key: empty"), "{e}");
    let e = bad("at = \"soon\"\ninstance = 1");
    assert!(e.message.contains("cache.evict.at"), "{e}");
    let e = bad("at = \"1m\"");
    assert!(e.message.contains("instance"), "{e}");
}
