//! `actsim run` with HTTP mocks: a CRM-style action (fixtures/actions/crm-enrich*.js) against
//! fixtures/mocks/crm.toml. One driver: the same action, event and mocks give the same
//! commands, cache operations and HTTP exchanges through `run` and a one-instance scenario.
//! Token warnings watch a mock declared a token endpoint; expectations check what actions did.

use crate::common;
use common::*;
use serde_json::{json, Value};

const CRM: &str = "fixtures/actions/crm-enrich.js";
const CRM_SECONDS: &str = "fixtures/actions/crm-enrich-seconds.js";
const MOCKS: &str = "fixtures/mocks/crm.toml";
const SECRETS: &str = "fixtures/secrets/crm.env";

fn crm_run(action: &str, extra: &[&str]) -> (Value, i32) {
    let mut args = vec![action, "--mocks", MOCKS, "--secrets", SECRETS];
    args.extend_from_slice(extra);
    run_json(&args)
}

fn warnings_of(doc: &Value, kind: &str) -> usize {
    doc["executions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["warnings"].as_array().unwrap())
        .filter(|w| w["kind"] == kind)
        .count()
}

/// `(t, method, url, status)` of every request, `(t, op, key, result)` of every cache
/// operation and `(name, args)` of every command, from `run --json`.
fn from_run(doc: &Value) -> (Vec<Value>, Vec<Value>, Vec<Value>) {
    let (mut http, mut cache, mut commands) = (vec![], vec![], vec![]);
    for e in doc["executions"].as_array().unwrap() {
        for h in e["http"].as_array().unwrap() {
            http.push(json!([h["at_ms"], h["method"], h["url"], h["status"]]));
        }
        for c in e["cache_ops"].as_array().unwrap() {
            cache.push(json!([c["at_ms"], c["op"], c["key"], c["result"]]));
        }
        for c in e["commands"].as_array().unwrap() {
            commands.push(json!([c["name"], c["args"]]));
        }
    }
    (http, cache, commands)
}

/// The same from a simulation's JSON Lines trace.
fn from_trace(trace: &str) -> (Vec<Value>, Vec<Value>, Vec<Value>) {
    let (mut http, mut cache, mut commands) = (vec![], vec![], vec![]);
    for line in trace.lines() {
        let e: Value = serde_json::from_str(line).unwrap();
        match e["ev"].as_str().unwrap() {
            "http" => http.push(json!([e["t"], e["method"], e["url"], e["status"]])),
            "cache" => cache.push(json!([e["t"], e["op"], e["key"], e["result"]])),
            "command" => commands.push(json!([e["name"], e["args"]])),
            _ => {}
        }
    }
    (http, cache, commands)
}

#[test]
fn run_and_a_one_instance_scenario_do_the_same_things() {
    let dir = tempfile::tempdir().unwrap();
    let trace_path = dir.path().join("trace.jsonl");
    let out = actsim(&[
        "simulate",
        "crates/actsim-cli/tests/run-twin/crm-one-instance.toml",
        "--trace",
        trace_path.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let sim = from_trace(&std::fs::read_to_string(&trace_path).unwrap());
    // The scenario's logins start 10 minutes apart; run starts each one --advance after the
    // previous one ended: login 1 takes 100 ms (token + lookup), login 2 50 ms (cache hit).
    let (doc, code) = crm_run(
        CRM,
        &[
            "--event",
            "crates/actsim-cli/tests/run-twin/crm-event.json",
            "--now",
            "2026-01-01T09:00:00Z",
            "--times",
            "3",
            "--advance",
            "599900ms,599950ms",
        ],
    );
    assert_eq!(code, 0, "{doc:#}");
    let run = from_run(&doc);
    assert_eq!(
        run.0.len(),
        4,
        "one token request and three lookups: {:#?}",
        run.0
    );
    assert_eq!(run.1.len(), 4, "miss+set, hit, hit: {:#?}", run.1);
    assert_eq!(run.2.len(), 3);
    assert_eq!(run, sim, "run and simulate drifted apart");
    assert_eq!(doc["metrics"]["tokens_issued.crm-token"], 1.0);
}

#[test]
fn a_token_cached_in_seconds_is_warned_about_and_in_milliseconds_it_is_not() {
    let args = ["--times", "3", "--advance", "10m"];
    let (seconds, code) = crm_run(CRM_SECONDS, &args);
    assert_eq!(code, 0);
    assert_eq!(warnings_of(&seconds, "ttl_in_seconds"), 3, "one per set");
    assert_eq!(
        seconds["summary"]["tokens_issued"], 3,
        "the 3.6-second record never survives to the next login"
    );
    assert_eq!(warnings_of(&seconds, "repeated_token_request"), 2);
    assert_eq!(seconds["metrics"]["cache.hit_ratio"], 0.0);

    let (millis, code) = crm_run(CRM, &args);
    assert_eq!(code, 0);
    assert_eq!(warnings_of(&millis, "ttl_in_seconds"), 0);
    assert_eq!(warnings_of(&millis, "repeated_token_request"), 0);
    assert_eq!(millis["summary"]["tokens_issued"], 1);
    assert_eq!(millis["metrics"]["tokens_issued.crm-token"], 1.0);
    assert_eq!(millis["metrics"]["token_requests"], 1.0);
    let tokens = millis["tokens_issued"].as_array().unwrap();
    assert_eq!(tokens[0]["client_id"], "crm-token");
    assert_eq!(
        tokens[0]["exp"].as_i64().unwrap() - tokens[0]["iat"].as_i64().unwrap(),
        3600
    );
}

#[test]
fn a_403_from_the_crm_denies_and_expectations_on_the_reason_pass_and_fail() {
    let forbidden = "GET https://crm.example.com/v1/customers/* 403 {\"error\":\"forbidden\"}";
    let user = "auth0|5f7c8ec7c33c6c004bbafe82"; // fixtures/events/post-login.json's user
    let every_login_denied = format!("user.{user}.denies.crm_forbidden == user.{user}.logins");
    let (doc, code) = crm_run(
        CRM,
        &[
            "--mock",
            forbidden,
            "--times",
            "2",
            "--expect",
            "denies.crm_forbidden == 2",
            "--expect",
            &every_login_denied,
            "--expect",
            "http.route.GET:crm.example.com/v1/customers/*.403 == 2",
            "--expect",
            "http.route.crm-customers.requests == 0",
            "--expect",
            "claims.idToken.https://example.com/tier == 0",
        ],
    );
    assert_eq!(code, 0, "{:#}", doc["expectations"]);
    let ex = doc["executions"].as_array().unwrap();
    assert!(ex.iter().all(|e| e["outcome"]["denied"] == true));
    assert_eq!(ex[0]["commands"][0]["args"][0], "crm_forbidden");
    assert!(doc["expectations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["passed"] == true));

    // Without the 403, the same expectations fail, and the run exits 1 saying which.
    let out = actsim(&[
        "run",
        CRM,
        "--mocks",
        MOCKS,
        "--secrets",
        SECRETS,
        "--expect",
        "denies.crm_forbidden == 1",
        "--expect",
        "claims.idToken.https://example.com/tier=gold == 1",
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("✗ denies.crm_forbidden == 1"), "{text}");
    assert!(
        text.contains("✓ claims.idToken.https://example.com/tier=gold == 1"),
        "{text}"
    );
}

#[test]
fn an_undeclared_host_names_the_host_the_mock_to_declare_and_the_line() {
    let out = actsim(&["run", CRM, "--secrets", SECRETS]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("getaddrinfo ENOTFOUND crm.example.com"),
        "{text}"
    );
    assert!(
        text.contains("--mock 'POST https://crm.example.com/oauth/token"),
        "{text}"
    );
    assert!(
        text.contains("[[mocks]] host = \"crm.example.com\""),
        "{text}"
    );
    assert!(
        text.contains("at fixtures/actions/crm-enrich.js:6:"),
        "{text}"
    );
    assert!(!text.contains("point the action's domain secret"), "{text}");
}

#[test]
fn several_actions_run_as_one_flow_labelled_by_trigger() {
    let (doc, code) = run_json(&[
        "actions/credentials-exchange-claims.js",
        "actions/credentials-exchange-claims.js",
        "--trigger",
        "credentials-exchange",
    ]);
    assert_eq!(code, 0, "{doc:#}");
    let ex = doc["executions"].as_array().unwrap();
    assert_eq!(ex.len(), 2, "both actions ran in the one flow");
    assert_eq!(ex[0]["label"], "credentials-exchange 1");
    assert_eq!(ex[1]["label"], "credentials-exchange 1");
    assert_eq!(doc["actions"].as_array().unwrap().len(), 2);
    assert_eq!(doc["metrics"]["logins"], 1.0);
}

#[test]
fn bad_mock_lines_and_mock_files_are_explained() {
    let out = actsim(&["run", CRM, "--mock", "GET https://x.example/ 200 {oops"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not JSON"), "{}", stderr(&out));
    let out = actsim(&["run", CRM, "--mocks", "fixtures/events/post-login.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("post-login.json"), "{}", stderr(&out));
}
