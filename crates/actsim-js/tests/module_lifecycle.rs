//! The action module's lifecycle on an instance: module scope runs lazily on the first
//! execution and persists across executions, a top-level throw is re-thrown every time, syntax
//! errors are located in the file, missing and non-async handlers and bad exports are reported
//! as production words them, both module forms (CommonJS and ES module) load, and
//! `event.secrets` is read-only with unset secrets reported.

use crate::common;

use std::collections::BTreeMap;

use actsim_js::{ErrorKind, InstanceConfig, ModuleForm, Phase, Trigger};
use common::*;

const COUNTER: &str = r#"
let counter = 0;
console.log('module scope ran');
exports.onExecutePostLogin = async (event, api) => {
  counter += 1;
  console.log(`counter=${counter}`);
};
"#;

#[test]
fn module_scope_runs_lazily_on_the_first_execution_only() {
    let (mut inst, clock) = instance(COUNTER);
    // Creating the instance does not run the action's code.
    assert!(inst.take_orphan_console().is_empty());
    assert!(inst.take_finished().is_empty());

    let first = run(&mut inst, &clock, post_login());
    expect_completed(&first);
    assert_eq!(console_texts(&first), ["module scope ran", "counter=1"]);

    let second = run(&mut inst, &clock, post_login());
    expect_completed(&second);
    assert_eq!(console_texts(&second), ["counter=2"]);

    let third = run(&mut inst, &clock, post_login());
    assert_eq!(console_texts(&third), ["counter=3"]);
    assert!(inst.take_orphan_console().is_empty());
}

#[test]
fn a_second_instance_starts_with_fresh_module_state() {
    let (mut a, clock_a) = instance(COUNTER);
    run(&mut a, &clock_a, post_login());
    let again = run(&mut a, &clock_a, post_login());
    assert_eq!(console_texts(&again), ["counter=2"]);

    let (mut b, clock_b) = instance(COUNTER);
    let fresh = run(&mut b, &clock_b, post_login());
    assert_eq!(console_texts(&fresh), ["module scope ran", "counter=1"]);
}

#[test]
fn execution_ids_increase_per_instance() {
    let (mut inst, clock) = instance(COUNTER);
    let a = run(&mut inst, &clock, post_login());
    let b = run(&mut inst, &clock, post_login());
    assert!(b.exec_id > a.exec_id);
    assert_eq!(a.handler, "onExecutePostLogin");
    assert_eq!(a.trigger, Trigger::PostLogin);
}

#[test]
fn a_top_level_throw_is_rethrown_on_every_execution() {
    let code = r#"
console.log('top level');
throw new Error('config is broken');
exports.onExecutePostLogin = async () => {};
"#;
    let (mut inst, clock) = instance(code);
    let first = run(&mut inst, &clock, post_login());
    let second = run(&mut inst, &clock, post_login());
    let e1 = expect_failure(&first, ErrorKind::ModuleInit).clone();
    let e2 = expect_failure(&second, ErrorKind::ModuleInit).clone();
    assert_eq!(e1.message, "config is broken");
    assert_eq!(e1.message, e2.message);
    assert_eq!(e1.name, "Error");
    let loc = e1.location.expect("the throw is located");
    assert_eq!((loc.file.as_str(), loc.line), ("action.js", 3));
    // The module's code ran once: the second execution only re-throws.
    assert_eq!(console_texts(&first), ["top level"]);
    assert!(second.console.is_empty());
}

#[test]
fn a_top_level_throw_in_an_es_module_is_module_init_too() {
    let code = "const x = require('jwt-decode');\nthrow new TypeError('esm top level');\nexport const onExecutePostLogin = async () => {};\n";
    let (mut inst, clock) = instance(code);
    for _ in 0..2 {
        let report = run(&mut inst, &clock, post_login());
        let e = expect_failure(&report, ErrorKind::ModuleInit);
        assert_eq!(e.message, "esm top level");
        assert_eq!(e.name, "TypeError");
    }
}

#[test]
fn a_commonjs_syntax_error_is_located_at_the_bad_token() {
    let code = "const a = 1;\nconst b = 2;\nconst c = ) 3;\nexports.onExecutePostLogin = async () => {};\n";
    let (mut inst, clock) = instance_with("actions/bad.js", code, InstanceConfig::default());
    let report = run(&mut inst, &clock, post_login());
    let e = expect_failure(&report, ErrorKind::Syntax);
    assert_eq!(e.name, "SyntaxError");
    let loc = e.location.as_ref().expect("a syntax error has a location");
    assert_eq!(loc.file, "actions/bad.js");
    assert_eq!((loc.line, loc.column), (3, 11), "{e:?}");
    // And it stays broken.
    let again = run(&mut inst, &clock, post_login());
    expect_failure(&again, ErrorKind::Syntax);
}

#[test]
fn a_commonjs_syntax_error_on_the_first_line_ignores_the_wrapper() {
    let code = "const c = ) 3;\nexports.onExecutePostLogin = async () => {};\n";
    let report = {
        let (mut inst, clock) = instance(code);
        run(&mut inst, &clock, post_login())
    };
    let e = expect_failure(&report, ErrorKind::Syntax);
    let loc = e.location.as_ref().expect("located");
    assert_eq!((loc.line, loc.column), (1, 11), "{e:?}");
}

#[test]
fn an_es_module_syntax_error_is_located_at_the_bad_token() {
    let code = "const x = require('auth0');\nexport const onExecutePostLogin = async (event, api) => {\n  let y = = 2;\n};\n";
    let (mut inst, clock) = instance_with("esm.js", code, InstanceConfig::default());
    let report = run(&mut inst, &clock, post_login());
    let e = expect_failure(&report, ErrorKind::Syntax);
    assert_eq!(e.name, "SyntaxError");
    let loc = e.location.as_ref().expect("located");
    assert_eq!(loc.file, "esm.js");
    assert_eq!((loc.line, loc.column), (3, 11), "{e:?}");
}

#[test]
fn a_missing_handler_is_reported() {
    let report = {
        let (mut inst, clock) = instance("exports.onContinuePostLogin = async () => {};\n");
        run(&mut inst, &clock, post_login())
    };
    let e = expect_failure(&report, ErrorKind::MissingHandler);
    assert!(e.message.contains("onExecutePostLogin"), "{}", e.message);
}

#[test]
fn a_handler_of_the_other_trigger_is_missing_for_this_one() {
    let (mut inst, clock) = instance(&cjs_handler(""));
    let report = run(&mut inst, &clock, credentials_exchange());
    let e = expect_failure(&report, ErrorKind::MissingHandler);
    assert!(e.message.contains("onExecuteCredentialsExchange"));
    // The post-login handler of the same instance still runs.
    expect_completed(&run(&mut inst, &clock, post_login()));
}

#[test]
fn a_non_async_handler_is_an_invalid_signature() {
    for code in [
        "exports.onExecutePostLogin = function (event, api) {};\n",
        "exports.onExecutePostLogin = (event, api) => Promise.resolve();\n",
        "exports.onExecutePostLogin = 'not a function';\n",
    ] {
        let (mut inst, clock) = instance(code);
        let report = run(&mut inst, &clock, post_login());
        let e = expect_failure(&report, ErrorKind::InvalidHandler);
        assert_eq!(
            e.message,
            r#"Invalid function signature for the "onExecutePostLogin" handler. Use "exports.onExecutePostLogin = async function(event, api) { }" as the signature."#,
            "for {code}"
        );
    }
}

#[test]
fn exporting_a_non_object_is_refused() {
    let (mut inst, clock) = instance("module.exports = 5;\n");
    let report = run(&mut inst, &clock, post_login());
    let e = expect_failure(&report, ErrorKind::ModuleInit);
    assert_eq!(e.message, "The Action must export an object.");
}

#[test]
fn module_exports_replaced_by_an_object_works() {
    let code = "module.exports = { onExecutePostLogin: async (event, api) => { api.access.deny('no'); } };\n";
    let (mut inst, clock) = instance(code);
    let report = run(&mut inst, &clock, post_login());
    assert_eq!(
        commands(&report),
        [("access.deny".to_string(), serde_json::json!(["no"]))]
    );
}

#[test]
fn both_module_forms_load_and_see_require() {
    let cjs = r#"
const { ManagementClient } = require('auth0');
exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('form', typeof ManagementClient + ':' + typeof module + ':' + __filename);
};
"#;
    let esm = r#"
const { ManagementClient } = require('auth0');
export const onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('form', typeof ManagementClient + ':' + typeof module);
};
"#;
    assert_eq!(
        actsim_js::ActionSource::new("a.js", cjs).form,
        ModuleForm::CommonJs
    );
    assert_eq!(
        actsim_js::ActionSource::new("a.js", esm).form,
        ModuleForm::EsModule
    );
    let (mut inst, clock) = instance_with("dir/cjs.js", cjs, InstanceConfig::default());
    let report = run(&mut inst, &clock, post_login());
    expect_completed(&report);
    assert_eq!(
        commands(&report),
        [(
            "idToken.setCustomClaim".to_string(),
            serde_json::json!(["form", "function:object:dir/cjs.js"])
        )]
    );

    let (mut inst, clock) = instance(esm);
    let report = run(&mut inst, &clock, post_login());
    expect_completed(&report);
    assert_eq!(
        commands(&report),
        [(
            "idToken.setCustomClaim".to_string(),
            serde_json::json!(["form", "function:undefined"])
        )]
    );
}

#[test]
fn es_module_state_persists_across_executions() {
    let code = "let n = 0;\nexport const onExecutePostLogin = async (event, api) => { n += 1; console.log(String(n)); };\n";
    let (mut inst, clock) = instance(code);
    let a = run(&mut inst, &clock, post_login());
    let b = run(&mut inst, &clock, post_login());
    assert_eq!(console_texts(&a), ["1"]);
    assert_eq!(console_texts(&b), ["2"]);
}

#[test]
fn the_continue_phase_runs_on_continue_post_login() {
    let code = r#"
exports.onExecutePostLogin = async (event, api) => { console.log('execute'); };
exports.onContinuePostLogin = async (event, api) => { console.log('continue'); };
"#;
    let (mut inst, clock) = instance(code);
    let report = run(
        &mut inst,
        &clock,
        spec(Trigger::PostLogin, Phase::Continue, post_login_event()),
    );
    assert_eq!(report.handler, "onContinuePostLogin");
    assert_eq!(console_texts(&report), ["continue"]);
    // credentials-exchange has no continue phase: the host refuses to start it.
    let refused = inst.start(spec(
        Trigger::CredentialsExchange,
        Phase::Continue,
        credentials_exchange_event(),
    ));
    assert!(refused.is_err());
}

fn with_secrets(secrets: &[(&str, &str)]) -> actsim_js::ExecutionSpec {
    let mut s = post_login();
    s.secrets = secrets
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect::<BTreeMap<_, _>>()
        .into();
    s
}

#[test]
fn secrets_are_read_only_in_an_es_module() {
    let code = r#"
export const onExecutePostLogin = async (event, api) => {
  try {
    event.secrets.API_KEY = 'changed';
    console.log('assigned');
  } catch (e) {
    console.log(`${e.name}|${event.secrets.API_KEY}`);
  }
};
"#;
    let (mut inst, clock) = instance(code);
    let report = run(&mut inst, &clock, with_secrets(&[("API_KEY", "k-123")]));
    expect_completed(&report);
    assert_eq!(console_texts(&report), ["TypeError|k-123"]);
}

#[test]
fn secrets_assignment_is_ignored_in_commonjs() {
    let code = cjs_handler(
        r#"
  event.secrets.API_KEY = 'changed';
  event.secrets.NEW = 'added';
  delete event.secrets.API_KEY;
  console.log(`${event.secrets.API_KEY}|${Object.keys(event.secrets).join(',')}`);
"#,
    );
    let (mut inst, clock) = instance(&code);
    let report = run(&mut inst, &clock, with_secrets(&[("API_KEY", "k-123")]));
    expect_completed(&report);
    assert_eq!(console_texts(&report), ["k-123|API_KEY"]);
    // NEW was only written, never read: it is not missing.
    assert!(
        report.missing_secrets.is_empty(),
        "{:?}",
        report.missing_secrets
    );
}

#[test]
fn reading_unset_secrets_lists_them_once_each() {
    let code = cjs_handler(
        r#"
  const { domain, clientId } = event.secrets;
  const again = event.secrets.clientId;
  console.log(`${domain}|${clientId}|${again}|${'other' in event.secrets}`);
"#,
    );
    let (mut inst, clock) = instance(&code);
    let report = run(
        &mut inst,
        &clock,
        with_secrets(&[("domain", "t.example.com")]),
    );
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        ["t.example.com|undefined|undefined|false"]
    );
    assert_eq!(report.missing_secrets, ["clientId"]);

    // Per execution: the next one starts with an empty list.
    let report = run(
        &mut inst,
        &clock,
        with_secrets(&[("domain", "t.example.com"), ("clientId", "c")]),
    );
    assert!(report.missing_secrets.is_empty());
}

#[test]
fn inspecting_the_secrets_object_reports_no_missing_secrets() {
    let code = cjs_handler(
        r#"
  await event.secrets;
  console.log(event.secrets);
  console.log(JSON.stringify(event.secrets));
  console.log(JSON.stringify({ ...event.secrets }));
  console.log(String(Object.isFrozen(event.secrets)));
"#,
    );
    let (mut inst, clock) = instance(&code);
    let report = run(&mut inst, &clock, with_secrets(&[("A", "x")]));
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        ["{ A: 'x' }", r#"{"A":"x"}"#, r#"{"A":"x"}"#, "true"]
    );
    assert!(
        report.missing_secrets.is_empty(),
        "{:?}",
        report.missing_secrets
    );
}
