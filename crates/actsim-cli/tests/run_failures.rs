//! `actsim run` when things go wrong: broken actions give one clear error with file:line and
//! exit 1 without a panic; bad inputs give a diagnostic naming the file and exit 2.

use crate::common;
use common::*;

/// Runs a broken fixture action and checks the shared expectations: exit 1, no panic, and the
/// text the output must contain.
fn broken(action: &str, extra: &[&str], expected: &[&str]) -> String {
    let mut args = vec!["run", action];
    args.extend_from_slice(extra);
    let out = actsim(&args);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}\n{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    for needle in expected {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    text
}

#[test]
fn a_syntax_error_names_file_line_and_column() {
    let text = broken(
        "fixtures/actions/syntax-error.js",
        &[],
        &[
            "failed (syntax error)",
            "SyntaxError",
            "at fixtures/actions/syntax-error.js:4:29",
            "4 |     email: event.user.email,,",
        ],
    );
    assert_eq!(
        text.matches("✗ failed").count(),
        1,
        "one error, not a cascade"
    );
}

#[test]
fn a_missing_handler_says_what_to_export() {
    broken(
        "fixtures/actions/missing-handler.js",
        &[],
        &[
            "failed (missing handler)",
            "does not export \"onExecutePostLogin\"",
        ],
    );
}

#[test]
fn a_non_async_handler_gets_productions_message() {
    broken(
        "fixtures/actions/not-async.js",
        &[],
        &["Invalid function signature for the \"onExecutePostLogin\" handler. Use \"exports.onExecutePostLogin = async function(event, api) { }\" as the signature."],
    );
}

#[test]
fn an_endless_loop_is_stopped_at_the_cpu_budget() {
    broken(
        "fixtures/actions/endless-loop.js",
        &["--cpu-budget", "200ms"],
        &[
            "failed (CPU budget exceeded)",
            "CPU budget of 200 ms",
            "fixtures/actions/endless-loop.js:",
        ],
    );
}

#[test]
fn a_gigabyte_allocation_hits_the_memory_limit() {
    broken(
        "fixtures/actions/huge-allocation.js",
        &[],
        &[
            "failed (out of memory)",
            "--memory-limit",
            "fixtures/actions/huge-allocation.js:5",
        ],
    );
}

#[test]
fn an_unhandled_rejection_fails_the_execution() {
    broken(
        "fixtures/actions/unhandled-rejection.js",
        &[],
        &[
            "failed (unhandled rejection)",
            "audit service unavailable",
            "fixtures/actions/unhandled-rejection.js:3",
        ],
    );
}

#[test]
fn a_top_level_throw_fails_every_execution() {
    let text = broken(
        "fixtures/actions/top-level-throw.js",
        &["--times", "2"],
        &["module code threw"],
    );
    assert_eq!(text.matches("failed (module code threw)").count(), 2);
}

#[test]
fn an_undeclared_host_is_a_network_error_naming_it() {
    broken(
        "fixtures/actions/external-call.js",
        &[],
        &["network error", "risk.example.com", "fetch failed"],
    );
}

#[test]
fn secret_values_never_appear_in_the_output() {
    for json in [false, true] {
        let mut args = vec!["run", "fixtures/actions/logs-secret.js"];
        if json {
            args.push("--json");
        }
        let out = actsim(&args);
        let text = stdout(&out);
        assert!(!text.contains("local-secret-change-me"), "{text}");
        assert!(text.contains("[secret:clientSecret]"), "{text}");
    }
}

#[test]
fn an_unset_secret_that_the_action_reads_is_reported() {
    let (_dir, secrets) = temp_file(
        "partial.env",
        "domain=tenant.actsim.test\nclientID=actsim-local-m2m\n",
    );
    let out = actsim(&["run", "actions/article-esm.js", "--secrets", &secrets]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text.contains("event.secrets.clientSecret, which is not set"),
        "{text}"
    );
}

/// Every api.cache error code, produced by a JS action and shown in the output.
#[test]
fn every_cache_error_code_is_shown() {
    let out = actsim(&["run", "fixtures/actions/cache-errors.js"]);
    let text = stdout(&out);
    for code in [
        "CacheKeySizeExceeded",
        "CacheValueSizeExceeded",
        "ItemAlreadyExpired",
        "InvalidExpiry",
        "CacheKeyDoesNotExist",
        "CacheSizeExceeded",
    ] {
        assert!(
            text.contains(&format!("error {code} (")),
            "{code} missing:\n{text}"
        );
    }
    let (_d, faults) = temp_file(
        "faults.json",
        r#"{"request": {"query": {"step": "faults"}}}"#,
    );
    let out = actsim(&[
        "run",
        "fixtures/actions/cache-errors.js",
        "--event",
        &faults,
        "--cache-entry",
        "a=1",
        "--cache-option",
        "fail_next_writes=2",
    ]);
    let text = stdout(&out);
    assert!(text.contains("error FailedToSetCacheRecord ("), "{text}");
    assert!(text.contains("error FailedToDeleteCacheRecord ("), "{text}");
    assert!(text.contains("[log] a is still cached: yes"), "{text}");
    let (_d2, cap) = temp_file("cap.json", r#"{"request": {"query": {"step": "cap"}}}"#);
    let out = actsim(&[
        "run",
        "fixtures/actions/cache-errors.js",
        "--event",
        &cap,
        "--cache-option",
        "max_writes_per_execution=2",
    ]);
    let text = stdout(&out);
    assert!(text.contains("[log] write 1: success"), "{text}");
    assert!(
        text.contains("[log] write 2: error MaxSideEffectsExceeded"),
        "{text}"
    );
    assert!(text.contains("error MaxSideEffectsExceeded ("), "{text}");
}

#[test]
fn a_missing_action_file_is_a_usage_error() {
    let out = actsim(&["run", "actions/does-not-exist.js"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read actions/does-not-exist.js"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_broken_event_file_points_at_the_line() {
    let (_dir, event) = temp_file(
        "bad-event.json",
        "{\n  \"user\": {\"email\": \"a@b.c\",}\n}\n",
    );
    let out = actsim(&["run", "actions/article-esm.js", "--event", &event]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("bad-event.json:2:"), "{err}");
    assert!(err.contains("is not valid JSON"), "{err}");
}

#[test]
fn a_broken_secrets_file_points_at_the_line() {
    let (_dir, secrets) = temp_file(
        "bad.env",
        "domain=tenant.actsim.test\nthis line has no equals sign\n",
    );
    let out = actsim(&["run", "actions/article-esm.js", "--secrets", &secrets]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("bad.env:2:1"), "{err}");
    assert!(err.contains("expected NAME=value"), "{err}");
}

#[test]
fn a_broken_tenant_file_points_at_the_line() {
    let (_dir, tenant) = temp_file(
        "tenant.toml",
        "domain = \"t.test\"\nclients = []\ncolour = \"blue\"\n",
    );
    let out = actsim(&["run", "actions/article-esm.js", "--tenant", &tenant]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("tenant.toml:3:1"), "{err}");
    assert!(err.contains("colour"), "{err}");
}

#[test]
fn bad_flag_values_are_explained() {
    for (args, needle) in [
        (vec!["--advance", "5 minutes"], "--advance"),
        (vec!["--now", "yesterday"], "RFC 3339"),
        (vec!["--cache-option", "max_entries=many"], "whole number"),
        (vec!["--cache-option", "colour=blue"], "unknown option name"),
    ] {
        let mut all = vec!["run", "actions/article-esm.js"];
        all.extend(args);
        let out = actsim(&all);
        assert_eq!(out.status.code(), Some(2), "{all:?}");
        assert!(stderr(&out).contains(needle), "{all:?}: {}", stderr(&out));
    }
}

#[test]
fn help_teaches_with_examples() {
    let out = actsim(&["run", "--help"]);
    let text = stdout(&out);
    assert!(
        text.contains("Examples (from the repository root)"),
        "{text}"
    );
    assert!(text.contains("--resume-on"), "{text}");
    assert!(text.contains("MaxSideEffectsExceeded"), "{text}");
}

#[test]
fn the_documented_huge_allocation_at_32_mib_is_out_of_memory_and_runs_cold_again() {
    let text = broken(
        "fixtures/actions/huge-allocation.js",
        &["--memory-limit", "32", "--times", "2"],
        &["failed (out of memory)", "--memory-limit"],
    );
    assert_eq!(text.matches("failed (out of memory)").count(), 2, "{text}");
    assert!(!text.contains("non-Error value thrown"), "{text}");
    // The broken runtime is replaced: the second execution runs on a fresh one.
    assert_eq!(text.matches("(cold: module code ran)").count(), 2, "{text}");
}

#[test]
fn a_loop_of_megabyte_claims_stops_at_the_host_data_limit() {
    let text = broken(
        "fixtures/actions/huge-claims.js",
        &["--host-limit", "4"],
        &[
            "failed (host data limit exceeded)",
            "4194304 bytes",
            "--host-limit",
        ],
    );
    // What was recorded before the limit is shown, and nothing more: under the 4 MiB limit.
    assert!(
        text.len() < 4 << 20,
        "the output stays bounded: {}",
        text.len()
    );
}
