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
