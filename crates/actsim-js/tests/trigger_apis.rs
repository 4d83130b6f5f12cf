//! Every trigger's `api` against its spec (tests/node-runner/spec.js, read here by the engine
//! itself: the probing action `require`s it): each member the spec lists for a trigger is a
//! function; each member that is a command, called on its own in an execution of that
//! trigger's handler, is recorded under its name with the arguments the spec's recording rule
//! gives, and ends the execution as its effect says (denied, redirect, prompt, drop, retry).
//! Also: each trigger's cache is its own, password-reset-post-challenge resumes on another
//! instance (missing that instance's cache), and a missing handler's error lists the handlers
//! the action exports.

use crate::common;

use actsim_cache::CacheLimits;
use actsim_js::{
    ActionSource, Clock, ExecutionReport, ExecutionSpec, Instance, InstanceConfig, Notification,
    Outcome, Phase, Trigger, TriggerCaches, TRIGGERS,
};
use common::{expect_completed, run, spec, T0};
use serde_json::{json, Value};

/// The probing action: `event.probe` names a member (`part.method`) and `event.trigger` the
/// trigger; the handler checks that every member of the trigger's spec is a function, calls
/// the probed member with sample arguments for its required parameters, and logs the
/// arguments the spec's rule says are recorded.
const PROBE: &str = r#"
const { TRIGGERS, recordedArgs } = require('./spec');
function sample(path, param) {
  if (param === 'url' || param === 'provider_url') return 'https://example.com/next';
  if (param === 'code') return 'invalid_request';
  if (param === 'scopes' || param === 'factors' || param === 'groups' || param === 'ids' || param === 'names') return [`${path}:${param}`];
  if (param === 'absolute' || param === 'inactivity' || param === 'lifetimeInSeconds') return 1767258000000;
  return `${path}:${param}`;
}
async function probe(event, api) {
  const spec = TRIGGERS[event.trigger];
  const missing = [];
  for (const m of spec.members) {
    const [part, method] = m.path.split('.');
    if (typeof (api[part] && api[part][method]) !== 'function') missing.push(m.path);
  }
  if (missing.length) throw new Error(`not functions: ${missing.join(', ')}`);
  if (!event.probe) return;
  const m = spec.members.find((x) => x.path === event.probe);
  const [part, method] = m.path.split('.');
  const args = m.params.filter((p) => !p.endsWith('?')).map((p) => sample(m.path, p));
  const result = api[part][method](...args);
  console.log(JSON.stringify(recordedArgs(m, args).map((v) => (v === undefined ? null : v))));
  console.log(result === api ? 'api' : typeof result);
}
"#;

fn probe_code() -> String {
    let mut code = PROBE.to_string();
    for info in TRIGGERS {
        for h in info.handlers() {
            code.push_str(&format!(
                "exports.{h} = async (event, api) => probe(event, api);\n"
            ));
        }
    }
    code
}

/// The spec's members of every trigger, read with the engine (no node needed): for each
/// trigger id, its members as `{path, params, record, effect, returns}`.
fn spec_members() -> Value {
    let code = "const { TRIGGERS } = require('./spec');\nexports.onExecutePostLogin = async () => { console.log(JSON.stringify(Object.fromEntries(Object.entries(TRIGGERS).map(([k, t]) => [k, { handlers: t.handlers, blocking: t.blocking, members: t.members }])))); };";
    let (mut inst, clock) = probe_instance(code);
    let report = run(
        &mut inst,
        &clock,
        spec(Trigger::PostLogin, Phase::Execute, json!({})),
    );
    expect_completed(&report);
    serde_json::from_str(&report.console[0].text).unwrap()
}

fn probe_instance(code: &str) -> (Instance, Clock) {
    // Named as a file next to spec.js, so that `require('./spec')` finds it.
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/node-runner/probe.js"
    );
    let clock = Clock::new(T0);
    let inst = Instance::new(
        ActionSource::new(file, code),
        clock.clone(),
        InstanceConfig::default(),
    )
    .expect("the instance starts");
    (inst, clock)
}

fn default_event(trigger: Trigger) -> Value {
    serde_json::from_str(trigger.info().default_event).unwrap()
}

/// The outcome of a report, named as the spec names effects.
fn effect_of(report: &ExecutionReport) -> Option<&'static str> {
    match &report.outcome {
        Outcome::Failed { error } => panic!("failed: {error:?} {:?}", report.console),
        Outcome::Completed { denied: true, .. } => Some("deny"),
        Outcome::Completed {
            redirect: Some(r), ..
        } => Some(if r.prompt.is_some() {
            "prompt"
        } else {
            "redirect"
        }),
        Outcome::Completed { .. } => match report.notification {
            Some(Notification::Drop) => Some("drop"),
            Some(Notification::Retry) => Some("retry"),
            None => None,
        },
    }
}

#[test]
fn the_spec_and_the_trigger_table_list_the_same_triggers_handlers_and_api_parts() {
    let members = spec_members();
    let ids: Vec<&str> = TRIGGERS.iter().map(|t| t.id).collect();
    let mut spec_ids: Vec<&str> = members
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    spec_ids.sort();
    assert_eq!(sorted, spec_ids);
    for info in TRIGGERS {
        let t = &members[info.id];
        let handlers: Vec<&str> = info.handlers().collect();
        assert_eq!(t["handlers"], json!(handlers), "{}", info.id);
        assert_eq!(t["blocking"], json!(info.blocks), "{}", info.id);
        let mut parts: Vec<&str> = t["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["path"].as_str().unwrap().split('.').next().unwrap())
            .collect();
        parts.dedup();
        parts.sort();
        let mut table: Vec<&str> = info.api_parts.to_vec();
        table.sort();
        assert_eq!(parts, table, "{}", info.id);
    }
}

#[test]
fn every_command_of_every_trigger_is_recorded_as_the_spec_says() {
    let members = spec_members();
    let code = probe_code();
    let mut checked = 0;
    for info in TRIGGERS {
        let (mut inst, clock) = probe_instance(&code);
        for m in members[info.id]["members"].as_array().unwrap() {
            let path = m["path"].as_str().unwrap();
            if m["record"] == json!(false) {
                continue;
            }
            // recordMethod is only allowed in the continue handler.
            let phase = if path == "authentication.recordMethod" {
                Phase::Continue
            } else {
                Phase::Execute
            };
            let mut event = default_event(info.trigger);
            event["probe"] = json!(path);
            event["trigger"] = json!(info.id);
            let report = run(&mut inst, &clock, spec(info.trigger, phase, event));
            let effect = effect_of(&report);
            let lines: Vec<&str> = report.console.iter().map(|l| l.text.as_str()).collect();
            assert_eq!(lines.len(), 2, "{} {path}: {lines:?}", info.id);
            let args: Value = serde_json::from_str(lines[0]).unwrap();
            assert_eq!(report.commands.len(), 1, "{} {path}", info.id);
            assert_eq!(report.commands[0].name, path, "{}", info.id);
            assert_eq!(report.commands[0].args, args, "{} {path}", info.id);
            assert_eq!(effect, m["effect"].as_str(), "{} {path}", info.id);
            let returns = if m["returns"] == "api" {
                "api"
            } else {
                "undefined"
            };
            assert_eq!(lines[1], returns, "{} {path} returns", info.id);
            checked += 1;
        }
    }
    // post-login alone has more than 50 commands (84 in all when this was written).
    assert!(checked >= 84, "only {checked} commands checked");
}

#[test]
fn post_login_queries_answer_as_production_would_for_a_user_without_groups_or_roles() {
    let code = "exports.onExecutePostLogin = async (event, api) => {\n  console.log(api.rules.wasExecuted('rul_1'), api.redirect.canRedirect());\n  console.log(JSON.stringify(await api.groups.getUserGroups()), JSON.stringify(await api.groups.hasGroupMembership(['admins'])));\n  console.log(JSON.stringify(await api.roles.getUserEffectiveRoles()));\n};";
    let (mut inst, clock) = probe_instance(code);
    let mut event = default_event(Trigger::PostLogin);
    let report = run(
        &mut inst,
        &clock,
        spec(Trigger::PostLogin, Phase::Execute, event.clone()),
    );
    expect_completed(&report);
    let lines: Vec<&str> = report.console.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        lines,
        [
            "false true",
            r#"{"groups":[]} {"memberships":{"admins":{"is_member":false}}}"#,
            r#"{"roles":[]}"#
        ]
    );
    assert!(report.commands.is_empty());
    // No redirect is possible for a refresh-token exchange or with prompt=none.
    event["transaction"]["protocol"] = json!("oauth2-refresh-token");
    let report = run(
        &mut inst,
        &clock,
        spec(Trigger::PostLogin, Phase::Execute, event),
    );
    assert_eq!(report.console[0].text, "false false");
}

#[test]
fn post_login_rules_between_members_hold() {
    // A redirect and a prompt in the same action, recordMethod outside the continue handler,
    // and a second setPrimaryUser all throw as production does.
    for (body, message) in [
        (
            "api.redirect.sendUserTo('https://a.example.com'); api.prompt.render('p1');",
            "Redirect and render commands cannot be used in the same action.",
        ),
        (
            "api.prompt.render('p1'); api.redirect.sendUserTo('https://a.example.com');",
            "Redirect and render commands cannot be used in the same action.",
        ),
        (
            "api.authentication.recordMethod('https://idp.example.com');",
            "api.authentication.recordMethod is only available in onContinuePostLogin",
        ),
        (
            "api.authentication.setPrimaryUser('auth0|a'); api.authentication.setPrimaryUser('auth0|b');",
            "The primary user can only be altered once per transaction",
        ),
    ] {
        let report = common::run_handler(body);
        let error = common::error_of(&report);
        assert_eq!(error.message, message, "{body}");
    }
    // A prompt suspends the flow like a redirect, with the prompt's id and options.
    let report = common::run_handler("api.prompt.render('consent-form', { vars: { a: 1 } });");
    let Outcome::Completed {
        denied: false,
        redirect: Some(r),
    } = &report.outcome
    else {
        panic!("{:?}", report.outcome)
    };
    assert_eq!(r.prompt.as_deref(), Some("consent-form"));
    assert_eq!(r.query, json!({ "vars": { "a": 1 } }));
}

#[test]
fn credentials_exchange_target_scopes_change_the_event_at_once() {
    let code = "exports.onExecuteCredentialsExchange = async (event, api) => {\n  api.transaction.setTargetScopes(['a', 'b']);\n  api.transaction.addTargetScope('c');\n  api.transaction.addTargetScope('a');\n  api.transaction.removeTargetScope('b');\n  console.log(JSON.stringify(event.transaction.target_scopes));\n  api.transaction.clearTargetScopes();\n  console.log(JSON.stringify(event.transaction.target_scopes));\n};";
    let (mut inst, clock) = probe_instance(code);
    let report = run(
        &mut inst,
        &clock,
        spec(
            Trigger::CredentialsExchange,
            Phase::Execute,
            default_event(Trigger::CredentialsExchange),
        ),
    );
    expect_completed(&report);
    let lines: Vec<&str> = report.console.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(lines, [r#"["a","c"]"#, "[]"]);
    assert_eq!(report.commands.len(), 5);
}

#[test]
fn the_last_notification_call_decides_and_non_provider_triggers_have_none() {
    let code = "exports.onExecuteCustomEmailProvider = async (event, api) => { api.notification.retry('busy'); api.notification.drop('bounced'); };\nexports.onExecuteCustomPhoneProvider = async (event, api) => { api.notification.drop('x'); api.notification.retry('later'); };\nexports.onExecuteEventStream = async (event, api) => { console.log(typeof api.notification); };";
    let (mut inst, clock) = probe_instance(code);
    for (trigger, expected) in [
        (Trigger::CustomEmailProvider, Some(Notification::Drop)),
        (Trigger::CustomPhoneProvider, Some(Notification::Retry)),
        (Trigger::EventStream, None),
    ] {
        let report = run(
            &mut inst,
            &clock,
            spec(trigger, Phase::Execute, default_event(trigger)),
        );
        expect_completed(&report);
        assert_eq!(report.notification, expected, "{trigger:?}");
    }
}

/// Each trigger gets its own store: an action exporting every handler writes 20 entries under
/// each trigger on one instance, and every trigger sees its own 20 entries and no other's.
#[test]
fn each_trigger_has_its_own_cache_of_twenty_entries() {
    let mut code = String::from(
        "async function fill(event, api, id) {\n  const before = [];\n  for (const t of ['post-login', 'event-stream']) if (api.cache.get(`${t}:0`)) before.push(t);\n  const failures = [];\n  for (let i = 0; i < 20; i++) { const r = api.cache.set(`${id}:${i}`, 'v'); if (r.type !== 'success') failures.push(r.code); }\n  const extra = api.cache.set(`${id}:20`, 'v');\n  console.log(JSON.stringify(before), failures.length, extra.code);\n}\n",
    );
    for info in TRIGGERS {
        code.push_str(&format!(
            "exports.{} = async (event, api) => fill(event, api, '{}');\n",
            info.execute, info.id
        ));
    }
    let (mut inst, clock) = probe_instance(&code);
    let mut caches = TriggerCaches::new(CacheLimits::default());
    for (i, info) in TRIGGERS.iter().enumerate() {
        let spec = ExecutionSpec {
            cache: caches.of(info.trigger),
            ..spec(info.trigger, Phase::Execute, default_event(info.trigger))
        };
        let report = run(&mut inst, &clock, spec);
        expect_completed(&report);
        // post-login runs first: no trigger sees its entries but post-login itself (none yet).
        assert_eq!(
            report.console[0].text, "[] 0 CacheSizeExceeded",
            "{} (trigger {i})",
            info.id
        );
    }
    let stores: Vec<Trigger> = caches.stores().map(|(t, _)| t).collect();
    assert_eq!(stores.len(), TRIGGERS.len());
    for (trigger, store) in caches.stores() {
        let entries = store.borrow().live_entries(clock.now_ms());
        assert_eq!(entries.len(), 20, "{trigger:?}");
        assert!(entries
            .iter()
            .all(|(k, _)| k.starts_with(&format!("{}:", trigger.as_str()))));
    }
}

/// password-reset-post-challenge redirects like post-login: the execute handler caches a value
/// and sends the user away with a signed token; the flow resumes in onContinuePostChallenge on
/// another instance (its own cache), which misses the cached value and validates the token.
#[test]
fn password_reset_post_challenge_resumes_on_another_instance_and_misses_its_cache() {
    let code = r#"
exports.onExecutePostChallenge = async (event, api) => {
  api.cache.set('kyc-session', 'started');
  const token = api.redirect.encodeToken({ secret: event.secrets.KYC, payload: { step: 'kyc' } });
  api.redirect.sendUserTo('https://verify.example.com/start', { query: { session_token: token } });
};
exports.onContinuePostChallenge = async (event, api) => {
  const cached = api.cache.get('kyc-session');
  const payload = api.redirect.validateToken({ secret: event.secrets.KYC });
  console.log(cached === undefined ? 'miss' : 'hit', payload.step);
  if (payload.step !== 'kyc') api.access.deny('verification failed');
  api.transaction.setResultUrl('https://app.example.com/reset-done');
};
"#;
    let secrets: actsim_js::Secrets =
        std::rc::Rc::new([("KYC".to_string(), "kyc-secret".to_string())].into());
    let trigger = Trigger::PasswordResetPostChallenge;
    let event = default_event(trigger);
    let (mut first, clock) = probe_instance(code);
    let execute = run(
        &mut first,
        &clock,
        ExecutionSpec {
            secrets: secrets.clone(),
            ..spec(trigger, Phase::Execute, event.clone())
        },
    );
    assert_eq!(execute.handler, "onExecutePostChallenge");
    let Outcome::Completed {
        denied: false,
        redirect: Some(redirect),
    } = &execute.outcome
    else {
        panic!("{:?}", execute.outcome)
    };
    assert_eq!(redirect.url, "https://verify.example.com/start");
    let token = redirect.query["session_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(execute.cache_ops[0].result, "success");

    // The user comes back to another instance, whose cache store is its own.
    let (mut second, _) = probe_instance(code);
    clock.advance(30_000);
    let mut back = event.clone();
    back["request"]["query"] = json!({ "session_token": token });
    let resumed = run(
        &mut second,
        &clock,
        ExecutionSpec {
            secrets,
            ..spec(trigger, Phase::Continue, back)
        },
    );
    assert_eq!(resumed.handler, "onContinuePostChallenge");
    expect_completed(&resumed);
    assert_eq!(resumed.console[0].text, "miss kyc");
    assert_eq!(resumed.cache_ops[0].result, "miss");
    assert_eq!(
        resumed.commands[0].name, "transaction.setResultUrl",
        "{:?}",
        resumed.commands
    );
    assert_eq!(
        resumed.outcome,
        Outcome::Completed {
            denied: false,
            redirect: None
        }
    );
}

#[test]
fn a_missing_handler_names_the_handlers_the_action_exports_and_their_triggers() {
    let code = "exports.onExecutePostChallenge = async () => {};\nexports.onExecuteCustomEmailProvider = async () => {};\nexports.helper = () => 1;";
    let (mut inst, clock) = probe_instance(code);
    let report = run(
        &mut inst,
        &clock,
        spec(
            Trigger::PostLogin,
            Phase::Execute,
            default_event(Trigger::PostLogin),
        ),
    );
    let error = common::error_of(&report);
    assert_eq!(error.kind, actsim_js::ErrorKind::MissingHandler);
    assert!(
        error.message.ends_with("It exports onExecutePostChallenge (password-reset-post-challenge), onExecuteCustomEmailProvider (custom-email-provider): run it with the trigger of one of them."),
        "{}",
        error.message
    );
}
