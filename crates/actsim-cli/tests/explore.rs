//! End-to-end tests of `actsim explore` on the bundled exploration targets
//! (fixtures/explore/): each flawed scenario holds for its default seed, explore finds a failing
//! seed within the budget its file documents, shrinking brings the failure to a run no larger
//! than reasoned below, the saved repro fails under `actsim test`, and the fixed action survives
//! the same exploration. Also: reports do not depend on --jobs, merged shards equal the
//! unsharded run, and no progress line is drawn when the output is not a terminal.

use crate::common;

use common::{actsim, stderr, stdout};
use serde_json::Value;

/// Explore `scenario` with `args` and parse the --json report.
fn explore_json(scenario: &str, args: &[&str]) -> (Value, i32, String) {
    let mut all = vec!["explore", scenario, "--json"];
    all.extend_from_slice(args);
    let out = actsim(&all);
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\nstdout:\n{}\nstderr:\n{}",
            stdout(&out),
            stderr(&out)
        )
    });
    (doc, out.status.code().unwrap_or(-1), stderr(&out))
}

/// The finding of `expectation` in a report.
fn finding<'a>(report: &'a Value, expectation: &str) -> &'a Value {
    report["expectations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["expectation"] == expectation)
        .unwrap_or_else(|| panic!("no finding for {expectation}: {report:#}"))
}

struct Target {
    name: &'static str,
    expectation: &'static str,
    /// The seed budget documented in the target's files.
    budget: &'static str,
}

/// Run the whole acceptance path of one target; returns the shrunk run (`minimal`) and the
/// text of the repro file saved for it.
fn check_target(t: &Target) -> (Value, String) {
    let flawed = format!("fixtures/explore/{}/flawed.toml", t.name);
    let fixed = format!("fixtures/explore/{}/fixed.toml", t.name);
    let text = std::fs::read_to_string(common::repo_root().join(&flawed)).unwrap();
    assert!(
        text.contains(&format!("--seeds {}", t.budget)),
        "{flawed} documents its budget"
    );

    // The default seed passes: the failure needs a rare schedule.
    let out = actsim(&["test", &flawed]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    let dir = tempfile::tempdir().unwrap();
    let repro = dir.path().join("repro.toml");
    let repro = repro.to_str().unwrap();
    let (report, code, _) = explore_json(&flawed, &["--seeds", t.budget, "--save-repro", repro]);
    assert_eq!(code, 1, "{report:#}");
    let f = finding(&report, t.expectation);
    let seed = f["first_seed"].as_u64().expect("a failing seed");
    assert!(f["violations"].as_u64().unwrap() >= 1);
    assert_eq!(
        f["replay"],
        format!("actsim simulate {flawed} --seed {seed}").as_str()
    );
    // The replay command replays it.
    let out = actsim(&["test", &flawed, "--seed", &seed.to_string()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));

    // The saved repro fails the same expectation under `actsim test`.
    let out = actsim(&["test", repro]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(&format!("✗ {}", t.expectation)),
        "{}",
        stdout(&out)
    );

    // The fixed action survives the same exploration.
    let (fixed_report, code, _) = explore_json(&fixed, &["--seeds", t.budget]);
    assert_eq!(code, 0, "{fixed_report:#}");
    assert_eq!(fixed_report["failing_runs"], 0);
    assert_eq!(fixed_report["runs"], report["runs"]);

    let minimal = &f["minimal"];
    assert_eq!(minimal["seed"], seed);
    assert!(!minimal["story"].as_array().unwrap().is_empty());
    (minimal.clone(), std::fs::read_to_string(repro).unwrap())
}

#[test]
fn resume_after_recycle_is_found_and_shrunk_to_one_login() {
    let (minimal, _) = check_target(&Target {
        name: "resume-after-recycle",
        expectation: "denies == 0",
        budget: "100",
    });
    let size = &minimal["size"];
    // One login is enough: it yields on its instance, the instance is recycled while the user
    // is away, and the sticky resume has to go elsewhere. That recycle cannot be shrunk away
    // (without it a sticky resume always finds its record), so exactly one fault remains.
    assert_eq!(size["logins"], 1, "{size}");
    assert_eq!(size["users"], 1, "{size}");
    assert_eq!(size["faults"], 1, "{size}");
}

#[test]
fn cold_stampede_is_found_and_shrunk_to_two_logins() {
    let (minimal, _) = check_target(&Target {
        name: "cold-stampede",
        expectation: "tokens_issued <= instances.created",
        budget: "100",
    });
    let size = &minimal["size"];
    // A stampede takes two logins racing on one cold instance; one login alone fetches one
    // token. So the smallest failing run has exactly two logins, and one instance is enough.
    assert_eq!(size["logins"], 2, "{size}");
    assert_eq!(size["instances"], 1, "{size}");
}

#[test]
fn eviction_refetch_is_found_and_shrunk_to_two_logins_and_one_eviction() {
    let (minimal, repro) = check_target(&Target {
        name: "eviction-refetch",
        expectation: "tokens_issued <= instances.created",
        budget: "100",
    });
    let size = &minimal["size"];
    // The smallest run that can show the failure: a second token on the same instance needs a
    // second execution that misses the cache there. One login runs one execution of one action
    // (no redirect), so it fetches at most once: at least two logins. The token outlives the
    // run (24 h), so only an eviction between the first login's `set` and the second login's
    // `get` makes that miss: at least one eviction. Users and a second instance add nothing.
    // Shrinking reaches that run because evictions are recorded choices: the random eviction
    // is written down as a scripted `[[cache.evict]]` at the time it happened, dropped when it
    // can be, moved to instance 1 and to the earliest time that still fails (just after the
    // first login's `set`), after which every login but the first two can go. So the shrunk run
    // is exactly the smallest one (before evictions were recorded it kept ~32 logins: every
    // login up to the random draw that hit).
    assert_eq!(size["logins"], 2, "{size}");
    assert_eq!(size["users"], 1, "{size}");
    assert_eq!(size["instances"], 1, "{size}");
    assert_eq!(size["evictions"], 1, "{size}");
    assert_eq!(size["faults"], 0, "{size}");

    // The eviction is a recorded choice in the saved repro, not eviction pressure, and it is
    // what makes the run fail: without it the same run holds.
    assert!(repro.contains("[[cache.evict]]"), "{repro}");
    assert!(repro.contains("key = \"mgmt-token\""), "{repro}");
    assert!(!repro.contains("eviction ="), "{repro}");
    let start = repro.find("[[cache.evict]]").unwrap();
    let end = start + repro[start..].find("\n\n").unwrap();
    let without = format!("{}{}", &repro[..start], &repro[end..]);
    // A folder beside the one the repro was saved in: its relative paths still resolve.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("without-eviction.toml");
    std::fs::write(&file, &without).unwrap();
    let out = actsim(&["test", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{without}\n{}", stdout(&out));
}

#[test]
fn reports_do_not_depend_on_jobs() {
    // Both shrink: one through a recorded kill, one through a recorded eviction.
    for scenario in [
        "fixtures/explore/resume-after-recycle/flawed.toml",
        "fixtures/explore/eviction-refetch/flawed.toml",
    ] {
        let (one, _, _) = explore_json(scenario, &["--seeds", "40", "--jobs", "1"]);
        let (two, _, _) = explore_json(scenario, &["--seeds", "40", "--jobs", "2"]);
        assert_eq!(one, two);
        assert!(one["failing_runs"].as_u64().unwrap() > 0, "{one:#}");
    }

    // `actsim test`: the same results in the same order (durations aside).
    let strip = |text: String| -> String {
        text.lines()
            .map(|l| l.split(" · ").next().unwrap_or(l).to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let a = actsim(&["test", "fixtures/explore", "--jobs", "1"]);
    let b = actsim(&["test", "fixtures/explore", "--jobs", "2"]);
    assert_eq!(a.status.code(), Some(0), "{}", stdout(&a));
    assert_eq!(strip(stdout(&a)), strip(stdout(&b)));
    assert!(stdout(&a).contains("(seed 1) · "), "{}", stdout(&a));
}

#[test]
fn merged_shards_equal_the_unsharded_run() {
    let dir = tempfile::tempdir().unwrap();
    let files =
        shards_merge_to_the_whole("fixtures/explore/resume-after-recycle/flawed.toml", &dir);

    // A missing shard is an error naming it.
    let out = actsim(&["explore", "--merge", &files[0], &files[2]]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("missing shards: 2/3"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn merged_shards_of_an_eviction_search_equal_the_unsharded_run() {
    // Its shrink records evictions: the shard that holds the first failing seed shrinks it
    // exactly as the unsharded run does.
    let dir = tempfile::tempdir().unwrap();
    shards_merge_to_the_whole("fixtures/explore/eviction-refetch/flawed.toml", &dir);
}

/// Explore `scenario` over 40 seeds whole and as 3 shards (reports saved in `dir`), check the
/// merged shards equal the whole run; the shard report files.
fn shards_merge_to_the_whole(scenario: &str, dir: &tempfile::TempDir) -> Vec<String> {
    let (whole, _, _) = explore_json(scenario, &["--seeds", "40"]);
    let mut files = Vec::new();
    let mut runs = 0;
    for i in 1..=3 {
        let (part, _, _) = explore_json(scenario, &["--seeds", "40", "--shard", &format!("{i}/3")]);
        runs += part["runs"].as_u64().unwrap();
        let file = dir.path().join(format!("shard-{i}.json"));
        std::fs::write(&file, serde_json::to_vec(&part).unwrap()).unwrap();
        files.push(file.to_str().unwrap().to_string());
    }
    assert_eq!(runs, 40);
    // Merged in any order.
    let mut args = vec!["explore", "--json", "--merge"];
    args.extend(files.iter().rev().map(String::as_str));
    let out = actsim(&args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let merged: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(merged, whole);
    assert!(whole["failing_runs"].as_u64().unwrap() > 0, "{whole:#}");
    files
}

#[test]
fn no_progress_when_the_output_is_not_a_terminal() {
    // stdout and stderr are pipes here: nothing but the report may be written.
    let out = actsim(&[
        "explore",
        "fixtures/explore/resume-after-recycle/fixed.toml",
        "--seeds",
        "20",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(stderr(&out), "");
    assert!(!stdout(&out).contains('\r'));
    let out = actsim(&["test", "fixtures/explore/cold-stampede"]);
    assert_eq!(stderr(&out), "");
    let out = actsim(&["simulate", "fixtures/explore/cold-stampede/fixed.toml"]);
    assert_eq!(stderr(&out), "");
}

/// Run `actsim ARGS` on a pseudo-terminal (util-linux `script`); its output as text.
fn on_terminal(args: &str) -> Option<String> {
    let bin = assert_cmd::cargo::cargo_bin("actsim");
    let command = format!("{} {args}", bin.display());
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(common::repo_root())
        .env("NO_COLOR", "1")
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn progress_on_a_terminal_and_never_in_json() {
    let scenario = "fixtures/explore/resume-after-recycle/fixed.toml";
    let Some(shown) = on_terminal(&format!("explore {scenario} --seeds 20")) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "`script` (util-linux) is needed to test the progress line on a terminal"
        );
        eprintln!("SKIPPED: no `script` to open a pseudo-terminal; progress line not tested");
        return;
    };
    assert!(shown.contains("explore: "), "{shown}");
    assert!(shown.contains("seeds ·"), "{shown}");
    let quiet = on_terminal(&format!("explore {scenario} --seeds 20 --quiet")).unwrap();
    assert!(!quiet.contains("explore: "), "{quiet}");
    let json = on_terminal(&format!("explore {scenario} --seeds 20 --json")).unwrap();
    assert!(!json.contains("explore: "), "{json}");
    serde_json::from_str::<Value>(json.trim()).expect("only the JSON report");
}
