//! `actsim run` with the triggers beyond post-login: the trigger is taken from the handler the
//! file names when `--trigger` is absent, every trigger's default event and api are there, and
//! a file naming handlers of several triggers is refused with the list.

use crate::common;
use common::*;

#[test]
fn run_picks_the_trigger_from_the_handler_the_file_exports() {
    let (doc, code) = run_json(&["actions/catalog/custom-phone-provider/allowed-countries.js"]);
    assert_eq!(code, 0);
    assert_eq!(doc["trigger"], "custom-phone-provider");
    let ex = &doc["executions"][0];
    assert_eq!(ex["handler"], "onExecuteCustomPhoneProvider");
    assert_eq!(ex["notification"], "drop");
    assert_eq!(ex["commands"][0]["name"], "notification.drop");
}

#[test]
fn every_trigger_runs_from_the_command_line_with_its_default_event() {
    for info in actsim_js::TRIGGERS {
        let source = format!(
            "exports.{} = async (event, api) => {{ console.log(typeof event, Object.keys(event).length > 0, typeof api.cache.get); }};\n",
            info.execute
        );
        let (_dir, path) = temp_file("action.js", &source);
        let (doc, code) = run_json(&[&path, "--trigger", info.id]);
        assert_eq!(code, 0, "{}: {doc}", info.id);
        let ex = &doc["executions"][0];
        assert_eq!(ex["handler"], info.execute);
        assert_eq!(
            ex["console"][0]["text"], "object true function",
            "{}",
            info.id
        );
    }
}

#[test]
fn a_file_with_handlers_of_several_triggers_needs_trigger() {
    let (_dir, path) = temp_file(
        "both.js",
        "exports.onExecutePostChallenge = async () => {};\nexports.onExecuteSendPhoneMessage = async () => {};\n",
    );
    let out = actsim(&["run", &path]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("onExecutePostChallenge")
            && err.contains("onExecuteSendPhoneMessage")
            && err.contains("--trigger"),
        "{err}"
    );
}

#[test]
fn actsim_test_runs_a_scenario_of_a_non_login_trigger() {
    let (dir, scenario) = temp_file(
        "phone.toml",
        "name = \"phone messages\"\nseed = 1\nduration = \"1m\"\nexpect = [\"errors == 0\", \"logins >= 30\"]\n\n[[actions]]\nfile = \"phone.js\"\ntrigger = \"custom-phone-provider\"\n\n[traffic]\nrate = \"1/s\"\n",
    );
    std::fs::write(
        dir.path().join("phone.js"),
        "exports.onExecuteCustomPhoneProvider = async (event, api) => {\n  if (!String(event.notification.recipient).startsWith('+31')) api.notification.drop('not allowed');\n};\n",
    )
    .unwrap();
    let out = actsim(&["test", &scenario]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}

/// As post-login's `--continue --resume-on fresh` (run_caching.rs): the user comes back to a
/// fresh instance, whose cache misses what the execute handler cached.
#[test]
fn password_reset_post_challenge_continues_on_a_fresh_instance_and_misses_the_cache() {
    let action = "exports.onExecutePostChallenge = async (event, api) => {\n  api.cache.set('kyc-started', 'yes');\n  api.redirect.sendUserTo('https://verify.example.com/start');\n};\nexports.onContinuePostChallenge = async (event, api) => {\n  console.log(api.cache.get('kyc-started') ? 'hit' : 'miss');\n  api.transaction.setResultUrl('https://app.example.com/done');\n};\n";
    let (_dir, path) = temp_file("prpc.js", action);
    for (resume, instance, cached) in [("fresh", 2, "miss"), ("same", 1, "hit")] {
        let (doc, code) = run_json(&[&path, "--continue", "--resume-on", resume]);
        assert_eq!(code, 0, "{doc}");
        assert_eq!(doc["trigger"], "password-reset-post-challenge");
        let ex = doc["executions"].as_array().unwrap();
        assert_eq!(ex.len(), 2, "{doc}");
        assert_eq!(ex[0]["handler"], "onExecutePostChallenge");
        assert_eq!(ex[1]["handler"], "onContinuePostChallenge");
        assert_eq!(ex[1]["instance"], instance);
        assert_eq!(ex[1]["console"][0]["text"], cached);
        assert_eq!(ex[1]["commands"][0]["name"], "transaction.setResultUrl");
    }
}

/// A non-blocking trigger runs after the fact: a throwing post-user-registration action is
/// reported (its outcome, the summary's `reported`, `failures_reported` by trigger, a note) and
/// blocks nothing (the flow completes, exit status 0), while the same throw in a blocking
/// trigger fails the flow (exit status 1).
#[test]
fn a_failing_non_blocking_action_is_reported_and_blocks_nothing() {
    // The example of docs/cli.md, "Exit status".
    let path = "fixtures/actions/signup-webhook-down.js";
    let (doc, code) = run_json(&[path]);
    assert_eq!(code, 0, "{doc}");
    let ex = &doc["executions"][0];
    assert_eq!(ex["outcome"]["status"], "failed");
    assert_eq!(
        ex["outcome"]["error"]["message"],
        "CRM webhook is down: new.user@example.com not synced"
    );
    assert_eq!(doc["summary"]["failed"], 0);
    assert_eq!(doc["summary"]["reported"], 1);
    let metric = |name: &str| doc["metrics"][name].as_f64().unwrap_or(-1.0);
    assert_eq!(metric("failures_reported"), 1.0);
    assert_eq!(metric("failures_reported.post-user-registration"), 1.0);
    assert_eq!(metric("failures_reported.event-stream"), 0.0);
    assert_eq!(metric("logins.failed"), 0.0);
    assert_eq!(metric("logins.completed"), 1.0);
    assert_eq!(metric("errors"), 1.0);
    let notes = doc["notes"].to_string();
    assert!(
        notes.contains("reported") && notes.contains("blocks nothing"),
        "{notes}"
    );

    let out = actsim(&["run", path]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("✗ failed (handler threw)"), "{text}");
    assert!(
        text.contains("reported, blocks nothing: post-user-registration runs after the fact"),
        "{text}"
    );
    assert!(
        text.contains("0 failed · 1 failure reported (blocked nothing)"),
        "{text}"
    );
    // An expectation makes the reported failure fail the run.
    let out = actsim(&["run", path, "--expect", "failures_reported == 0"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));

    // The same throw in a blocking trigger fails the flow.
    let (_dir, blocking) = temp_file(
        "pre.js",
        "exports.onExecutePreUserRegistration = async (event, api) => {\n  throw new Error('CRM is down');\n};\n",
    );
    let (doc, code) = run_json(&[&blocking]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(doc["summary"]["failed"], 1);
    assert_eq!(doc["summary"]["reported"], 0);
    assert_eq!(doc["metrics"]["logins.failed"], 1.0);
    assert_eq!(doc["metrics"]["failures_reported"], 0.0);
}

/// After `api.prompt.render`, the continue handler gets `event.prompt`: the form's id, the
/// render's pre-filled fields with what the user submitted (`--prompt-field`) over them, and
/// the render's vars. After a plain redirect there is no `event.prompt`.
#[test]
fn the_continue_after_a_prompt_gets_the_fields_the_form_returned() {
    // The example of docs/cli.md, "The continue event".
    let path = "fixtures/actions/profile-form.js";
    let (doc, code) = run_json(&[
        path,
        "--continue",
        "--prompt-field",
        "company=Acme",
        "--prompt-field",
        "role=admin",
    ]);
    assert_eq!(code, 0, "{doc}");
    let ex = doc["executions"].as_array().unwrap();
    assert_eq!(ex.len(), 2, "{doc}");
    assert_eq!(ex[0]["outcome"]["redirect"]["prompt"], "ap_profile");
    let text = stdout(&actsim(&["run", path, "--continue"]));
    assert!(
        text.contains("· form ap_profile rendered (api.prompt.render)"),
        "{text}"
    );
    assert_eq!(ex[1]["handler"], "onContinuePostLogin");
    assert_eq!(
        ex[1]["console"][0]["text"],
        r#"{"id":"ap_profile","fields":{"email":"j+smith@example.com","company":"Acme","role":"admin"},"vars":{"step":2}}"#
    );
    assert_eq!(ex[1]["commands"][0]["args"][1], "Acme");
    // Without --prompt-field the form comes back as it was pre-filled.
    let (doc, _) = run_json(&[path, "--continue"]);
    assert_eq!(
        doc["executions"][1]["console"][0]["text"],
        r#"{"id":"ap_profile","fields":{"email":"j+smith@example.com","company":"unknown"},"vars":{"step":2}}"#
    );
    // A plain redirect gives the continue handler no event.prompt.
    let (_dir, redirect) = temp_file(
        "redirect.js",
        "exports.onExecutePostLogin = async (event, api) => {\n  api.redirect.sendUserTo('https://consent.example.com/');\n};\nexports.onContinuePostLogin = async (event, api) => {\n  console.log(String(event.prompt));\n};\n",
    );
    let (doc, _) = run_json(&[&redirect, "--continue", "--prompt-field", "x=1"]);
    assert_eq!(doc["executions"][1]["console"][0]["text"], "undefined");
}

/// `actsim run`'s text shows what became of the message for send-phone-message and the custom
/// email and phone providers: delivered or sent, dropped or retried with the reason, or not
/// sent when the action failed.
#[test]
fn run_text_shows_the_notification_outcome() {
    let cases = [
        (
            "exports.onExecuteCustomPhoneProvider = async (event, api) => {\n  api.notification.retry('provider busy');\n  api.notification.drop('number blocked');\n};\n",
            "delivery  ✗ dropped (api.notification.drop: number blocked): the message failed and is never retried",
        ),
        (
            "exports.onExecuteCustomEmailProvider = async (event, api) => {\n  api.notification.retry('rate limited');\n};\n",
            "delivery  ↻ retry (api.notification.retry: rate limited): the email failed and production retries it, up to 5 times",
        ),
        (
            "exports.onExecuteCustomEmailProvider = async (event, api) => {};\n",
            "delivery  ✓ delivered: the action completed without api.notification.drop or retry, so the email counts as sent",
        ),
        (
            "exports.onExecuteSendPhoneMessage = async (event, api) => {};\n",
            "delivery  ✓ sent: the action completed, so the message counts as handed to the provider",
        ),
        (
            "exports.onExecuteSendPhoneMessage = async (event, api) => {\n  throw new Error('Twilio 500');\n};\n",
            "delivery  ✗ not delivered: the action failed, so the message was not sent",
        ),
    ];
    for (code, line) in cases {
        let (_dir, path) = temp_file("provider.js", code);
        let out = actsim(&["run", &path]);
        let text = stdout(&out);
        assert!(text.contains(line), "{line}\nnot in:\n{text}");
    }
    // Triggers without a message have no delivery line.
    let (_dir, path) = temp_file(
        "login.js",
        "exports.onExecutePostLogin = async (event, api) => {};\n",
    );
    assert!(!stdout(&actsim(&["run", &path])).contains("delivery"));
}

/// A lone surrogate in a recorded value is printed as Node's JSON.stringify writes it, in the
/// JSON document and in the text output, and transaction metadata holding one reaches the
/// continue handler intact.
#[test]
fn recorded_lone_surrogates_are_printed_as_node_escapes_them() {
    let (_dir, path) = temp_file(
        "half.js",
        "const half = '😀'.slice(0, 1);\nexports.onExecutePostLogin = async (event, api) => {\n  api.idToken.setCustomClaim('nick', 'Ada' + half);\n  api.transaction.setMetadata('m', half);\n  api.redirect.sendUserTo('https://x.example.com/');\n};\nexports.onContinuePostLogin = async (event, api) => {\n  console.log(event.transaction.metadata.m === half, event.transaction.metadata.m.length);\n};\n",
    );
    let out = actsim(&["run", &path, "--continue", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json = stdout(&out);
    assert!(json.contains(r#""Ada\ud83d""#), "{json}");
    // The document is JSON as Node writes it (serde_json refuses lone surrogate escapes, so
    // check it with the escape replaced).
    let checked = json.replace(r"\ud83d", r"\ufffd");
    let doc: serde_json::Value = serde_json::from_str(&checked).expect("valid JSON");
    assert_eq!(doc["executions"][1]["console"][0]["text"], "true 1");
    let out = actsim(&["run", &path]);
    let text = stdout(&out);
    assert!(
        text.contains(r#"api.idToken.setCustomClaim("nick", "Ada\ud83d")"#),
        "{text}"
    );
}

/// A cache record whose key and value hold a lone surrogate is printed as Node's
/// JSON.stringify writes it, in the JSON document (the cache after the execution) and in the
/// text output, with its size as Buffer.byteLength counts it (1 + 3 bytes).
#[test]
fn cache_records_with_lone_surrogates_are_printed_as_node_escapes_them() {
    let (_dir, path) = temp_file(
        "half.js",
        "const half = '😀'.slice(0, 1);\nexports.onExecutePostLogin = async (event, api) => {\n  api.cache.set('k' + half, 'v' + half);\n  console.log(api.cache.get('k' + half).value === 'v' + half);\n};\n",
    );
    let out = actsim(&["run", &path, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json = stdout(&out);
    // Checked with the escape replaced: serde_json refuses a lone surrogate escape.
    let doc: serde_json::Value =
        serde_json::from_str(&json.replace(r"\ud83d", r"\ufffd")).expect("valid JSON");
    let execution = &doc["executions"][0];
    assert_eq!(execution["console"][0]["text"], "true");
    assert_eq!(execution["cache_after"][0]["key"], "k\u{FFFD}");
    assert_eq!(execution["cache_after"][0]["value"], "v\u{FFFD}");
    assert!(
        json.contains(
            r#""key": "k\ud83d",
          "value": "v\ud83d","#
        ),
        "{json}"
    );
    let text = stdout(&actsim(&["run", &path]));
    assert!(
        text.contains(r"k\ud83d = v\ud83d (4 B, expires in"),
        "{text}"
    );
}
