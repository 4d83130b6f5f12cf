//! A hostile corpus run against the real `actsim` binary: scenario and tenant files with numbers
//! out of every range, files that are endless, cyclic, minified or in the wrong place, output to
//! a closed pipe or a full disk, the lessons run away from the source tree, and secrets written
//! in every form an action can print them. Each case states the exit status and what the output
//! must (or must not) contain; none may panic (exit 101).

use crate::common;
use common::*;

use std::path::Path;
use std::process::{Command, Stdio};

/// What a case expects.
struct Expect {
    code: i32,
    contains: &'static [&'static str],
    absent: &'static [&'static str],
}

/// `actsim` in `dir` with `args`; (status, stdout + stderr).
fn actsim_in(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = assert_cmd::Command::cargo_bin("actsim")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn check(what: &str, (code, text): (i32, String), expect: &Expect) {
    assert!(!text.contains("panicked"), "{what}: panicked:\n{text}");
    assert_eq!(code, expect.code, "{what}: exit status\n{text}");
    for c in expect.contains {
        assert!(text.contains(c), "{what}: missing {c:?} in:\n{text}");
    }
    for a in expect.absent {
        assert!(
            !text.contains(a),
            "{what}: {a:?} must not appear in:\n{text}"
        );
    }
}

/// The repository's `actions/no-cache.js`, absolute.
fn action() -> String {
    repo_root()
        .join("actions/no-cache.js")
        .canonicalize()
        .unwrap()
        .display()
        .to_string()
}

/// A small valid scenario with `top` lines before the tables, `traffic` lines in `[traffic]`,
/// and `tail` after it.
fn scenario(top: &str, traffic: &str, tail: &str) -> String {
    format!(
        "name = \"hostile\"\n{top}\n[[actions]]\nfile = {:?}\n\n[traffic]\n{traffic}\n{tail}\n",
        action()
    )
}

const RATE: &str = "rate = \"1/min\"\nusers = 3";

/// Scenario numbers out of range: (name, top lines, traffic lines, tail, expected text).
const SCENARIO_CASES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "huge rate",
        "duration = \"1h\"",
        "rate = \"1e30/s\"",
        "",
        "above 1000/s",
    ),
    (
        "zero rate",
        "duration = \"1h\"",
        "rate = \"0/s\"",
        "",
        "a rate must be positive",
    ),
    (
        "rate that underflows to zero",
        "duration = \"1h\"",
        "arrivals = \"poisson\"\nrate = \"1e-400/s\"",
        "",
        "a rate must be positive",
    ),
    (
        "negative rate",
        "duration = \"1h\"",
        "rate = \"-5/s\"",
        "",
        "a rate must be positive",
    ),
    (
        "NaN rate",
        "duration = \"1h\"",
        "rate = \"NaN/s\"",
        "",
        "a rate must be positive",
    ),
    (
        "burst_every overflow",
        "duration = \"1h\"",
        "arrivals = \"bursts\"\nburst_every = \"106751991167d\"",
        "",
        "longer than 3650 days",
    ),
    (
        "burst_every zero",
        "duration = \"1h\"",
        "arrivals = \"bursts\"\nburst_every = \"0s\"",
        "",
        "must be longer than 0",
    ),
    (
        "burst_size huge",
        "duration = \"1h\"",
        "arrivals = \"bursts\"\nburst_every = \"1h\"\nburst_size = 100000000",
        "",
        "burst_size: 100000000 is not between 1 and 100000",
    ),
    (
        "burst_size zero",
        "duration = \"1h\"",
        "arrivals = \"bursts\"\nburst_every = \"1h\"\nburst_size = 0",
        "",
        "burst_size: 0 is not between",
    ),
    (
        "users beyond a billion",
        "duration = \"1h\"",
        "rate = \"1/min\"\nusers = 2000000000",
        "",
        "traffic.users: 2000000000 is not between 1 and 1000000000",
    ),
    (
        "users zero",
        "duration = \"1h\"",
        "rate = \"1/min\"\nusers = 0",
        "",
        "traffic.users: 0 is not between",
    ),
    (
        "users negative",
        "duration = \"1h\"",
        "rate = \"1/min\"\nusers = -1",
        "",
        "invalid value",
    ),
    (
        "duration i64",
        "duration = \"106751991167d\"",
        RATE,
        "",
        "longer than 3650 days",
    ),
    (
        "duration overflow",
        "duration = \"99999999999999999999d\"",
        RATE,
        "",
        "too large",
    ),
    (
        "duration zero",
        "duration = \"0s\"",
        RATE,
        "",
        "must be longer than 0",
    ),
    (
        "end after 9999",
        "start = \"9999-06-01T00:00:00Z\"\nduration = \"3650d\"",
        RATE,
        "",
        "after 9999-12-31",
    ),
    (
        "start far past",
        "start = \"0001-01-01T00:00:00Z\"\nduration = \"1h\"",
        RATE,
        "",
        "start: must lie between 1970-01-01 and 9999-12-31",
    ),
    (
        "max_logins zero",
        "duration = \"1h\"",
        "rate = \"1/min\"\nmax_logins = 0",
        "",
        "max_logins: 0 is not between",
    ),
    (
        "max_logins huge",
        "duration = \"1h\"",
        "rate = \"1/min\"\nmax_logins = 100000000000",
        "",
        "max_logins: 100000000000 is not between",
    ),
    (
        "too many logins",
        "duration = \"3650d\"",
        "rate = \"1000/s\"",
        "",
        "more than 10000000",
    ),
    (
        "instances zero",
        "duration = \"1h\"",
        RATE,
        "[instances]\ncount = 0",
        "1 ≤ min ≤ max ≤ 1000",
    ),
    (
        "instances many",
        "duration = \"1h\"",
        RATE,
        "[instances]\ncount = 5000",
        "1 ≤ min ≤ max ≤ 1000",
    ),
    (
        "scale_out_at zero",
        "duration = \"1h\"",
        RATE,
        "[instances]\nscale_out_at = 0",
        "scale_out_at: must be at least 1",
    ),
    (
        "kill instance zero",
        "duration = \"1h\"",
        RATE,
        "[[instances.kill]]\nat = \"1m\"\ninstance = 0",
        "numbered from 1",
    ),
    (
        "kill at far",
        "duration = \"1h\"",
        RATE,
        "[[instances.kill]]\nat = \"99999d\"\ninstance = 1",
        "longer than 3650 days",
    ),
    (
        "cold start far",
        "duration = \"1h\"",
        RATE,
        "[instances]\ncold_start = \"exp 99999d\"",
        "reaches past 3650 days",
    ),
    (
        "latency range far",
        "duration = \"1h\"",
        RATE,
        "[network]\ntenant_latency = \"0ms..99999d\"",
        "reaches past 3650 days",
    ),
    (
        "max_age far",
        "duration = \"1h\"",
        RATE,
        "[instances]\nmax_age = \"4000d\"",
        "longer than 3650 days",
    ),
    (
        "jitter negative",
        "duration = \"1h\"",
        RATE,
        "[instances]\nrecycle_jitter = \"-5s\"",
        "not a duration",
    ),
    (
        "mock status zero",
        "duration = \"1h\"",
        RATE,
        "[[mocks]]\nhost = \"api.example.com\"\nstatus = 0",
        "mocks.status: 0 is not an HTTP status",
    ),
    (
        "mock status 1000",
        "duration = \"1h\"",
        RATE,
        "[[mocks]]\nhost = \"api.example.com\"\nstatus = 1000",
        "mocks.status: 1000 is not an HTTP status",
    ),
    (
        "mock fail_status",
        "duration = \"1h\"",
        RATE,
        "[[mocks]]\nhost = \"api.example.com\"\nfail_status = 42",
        "mocks.fail_status: 42",
    ),
    (
        "mock sequence status",
        "duration = \"1h\"",
        RATE,
        "[[mocks]]\nhost = \"api.example.com\"\n[[mocks.sequence]]\nstatus = 99",
        "mocks.sequence.status: 99",
    ),
    (
        "eviction above one",
        "duration = \"1h\"",
        RATE,
        "[cache]\neviction = 2.0",
        "not a probability",
    ),
];

#[test]
fn scenario_numbers_out_of_range_are_errors_with_a_position() {
    let dir = tempfile::tempdir().unwrap();
    for (name, top, traffic, tail, expected) in SCENARIO_CASES {
        let path = dir.path().join("s.toml");
        std::fs::write(&path, scenario(top, traffic, tail)).unwrap();
        let got = actsim_in(dir.path(), &["simulate", "s.toml"]);
        check(
            name,
            got.clone(),
            &Expect {
                code: 2,
                contains: &[],
                absent: &[],
            },
        );
        // miette wraps long messages: read the words across its wrapped lines.
        let unwrapped = got.1.replace("\n  │ ", " ");
        assert!(
            unwrapped.contains(expected),
            "{name}: missing {expected:?}:\n{}",
            got.1
        );
        // Every error names the file with its line and column.
        assert!(got.1.contains("s.toml:"), "{name}: no position:\n{}", got.1);
    }
}

/// Extreme but valid poisson rates make no logins in an hour instead of wrapping the clock:
/// one login per 10 years, per 3e12 years (`1e-20/s`, whose gaps overflowed the clock into
/// 49 344 logins) and `1e-300/s` (gaps beyond any i64, saturated).
#[test]
fn extreme_but_valid_rates_run_correctly() {
    let dir = tempfile::tempdir().unwrap();
    for rate in ["1/3650d", "1e-20/s", "1e-300/s"] {
        std::fs::write(
            dir.path().join("slow.toml"),
            scenario(
                "duration = \"1h\"\nseed = 7",
                &format!("arrivals = \"poisson\"\nrate = \"{rate}\"\nusers = 1"),
                "",
            ),
        )
        .unwrap();
        let (code, text) = actsim_in(dir.path(), &["simulate", "slow.toml", "--json"]);
        assert_eq!(code, 0, "{rate}: {text}");
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        // The mean gap is at least 10 years: the first login is (almost surely, and with seed 7
        // in fact) after the end of a 1-hour scenario, so none arrives.
        assert_eq!(doc["metrics"]["logins"], 0.0, "{rate}: {text}");
    }
}

const TENANT_CASES: &[(&str, &str, &str)] = &[
    (
        "duplicate client",
        "domain = \"t.example\"\n[[clients]]\nclient_id = \"a\"\nclient_secret = \"s\"\n[[clients]]\nclient_id = \"a\"\nclient_secret = \"t\"\n",
        "t.toml:6:13",
    ),
    (
        "zero lifetime",
        "domain = \"t.example\"\ntoken_lifetime_s = 0\nclients = []\n",
        "t.toml:2:20",
    ),
    (
        "domain with scheme",
        "domain = \"https://t.example/\"\nclients = []\n",
        "t.toml:1:1",
    ),
    (
        "huge rate limit",
        "domain = \"t.example\"\nclients = []\n[token_rate_limit]\nper_second = 99999999999\n",
        "t.toml:3:2",
    ),
    (
        "huge quota",
        "domain = \"t.example\"\n[[clients]]\nclient_id = \"a\"\nclient_secret = \"s\"\nquota = { per_hour = 9223372036854775807 }\n",
        "invalid quota",
    ),
    (
        "negative lifetime",
        "domain = \"t.example\"\ntoken_lifetime_s = -1\nclients = []\n",
        "t.toml:2:20",
    ),
];

#[test]
fn tenant_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    for (name, tenant, expected) in TENANT_CASES {
        std::fs::write(dir.path().join("t.toml"), tenant).unwrap();
        std::fs::write(
            dir.path().join("s.toml"),
            scenario("duration = \"1h\"", RATE, "[tenant]\nfile = \"t.toml\""),
        )
        .unwrap();
        let got = actsim_in(dir.path(), &["simulate", "s.toml"]);
        assert!(
            got.1.contains(expected),
            "{name}: missing {expected:?}:\n{}",
            got.1
        );
        check(
            name,
            got,
            &Expect {
                code: 2,
                contains: &[],
                absent: &[],
            },
        );
    }
}

#[test]
fn hostile_files_are_refused_or_handled() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // An endless input.
    check(
        "event /dev/zero",
        actsim_in(d, &["run", &action(), "--event", "/dev/zero"]),
        &Expect {
            code: 2,
            contains: &["larger than 16"],
            absent: &[],
        },
    );
    std::fs::write(
        d.join("zero.toml"),
        scenario(
            "duration = \"1h\"",
            &format!("{RATE}\nevent = \"/dev/zero\""),
            "",
        ),
    )
    .unwrap();
    check(
        "scenario event /dev/zero",
        actsim_in(d, &["simulate", "zero.toml"]),
        &Expect {
            code: 2,
            contains: &["larger than 16"],
            absent: &[],
        },
    );
    // A folder where a file is expected.
    check(
        "action is a folder",
        actsim_in(d, &["run", "."]),
        &Expect {
            code: 2,
            contains: &["folder"],
            absent: &[],
        },
    );
    // A symbolic link cycle under a scenario folder.
    let tree = d.join("tree");
    std::fs::create_dir_all(tree.join("sub")).unwrap();
    std::fs::write(
        tree.join("sub/a.toml"),
        scenario("duration = \"10m\"", RATE, ""),
    )
    .unwrap();
    std::os::unix::fs::symlink(&tree, tree.join("sub/loop")).unwrap();
    check(
        "symlink cycle",
        actsim_in(d, &["test", "tree"]),
        &Expect {
            code: 0,
            contains: &["scenarios: 1 passed, 0 failed"],
            absent: &[],
        },
    );
    // A CommonJS action starting with #! (Node accepts it); line numbers stay the file's.
    std::fs::write(
        d.join("bang.js"),
        "#!/usr/bin/env node\nexports.onExecutePostLogin = async (event, api) => {\n  throw new Error('line three');\n};\n",
    )
    .unwrap();
    check(
        "hashbang",
        actsim_in(d, &["run", "bang.js"]),
        &Expect {
            code: 1,
            contains: &["line three", "bang.js:3"],
            absent: &["SyntaxError"],
        },
    );
}

/// An error far along one line (a minified file) is shown as a window with the real column.
#[test]
fn errors_on_minified_lines_do_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut event = String::from("{\"user\":{\"user_id\":\"auth0|1\",\"app_metadata\":{");
    for i in 0..12_000 {
        event.push_str(&format!("\"k{i}\":{i},"));
    }
    let column = event.len() + 1;
    event.push_str("oops}}}");
    std::fs::write(d.join("min.json"), &event).unwrap();
    let (code, text) = actsim_in(d, &["run", &action(), "--event", "min.json"]);
    assert_eq!(code, 2, "{text}");
    assert!(!text.contains("panicked"), "{text}");
    assert!(text.contains(&format!("min.json:1:{column}")), "{text}");
    assert!(
        text.len() < 4_000,
        "the whole line was printed ({} bytes)",
        text.len()
    );
    // A scenario with a bad value at the end of a long line.
    let long = format!(
        "duration = \"1h\"\nname = \"{}\" junk\n[[actions]]\nfile = {:?}\n[traffic]\nrate = \"1/min\"\n",
        "x".repeat(70_000),
        action()
    );
    std::fs::write(d.join("long.toml"), long).unwrap();
    check(
        "long scenario line",
        actsim_in(d, &["simulate", "long.toml"]),
        &Expect {
            code: 2,
            contains: &["long.toml:2:700"],
            absent: &[],
        },
    );
    let secrets = format!(
        "A={}\nbroken line {}\n",
        "v".repeat(100),
        "w".repeat(70_000)
    );
    std::fs::write(d.join("long.env"), secrets).unwrap();
    check(
        "long secrets line",
        actsim_in(d, &["run", &action(), "--secrets", "long.env"]),
        &Expect {
            code: 2,
            contains: &["expected NAME=value"],
            absent: &["wwwwwwww", "vvvvvvvv"],
        },
    );
}

/// Run `actsim args` with stdout a pipe whose reader is already closed; (status, stderr).
fn closed_pipe(args: &[&str]) -> (i32, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    // Every write fails with EPIPE, as after `| head -1` has exited.
    drop(reader);
    let out = Command::new(assert_cmd::cargo::cargo_bin("actsim"))
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .args(args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Run `actsim args` with stdout on /dev/full; (status, stderr).
fn full_disk(args: &[&str]) -> (i32, String) {
    let out = Command::new(assert_cmd::cargo::cargo_bin("actsim"))
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .args(args)
        .stdout(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const OUTPUT_CASES: &[&[&str]] = &[
    &["lesson", "--list"],
    &["lesson", "ttl-in-seconds"],
    &["run", "actions/no-cache.js"],
    &["run", "actions/no-cache.js", "--json"],
    &["simulate", "fixtures/lessons/no-caching/fixed.toml"],
    &[
        "simulate",
        "fixtures/lessons/no-caching/fixed.toml",
        "--json",
    ],
    &["test", "fixtures/lessons/no-caching/fixed.toml"],
];

#[test]
fn a_closed_pipe_ends_quietly_and_a_full_disk_is_reported() {
    for args in OUTPUT_CASES {
        let (code, stderr) = closed_pipe(args);
        assert_eq!(code, 141, "{args:?} to a closed pipe:\n{stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}:\n{stderr}");
        let (code, stderr) = full_disk(args);
        assert_eq!(code, 74, "{args:?} to /dev/full:\n{stderr}");
        assert!(
            stderr.contains("cannot write to standard output: No space left on device"),
            "{args:?}:\n{stderr}"
        );
    }
}

#[test]
fn lessons_run_from_any_folder_without_the_source_tree_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = repo_root().canonicalize().unwrap().display().to_string();
    let (code, text) = actsim_in(dir.path(), &["lesson"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        !text.contains(&root) && !text.contains("/crates/"),
        "{text}"
    );
    let (code, text) = actsim_in(
        dir.path(),
        &["lesson", "no-caching", "--report", "lesson.html"],
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("fixtures/lessons/no-caching/flawed.toml"),
        "{text}"
    );
    assert!(!text.contains(&root), "{text}");
    let html = std::fs::read_to_string(dir.path().join("lesson.html")).unwrap();
    assert!(
        !html.contains(&root) && !html.contains("/crates/"),
        "a build path in the HTML"
    );
    assert!(html.contains("fixtures/lessons/no-caching"));
}

/// Secrets with quotes, backslashes, spaces and newlines, printed in every form an action can
/// produce: none may appear, in text, JSON, trace or HTML output.
const SECRETS_JSON: &str = r#"{
  "TRICKY": "pa\"ss\\word with space/x+y",
  "PEM": "-----BEGIN TEST KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\nKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm\n-----END TEST KEY-----",
  "LONGID": "Zq8xLONGIDabcdefghijklmnopqrstuv",
  "domain": "Tenant.Example.COM",
  "$public": []
}"#;

const LEAK_JS: &str = r#"
const util = require('util');
exports.onExecutePostLogin = async (event, api) => {
  const s = event.secrets;
  console.log(JSON.stringify(event.secrets));
  console.log(JSON.stringify(JSON.stringify(s)));
  console.log('%j', s);
  console.log(util.inspect(s));
  console.log(s.PEM);
  console.log('url ' + encodeURIComponent(s.TRICKY));
  const u = new URLSearchParams({ k: s.TRICKY });
  console.log('form ' + u.toString());
  try {
    await fetch('https://' + s.domain + '/x\\' + s.TRICKY + '?k=' + s.TRICKY);
  } catch (e) { console.log(String(e)); }
  api.cache.set('k_' + s.LONGID + '_' + s.LONGID + '_' + s.LONGID, 'v');
  api.user.setAppMetadata('leak', s.LONGID);
};
"#;

/// Pieces that would betray each secret.
const LEAKS: &[&str] = &[
    "word with",
    "word%20with",
    "word+with",
    "pa\\\"ss",
    "MIIBOgIBAAJBAKj34",
    "KUpRKfFLfRYC9AIK",
    "BEGIN TEST KEY",
    "Zq8xLONGID",
    "LONGIDabcdef",
    "tenant.example.com",
    "Tenant.Example.COM",
];

#[test]
fn secrets_do_not_escape_in_any_form_or_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("secrets.json"), SECRETS_JSON).unwrap();
    std::fs::write(d.join("leak.js"), LEAK_JS).unwrap();
    for json in [false, true] {
        let mut args = vec!["run", "leak.js", "--secrets", "secrets.json"];
        if json {
            args.push("--json");
        }
        let (code, text) = actsim_in(d, &args);
        assert_ne!(code, 101, "{text}");
        assert!(text.contains("[secret:TRICKY]"), "{text}");
        assert!(text.contains("[secret:PEM]"), "{text}");
        for leak in LEAKS {
            assert!(
                !text.contains(leak),
                "json={json}: {leak:?} leaked:\n{text}"
            );
        }
    }
    std::fs::write(
        d.join("leak.toml"),
"name = \"leak\"\nduration = \"5m\"\n[[actions]]\nfile = \"leak.js\"\nsecrets_file = \"secrets.json\"\n[traffic]\narrivals = \"fixed\"\nrate = \"1/min\"\nusers = 2\n",
    )
    .unwrap();
    let (code, text) = actsim_in(
        d,
        &[
            "simulate",
            "leak.toml",
            "--trace",
            "trace.jsonl",
            "--report",
            "r.html",
        ],
    );
    assert_ne!(code, 101, "{text}");
    let (_, json) = actsim_in(d, &["simulate", "leak.toml", "--json"]);
    let (_, test) = actsim_in(d, &["test", "leak.toml", "--junit", "j.xml"]);
    for (what, body) in [
        ("text", text),
        ("json", json),
        ("test", test),
        (
            "trace",
            std::fs::read_to_string(d.join("trace.jsonl")).unwrap(),
        ),
        ("html", std::fs::read_to_string(d.join("r.html")).unwrap()),
        ("junit", std::fs::read_to_string(d.join("j.xml")).unwrap()),
    ] {
        for leak in LEAKS {
            assert!(!body.contains(leak), "{what}: {leak:?} leaked");
        }
    }
}

#[test]
fn a_public_secret_is_shown_and_metric_names_use_secret_names() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("s.env"),
        "# actsim: public\ndomain=tenant.actsim.test\nclientID=actsim-local-m2m\nclientSecret=local-secret-change-me\n",
    )
    .unwrap();
    std::fs::write(
        d.join("p.toml"),
        format!(
            "name = \"p\"\nduration = \"5m\"\n[[actions]]\nfile = {:?}\nsecrets_file = \"s.env\"\n[traffic]\narrivals = \"fixed\"\nrate = \"1/min\"\nusers = 2\n",
            action()
        ),
    )
    .unwrap();
    let (code, text) = actsim_in(d, &["simulate", "p.toml", "--trace", "t.jsonl"]);
    assert_eq!(code, 0, "{text}");
    // The text output names the client's metric by the secret's name.
    let tokens = text
        .lines()
        .find(|l| l.contains("tokens issued"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(tokens.contains("(clientID "), "{tokens}");
    assert!(!tokens.contains("[secret:"), "{tokens}");
    let trace = std::fs::read_to_string(d.join("t.jsonl")).unwrap();
    assert!(!trace.contains("local-secret-change-me"));
    // The token requests go to the public domain, shown as it is; the client id is redacted.
    assert!(
        trace.contains("https://tenant.actsim.test/oauth/token"),
        "{trace}"
    );
    assert!(!trace.contains("[secret:domain]"));
    // Without the marker the domain is redacted like any secret.
    std::fs::write(
        d.join("s.env"),
        "domain=tenant.actsim.test\nclientID=actsim-local-m2m\nclientSecret=local-secret-change-me\n",
    )
    .unwrap();
    let (code, text) = actsim_in(d, &["simulate", "p.toml", "--trace", "t.jsonl"]);
    assert_eq!(code, 0, "{text}");
    let trace = std::fs::read_to_string(d.join("t.jsonl")).unwrap();
    assert!(
        trace.contains("https://[secret:domain]/oauth/token"),
        "{trace}"
    );
}

#[test]
fn run_honours_public_secret_marks_and_names_metrics_by_secret() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let expect = "tokens_issued.actsim-local-m2m >= 1";
    // The domain marked public in a .env file: shown as it is in text and --json output.
    std::fs::write(
        d.join("s.env"),
        "# actsim: public\ndomain=tenant.actsim.test\nclientID=actsim-local-m2m\nclientSecret=local-secret-change-me\n",
    )
    .unwrap();
    let run = |secrets: &str, json: bool| {
        let mut args = vec![
            "run".to_string(),
            action(),
            "--secrets".into(),
            secrets.into(),
            "--times".into(),
            "2".into(),
            "--expect".into(),
            expect.into(),
        ];
        if json {
            args.push("--json".into());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, text) = actsim_in(d, &args);
        assert_eq!(code, 0, "{text}");
        text
    };
    let text = run("s.env", false);
    assert!(
        text.contains("https://tenant.actsim.test/oauth/token"),
        "{text}"
    );
    assert!(!text.contains("[secret:domain]"), "{text}");
    // The real secrets stay hidden, and the expectation names the metric by the secret's name.
    for leak in ["local-secret-change-me", "actsim-local-m2m"] {
        assert!(!text.contains(leak), "{leak} leaked:\n{text}");
    }
    assert!(text.contains("tokens_issued.clientID >= 1"), "{text}");
    assert!(!text.contains("tokens_issued.[secret:"), "{text}");
    let json = run("s.env", true);
    for leak in ["local-secret-change-me", "actsim-local-m2m"] {
        assert!(!json.contains(leak), "{leak} leaked:\n{json}");
    }
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["tenant_domain"], "tenant.actsim.test", "{json}");
    assert_eq!(doc["metrics"]["tokens_issued.clientID"], 2.0, "{json}");
    assert_eq!(
        doc["expectations"][0]["expectation"]["metric"], "tokens_issued.clientID",
        "{json}"
    );
    assert!(
        json.contains("https://tenant.actsim.test/api/v2/"),
        "{json}"
    );
    // The same marks in a JSON secrets file.
    std::fs::write(
        d.join("s.json"),
        r#"{"$public": ["domain"], "domain": "tenant.actsim.test", "clientID": "actsim-local-m2m", "clientSecret": "local-secret-change-me"}"#,
    )
    .unwrap();
    let text = run("s.json", false);
    assert!(
        text.contains("https://tenant.actsim.test/oauth/token"),
        "{text}"
    );
    assert!(!text.contains("local-secret-change-me"), "{text}");
    // Without the mark, the domain is redacted like any secret.
    std::fs::write(
        d.join("s.env"),
        "domain=tenant.actsim.test\nclientID=actsim-local-m2m\nclientSecret=local-secret-change-me\n",
    )
    .unwrap();
    let text = run("s.env", false);
    assert!(
        text.contains("https://[secret:domain]/oauth/token"),
        "{text}"
    );
    assert!(!text.contains("tenant.actsim.test"), "{text}");
}

#[test]
fn errors_never_quote_secret_values() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A bad line beside a secret in a secrets file.
    std::fs::write(
        d.join("bad.env"),
        "clientSecret=hunter2-neighbour\nnot a pair\n",
    )
    .unwrap();
    check(
        "secrets file neighbour",
        actsim_in(d, &["run", &action(), "--secrets", "bad.env"]),
        &Expect {
            code: 2,
            contains: &["bad.env", "expected NAME=value"],
            absent: &["hunter2"],
        },
    );
    // A JSON secrets file with a non-string value beside a secret.
    std::fs::write(
        d.join("bad.json"),
        "{\"a\": \"hunter2-json-value\",\n \"b\": 1}",
    )
    .unwrap();
    check(
        "json secrets neighbour",
        actsim_in(d, &["run", &action(), "--secrets", "bad.json"]),
        &Expect {
            code: 2,
            contains: &["must be a string"],
            absent: &["hunter2"],
        },
    );
    // Inline secrets in a scenario with an error on the next line.
    std::fs::write(
        d.join("inline.toml"),
        format!(
            "name = \"x\"\nduration = \"1h\"\n[[actions]]\nfile = {:?}\nsecrets = {{ clientSecret = \"hunter2-inline\" }}\nbogus = 1\n[traffic]\nrate = \"1/min\"\n",
            action()
        ),
    )
    .unwrap();
    check(
        "inline secrets neighbour",
        actsim_in(d, &["simulate", "inline.toml"]),
        &Expect {
            code: 2,
            contains: &["inline.toml", "bogus"],
            absent: &["hunter2"],
        },
    );
    // The same inside an [actions.secrets] table, with a range error below it.
    std::fs::write(
        d.join("table.toml"),
        format!(
            "name = \"x\"\nduration = \"1h\"\n[[actions]]\nfile = {:?}\n[actions.secrets]\nclientSecret = \"hunter2-table\"\n[traffic]\nrate = \"1e30/s\"\n",
            action()
        ),
    )
    .unwrap();
    check(
        "table secrets neighbour",
        actsim_in(d, &["simulate", "table.toml"]),
        &Expect {
            code: 2,
            contains: &["above 1000/s"],
            absent: &["hunter2"],
        },
    );
}

/// A request whose `content-length` promises more than its body: over the HTTP transport it gets
/// the same answer as in process, at once (the client frames the body it sends).
#[test]
fn a_lying_content_length_is_answered_alike_over_http_and_in_process() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("cl.js"),
        r#"exports.onExecutePostLogin = async (event, api) => {
  const s = event.secrets;
  const r = await fetch('https://' + s.domain + '/oauth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': '99999' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: s.clientID,
      client_secret: s.clientSecret, audience: 'https://' + s.domain + '/api/v2/' }),
  });
  console.log('status ' + r.status);
};
"#,
    )
    .unwrap();
    let secrets = repo_root().join("fixtures/secrets/local-tenant.env");
    std::fs::write(
        d.join("cl.toml"),
        format!(
            "name = \"cl\"\nduration = \"3m\"\n[[actions]]\nfile = \"cl.js\"\nsecrets_file = {:?}\n[traffic]\narrivals = \"fixed\"\nrate = \"1/min\"\nusers = 1\n",
            secrets.canonicalize().unwrap().display().to_string()
        ),
    )
    .unwrap();
    let mut traces = Vec::new();
    for transport in ["in-process", "http"] {
        let trace = format!("{transport}.jsonl");
        let (code, text) = actsim_in(
            d,
            &[
                "simulate",
                "cl.toml",
                "--transport",
                transport,
                "--trace",
                &trace,
            ],
        );
        assert_eq!(code, 0, "{transport}: {text}");
        traces.push(std::fs::read_to_string(d.join(&trace)).unwrap());
    }
    assert!(traces[0].contains("status 200"), "{}", traces[0]);
    assert_eq!(traces[0], traces[1]);
}
