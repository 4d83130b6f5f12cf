//! Every trigger of the trigger table runs in a scenario: its actions are bound to it, its
//! traffic hits its execute handler, its metrics are labelled with that handler, and the same
//! scenario and seed replay byte for byte (another seed gives another trace).

use crate::common;
use common::*;

use actsim_sim::parse_scenario;

#[test]
fn a_scenario_of_every_trigger_replays_byte_for_byte() {
    // The action exports every trigger's handler (tests/scenarios/every-trigger.js).
    let file = path("tests/scenarios/every-trigger.toml");
    for info in actsim_js::TRIGGERS {
        let text = format!(
            "name = \"every trigger: {id}\"\nseed = 3\nduration = \"1m\"\n\n[[actions]]\nfile = \"every-trigger.js\"\ntrigger = \"{id}\"\n\n[instances]\ncount = 2\ncold_start = \"0ms\"\n\n[traffic]\narrivals = \"poisson\"\nrate = \"1/s\"\nusers = 4\n",
            id = info.id
        );
        let scenario = parse_scenario(&file, &text).unwrap_or_else(|e| panic!("{}: {e}", info.id));
        let (report, a) = run(&scenario, None);
        let (_, b) = run(&scenario, None);
        assert!(a == b, "{} is not deterministic", info.id);
        let (_, c) = run(&scenario, Some(4));
        assert!(a != c, "{}: another seed gave the same trace", info.id);
        assert!(metric(&report, "logins") > 10.0, "{}", info.id);
        let hits = metric(&report, &format!("cache.hits.{}", info.execute));
        let misses = metric(&report, &format!("cache.misses.{}", info.execute));
        assert!(
            hits > 0.0 && misses > 0.0,
            "{}: {hits} hits, {misses} misses",
            info.id
        );
        let text = String::from_utf8_lossy(&a);
        assert!(
            text.contains(info.execute),
            "{}: the trace names no handler",
            info.id
        );
    }
}

/// post-user-registration runs after the fact: a failed execution is reported
/// (`failures_reported`, by trigger) and the flow still completes; the actions after it do not
/// run. The same actions bound to a blocking trigger fail their flows.
#[test]
fn a_non_blocking_triggers_failures_are_reported_and_block_nothing() {
    let file = path("tests/scenarios/every-trigger.toml");
    // Both fixture actions export the handler of both registration triggers.
    let scenario = |trigger: &str| {
        let text = format!(
            "name = \"flaky signup webhook\"\nseed = 5\nduration = \"1m\"\n\n[[actions]]\nfile = \"signup-webhook-flaky.js\"\ntrigger = \"{trigger}\"\n\n[[actions]]\nfile = \"signup-audit.js\"\ntrigger = \"{trigger}\"\n\n[instances]\ncount = 1\n\n[traffic]\nrate = \"1/s\"\n"
        );
        parse_scenario(&file, &text).unwrap_or_else(|e| panic!("{e}"))
    };
    let (report, trace) = run(&scenario("post-user-registration"), None);
    let logins = metric(&report, "logins");
    let failures = metric(&report, "failures_reported");
    assert!(logins >= 50.0, "{logins}");
    // Every second registration fails (one instance, module state counts them).
    assert_eq!(failures, (logins / 2.0).floor(), "{logins} logins");
    assert_eq!(
        metric(&report, "failures_reported.post-user-registration"),
        failures
    );
    assert_eq!(metric(&report, "failures_reported.event-stream"), 0.0);
    assert_eq!(metric(&report, "errors.thrown"), failures);
    assert_eq!(metric(&report, "logins.failed"), 0.0);
    assert_eq!(metric(&report, "logins.completed"), logins);
    // The audit action ran for every registration whose webhook did not fail.
    assert_eq!(metric(&report, "executions"), logins + (logins - failures));
    let ends: Vec<String> = events(&trace)
        .iter()
        .filter(|e| e["ev"] == "login_end")
        .map(|e| e["result"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ends.len() as f64, logins);
    assert!(ends.iter().all(|r| r == "ok"), "{ends:?}");

    // The same actions in a blocking trigger: the failures fail the flows.
    let (report, _) = run(&scenario("pre-user-registration"), None);
    assert_eq!(metric(&report, "failures_reported"), 0.0);
    assert_eq!(
        metric(&report, "logins.failed"),
        (metric(&report, "logins") / 2.0).floor()
    );
}

/// After `api.prompt.render`, the continue handler gets `event.prompt`: the form's id, the
/// render's fields with the scenario's `prompt_fields` over them (any TOML type), its vars.
#[test]
fn the_continue_after_a_prompt_gets_the_scenarios_prompt_fields() {
    let file = path("tests/scenarios/every-trigger.toml");
    let text = "name = \"profile form\"\nseed = 2\nduration = \"1m\"\n\n[[actions]]\nfile = \"prompt-form.js\"\n\n[instances]\ncount = 2\n\n[traffic]\nrate = \"1/s\"\n\n[traffic.redirect]\nreturn_after = \"5s\"\nprompt_fields = { company = \"Acme\", newsletter = true }\n";
    let sc = parse_scenario(&file, text).unwrap_or_else(|e| panic!("{e}"));
    let (report, _) = run(&sc, None);
    let continues = metric(&report, "continues");
    assert!(continues > 10.0, "{continues}");
    assert_eq!(
        metric(&report, "claims.idToken.form=ap_profile:Acme:true:2"),
        continues
    );
    // Without prompt_fields the form comes back as it was pre-filled.
    let plain = text.replace(
        "prompt_fields = { company = \"Acme\", newsletter = true }\n",
        "",
    );
    let sc = parse_scenario(&file, &plain).unwrap();
    let (report, _) = run(&sc, None);
    assert_eq!(
        metric(
            &report,
            "claims.idToken.form=ap_profile:unknown:undefined:2"
        ),
        metric(&report, "continues")
    );
}
