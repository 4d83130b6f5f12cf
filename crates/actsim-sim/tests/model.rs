//! The simulation model, scenario by scenario: instance lifecycle (kills, recycling, scale-out),
//! flows of several actions across a redirect, the 20 s budget, credentials-exchange traffic,
//! cache options (eviction, failed writes), and declared HTTP mocks.

use crate::common;
use actsim_sim::parse_scenario;
use common::*;

/// A scenario written inline, as if it were in tests/scenarios/ (paths are relative to it).
fn inline(text: &str) -> actsim_sim::Scenario {
    parse_scenario(&path("tests/scenarios/inline.toml"), text).unwrap_or_else(|e| panic!("{e}"))
}

fn console(trace: &[u8]) -> Vec<(u64, String)> {
    events(trace)
        .into_iter()
        .filter(|e| e["ev"] == "console")
        .map(|e| {
            (
                e["login"].as_u64().unwrap(),
                e["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const TTL_ACTION: &str = r#"
[[actions]]
file = "../../../../actions/cache-with-ttl.js"
secrets_file = "../../../../fixtures/secrets/local-tenant.env"
"#;

/// One instance, logins every minute for 2 h, the instance killed at 1 h: a replacement comes up
/// with an empty cache, so a second token is fetched.
#[test]
fn a_scripted_kill_replaces_the_instance_and_its_cache() {
    let sc = inline(&format!(
        "duration = \"2h\"\n{TTL_ACTION}\n[instances]\ncount = 1\ncold_start = \"0ms\"\n[[instances.kill]]\nat = \"1h\"\ninstance = 1\n\n[traffic]\narrivals = \"fixed\"\nrate = \"1/min\"\n"
    ));
    let (report, trace) = run(&sc, None);
    assert_eq!(metric(&report, "instances.killed"), 1.0);
    assert_eq!(metric(&report, "instances.created"), 2.0);
    assert_eq!(metric(&report, "tokens_issued"), 2.0);
    assert_eq!(metric(&report, "instance.2.tokens_issued"), 1.0);
    let down = events(&trace)
        .into_iter()
        .find(|e| e["ev"] == "instance_down")
        .unwrap();
    assert_eq!(down["reason"], "killed");
    assert_eq!(down["t"].as_i64().unwrap() - sc.start_ms, 3_600_000);
}

/// One instance, logins every minute for 1 h, the cached token evicted by a scripted
/// `[[cache.evict]]` at 30m30s (between two logins): the next login misses and fetches a second
/// token. An eviction of another key, of a stopped instance's store or before anything is cached
/// does nothing; the same scenario replays byte for byte.
#[test]
fn a_scripted_eviction_drops_the_record_at_its_time() {
    let evict = |extra: &str| {
        inline(&format!(
            "duration = \"1h\"\n{TTL_ACTION}\n[instances]\ncount = 1\ncold_start = \"0ms\"\n\n[[cache.evict]]\nat = \"30m30s\"\ninstance = 1\nkey = \"mgmt-token\"\n{extra}\n[traffic]\narrivals = \"fixed\"\nrate = \"1/min\"\n"
        ))
    };
    let sc = evict("");
    let (report, trace) = run(&sc, None);
    assert_eq!(metric(&report, "cache.evictions"), 1.0);
    assert_eq!(metric(&report, "tokens_issued"), 2.0);
    let evicted: Vec<_> = events(&trace)
        .into_iter()
        .filter(|e| e["ev"] == "evicted")
        .collect();
    assert_eq!(evicted.len(), 1);
    assert_eq!(evicted[0]["key"], "mgmt-token");
    assert_eq!(evicted[0]["instance"], 1);
    assert_eq!(evicted[0]["t"].as_i64().unwrap() - sc.start_ms, 1_830_000);
    let (_, again) = run(&sc, None);
    assert_eq!(trace, again, "a scripted eviction replays byte for byte");

    // Not live, another instance, another key: nothing is dropped. No key: every record.
    let none = "[[cache.evict]]\nat = \"0ms\"\ninstance = 1\n[[cache.evict]]\nat = \"40m\"\ninstance = 2\n[[cache.evict]]\nat = \"45m\"\ninstance = 1\nkey = \"other\"\n";
    let (report, _) = run(&evict(none), None);
    assert_eq!(metric(&report, "cache.evictions"), 1.0);
    assert_eq!(metric(&report, "tokens_issued"), 2.0);
    let all = "[[cache.evict]]\nat = \"50m30s\"\ninstance = 1\n";
    let (report, _) = run(&evict(all), None);
    assert_eq!(metric(&report, "cache.evictions"), 2.0);
    assert_eq!(metric(&report, "tokens_issued"), 3.0);
}

/// Instances recycled every 30 minutes over 2 h: the instance serving logins changes at 30, 60
/// and 90 minutes, so four lifetimes serve logins and each fetches its own token (the one that
/// comes up at 2 h, when the fourth is recycled, serves none).
#[test]
fn recycling_by_age_drops_cache_and_module_state() {
    let sc = inline(&format!(
        "duration = \"2h\"\n{TTL_ACTION}\n[instances]\ncount = 1\ncold_start = \"0ms\"\nmax_age = \"30m\"\n\n[traffic]\narrivals = \"fixed\"\nrate = \"1/min\"\n"
    ));
    let (report, _) = run(&sc, None);
    assert_eq!(
        metric(&report, "instances.recycled"),
        4.0,
        "{:?}",
        report.metrics
    );
    assert_eq!(metric(&report, "tokens_issued"), 4.0);
    assert_eq!(metric(&report, "instance.4.tokens_issued"), 1.0);
    assert_eq!(metric(&report, "errors"), 0.0);
}

/// A burst of 20 slow logins on min 1 / max 4 instances scales out to 4.
#[test]
fn a_burst_scales_out_up_to_max() {
    let sc = inline(
        "duration = \"1m\"\n[[actions]]\nfile = \"../../../../fixtures/actions/variable-work.js\"\n\n[instances]\nmin = 1\nmax = 4\nscale_out_at = 2\ncold_start = \"0ms\"\n\n[traffic]\narrivals = \"bursts\"\nburst_size = 20\nburst_every = \"10m\"\n",
    );
    let (report, _) = run(&sc, None);
    assert_eq!(metric(&report, "instances.created"), 4.0);
    assert_eq!(metric(&report, "logins.completed"), 20.0);
}

/// Two actions bound in order; the first redirects. Per login: first.onExecutePostLogin,
/// first.onContinuePostLogin, then second.onExecutePostLogin, and the first action's execute
/// handler does not run again after the resume.
#[test]
fn a_flow_of_two_actions_continues_with_the_remaining_action() {
    let sc = inline(
        "duration = \"3m\"\n[[actions]]\nfile = \"../../../../fixtures/actions/sim/first-redirects.js\"\n[[actions]]\nfile = \"../../../../fixtures/actions/sim/second.js\"\n\n[instances]\ncount = 1\ncold_start = \"0ms\"\n\n[traffic]\narrivals = \"fixed\"\nrate = \"1/min\"\n[traffic.redirect]\nreturn_after = \"10s\"\n",
    );
    let (report, trace) = run(&sc, None);
    assert_eq!(metric(&report, "logins.completed"), 3.0);
    assert_eq!(metric(&report, "executions"), 9.0);
    let login1: Vec<String> = console(&trace)
        .into_iter()
        .filter(|(l, _)| *l == 1)
        .map(|(_, t)| t)
        .collect();
    assert_eq!(
        login1,
        vec![
            "first: execute #1",
            "first: continue with state actsim-state-1-1",
            "second: execute"
        ]
    );
    let starts: Vec<String> = events(&trace)
        .into_iter()
        .filter(|e| e["ev"] == "exec_start" && e["login"] == 1)
        .map(|e| {
            format!(
                "{}.{}",
                e["action"].as_str().unwrap(),
                e["handler"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        starts,
        vec![
            "first-redirects.onExecutePostLogin",
            "first-redirects.onContinuePostLogin",
            "second.onExecutePostLogin"
        ]
    );
}

/// An execution that waits 25 s is aborted at the 20 s budget.
#[test]
fn the_twenty_second_budget_aborts_an_execution() {
    let sc = inline(
        "duration = \"2m\"\n[[actions]]\nfile = \"../../../../fixtures/actions/sim/slow.js\"\n\n[instances]\ncount = 1\ncold_start = \"0ms\"\n\n[traffic]\narrivals = \"fixed\"\nrate = \"1/min\"\n",
    );
    let (report, trace) = run(&sc, None);
    assert_eq!(metric(&report, "errors.aborted"), 2.0);
    assert_eq!(metric(&report, "logins.failed"), 2.0);
    let end = events(&trace)
        .into_iter()
        .find(|e| e["ev"] == "exec_end")
        .unwrap();
    assert_eq!(end["t"].as_i64().unwrap() - sc.start_ms, 20_000);
    assert!(end["message"].as_str().unwrap().contains("20 s"), "{end}");
}

/// credentials-exchange traffic runs its handler and shares the instance's cache.
#[test]
fn credentials_exchange_traffic_runs() {
    let sc = inline(
        "duration = \"5m\"\n[[actions]]\nfile = \"../../../../fixtures/actions/sim/credentials-count.js\"\ntrigger = \"credentials-exchange\"\n\n[instances]\ncount = 1\ncold_start = \"0ms\"\n\n[traffic]\narrivals = \"fixed\"\nrate = \"1/min\"\n",
    );
    let (report, trace) = run(&sc, None);
    assert_eq!(metric(&report, "executions"), 5.0);
    assert_eq!(
        metric(&report, "cache.hits.onExecuteCredentialsExchange"),
        4.0
    );
    let handlers: Vec<String> = events(&trace)
        .into_iter()
        .filter(|e| e["ev"] == "exec_start")
        .map(|e| e["handler"].as_str().unwrap().to_string())
        .collect();
    assert!(handlers.iter().all(|h| h == "onExecuteCredentialsExchange"));
}

/// With keep_failed_writes = false the marker written by the failing first execution is rolled
/// back, so the second login finds it absent; with the default it is present.
#[test]
fn writes_of_a_failed_execution_can_be_rolled_back() {
    let text = |keep: &str| {
        format!("duration = \"2m\"\n[[actions]]\nfile = \"../../../../fixtures/actions/sim/set-then-throw.js\"\n\n[instances]\ncount = 1\ncold_start = \"0ms\"\n\n[cache]\nkeep_failed_writes = {keep}\n\n[traffic]\narrivals = \"fixed\"\nrate = \"1/min\"\n")
    };
    let second_sees = |keep: &str| {
        let (_, trace) = run(&inline(&text(keep)), None);
        console(&trace)
            .into_iter()
            .find(|(l, _)| *l == 2)
            .unwrap()
            .1
    };
    assert_eq!(second_sees("true"), "marker present");
    assert_eq!(second_sees("false"), "marker absent");
}

/// The rollback finds a record stored under a key holding a lone surrogate: the store keeps the
/// key as the action wrote it, the key the report records.
#[test]
fn writes_under_a_lone_surrogate_key_of_a_failed_execution_are_rolled_back_too() {
    let text = |keep: &str| {
        format!("duration = \"2m\"\n[[actions]]\nfile = \"../../../../fixtures/actions/sim/set-lone-surrogate-then-throw.js\"\n\n[instances]\ncount = 1\ncold_start = \"0ms\"\n\n[cache]\nkeep_failed_writes = {keep}\n\n[traffic]\narrivals = \"fixed\"\nrate = \"1/min\"\n")
    };
    let second_sees = |keep: &str| {
        let (_, trace) = run(&inline(&text(keep)), None);
        let trace = String::from_utf8(trace).unwrap();
        // The trace writes the key as Node's JSON.stringify does; serde_json refuses a lone
        // surrogate escape, so the console lines are read with it replaced.
        assert!(trace.contains(r#""marker\ud83d""#), "{trace}");
        console(trace.replace(r"\ud83d", r"\ufffd").as_bytes())
            .into_iter()
            .find(|(l, _)| *l == 2)
            .unwrap()
            .1
    };
    assert_eq!(second_sees("true"), "marker present");
    assert_eq!(second_sees("false"), "marker absent");
}

/// Eviction pressure drops live records before executions read them: more misses and tokens.
#[test]
fn eviction_pressure_causes_extra_misses() {
    let base = format!("duration = \"1h\"\n{TTL_ACTION}\n[instances]\ncount = 1\ncold_start = \"0ms\"\n\n[traffic]\narrivals = \"fixed\"\nrate = \"1/min\"\n");
    let (calm, _) = run(&inline(&base), None);
    let (pressed, trace) = run(
        &inline(&base.replace("[traffic]", "[cache]\neviction = 0.3\n\n[traffic]")),
        None,
    );
    assert_eq!(metric(&calm, "tokens_issued"), 1.0);
    assert!(
        metric(&pressed, "cache.evictions") >= 5.0,
        "{:?}",
        pressed.metrics
    );
    assert_eq!(
        metric(&pressed, "tokens_issued"),
        1.0 + metric(&pressed, "cache.evictions")
    );
    assert!(events(&trace).iter().any(|e| e["ev"] == "evicted"));
}

/// A declared mock answers with its sequence after failing its first requests; an undeclared
/// host is a network error that names it and says how to declare it.
#[test]
fn declared_mocks_answer_and_undeclared_hosts_fail_clearly() {
    let base = "duration = \"4m\"\n[[actions]]\nfile = \"../../../../fixtures/actions/sim/calls-risk.js\"\n\n[instances]\ncount = 1\ncold_start = \"0ms\"\n\n[traffic]\narrivals = \"fixed\"\nrate = \"1/min\"\n";
    let with_mock = format!(
        "{base}\n[[mocks]]\nhost = \"risk.example.com\"\nmethod = \"GET\"\npath = \"/score\"\nfail_first = 1\nfail_status = 503\nlatency = \"80ms\"\n[[mocks.sequence]]\nstatus = 200\njson = {{ score = 1 }}\n[[mocks.sequence]]\nstatus = 200\nbody = '{{\"score\":2}}'\n"
    );
    let (report, trace) = run(&inline(&with_mock), None);
    let texts: Vec<String> = console(&trace).into_iter().map(|(_, t)| t).collect();
    assert_eq!(texts[0], "risk 503 {\"error\":\"injected failure 1 of 1\"}");
    assert_eq!(texts[1], "risk 200 {\"score\":1}");
    assert_eq!(texts[2], "risk 200 {\"score\":2}");
    assert_eq!(
        texts[3], "risk 200 {\"score\":2}",
        "the last response repeats"
    );
    assert_eq!(metric(&report, "http.mock:risk.example.com.200"), 3.0);
    let http = events(&trace)
        .into_iter()
        .find(|e| e["ev"] == "http")
        .unwrap();
    assert_eq!(http["latency_ms"], 80);
    let (report, trace) = run(&inline(base), None);
    let first = console(&trace).remove(0).1;
    assert!(
        first.contains("risk.example.com") && first.contains("[[mocks]]"),
        "{first}"
    );
    assert_eq!(metric(&report, "http.errors"), 4.0);
}

/// Executions started on a fresh runtime (`cold` in the trace).
fn cold_starts_in_trace(trace: &[u8]) -> usize {
    events(trace)
        .into_iter()
        .filter(|e| e["ev"] == "exec_start" && e["cold"] == true)
        .count()
}

/// A runtime broken by work left running after the handler returned is replaced: every
/// login then runs cold, and the metric counts those cold starts as the trace shows them.
#[test]
fn a_runtime_spent_after_return_is_replaced_and_its_cold_starts_counted() {
    let sc = inline(
        "duration = \"4m\"\n[[actions]]\nfile = \"../../../../fixtures/actions/sim/spin-after-return.js\"\n\n[instances]\ncount = 1\ncold_start = \"0ms\"\n\n[traffic]\narrivals = \"fixed\"\nrate = \"1/min\"\n",
    );
    let options = actsim_sim::RunOptions {
        cpu_budget: Some(std::time::Duration::from_millis(100)),
        ..actsim_sim::RunOptions::default()
    };
    let (report, trace) = run_with(&sc, &options);
    let logins = metric(&report, "logins");
    assert!(logins >= 4.0, "{logins}");
    assert_eq!(metric(&report, "errors.cpu_budget_exceeded"), logins);
    assert_eq!(
        metric(&report, "instances.cold_starts"),
        cold_starts_in_trace(&trace) as f64
    );
    assert_eq!(metric(&report, "instances.cold_starts"), logins);
}

/// Out of memory at `[limits] memory_mib = 32` (the documented huge-allocation example): named
/// as such, the runtime replaced, and the cold starts counted.
#[test]
fn out_of_memory_under_scenario_limits_is_named_and_the_runtime_replaced() {
    let sc = inline(
        "duration = \"3m\"\n[[actions]]\nfile = \"../../../../fixtures/actions/huge-allocation.js\"\n\n[instances]\ncount = 1\ncold_start = \"0ms\"\n\n[limits]\nmemory_mib = 32\n\n[traffic]\narrivals = \"fixed\"\nrate = \"1/min\"\n",
    );
    let (report, trace) = run(&sc, None);
    let logins = metric(&report, "logins");
    assert_eq!(metric(&report, "errors.out_of_memory"), logins);
    assert_eq!(metric(&report, "errors.thrown"), 0.0);
    assert_eq!(
        metric(&report, "instances.cold_starts"),
        cold_starts_in_trace(&trace) as f64
    );
    assert_eq!(metric(&report, "instances.cold_starts"), logins);
}

/// `[limits] host_mib` is range-checked, the error naming the field.
#[test]
fn the_host_limit_of_a_scenario_is_range_checked() {
    let text = "duration = \"2m\"\n[[actions]]\nfile = \"../../../../fixtures/actions/sim/spin-after-return.js\"\n\n[limits]\nhost_mib = 0\n\n[traffic]\narrivals = \"fixed\"\nrate = \"1/min\"\n";
    let Err(e) = actsim_sim::parse_scenario(&path("tests/scenarios/inline.toml"), text) else {
        panic!("host_mib = 0 is refused");
    };
    let shown = e.to_string();
    assert!(shown.contains("limits.host_mib"), "{shown}");
}
