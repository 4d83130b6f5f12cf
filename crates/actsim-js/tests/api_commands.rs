//! The trigger `api` objects: every post-login and credentials-exchange member records a
//! `Command` in call order with its arguments and virtual time, the outcome reflects deny and
//! redirect, setters chain, `transaction.setMetadata` is visible at once, and the
//! `redirect.encodeToken` / `validateToken` round trip (including its production error
//! messages for a missing parameter, a tampered signature and an expired token).

use crate::common;

use actsim_js::{ErrorKind, Outcome, Phase, Redirect, Trigger};
use common::*;
use serde_json::{json, Value};

fn names(report: &actsim_js::ExecutionReport) -> Vec<String> {
    report.commands.iter().map(|c| c.name.clone()).collect()
}

#[test]
fn every_post_login_member_records_a_command_in_call_order() {
    let report = run_handler(
        r#"
  api.accessToken.setCustomClaim('https://ex/roles', ['admin', 'user']);
  api.accessToken.addScope('read:all');
  api.accessToken.removeScope('write:all');
  api.idToken.setCustomClaim('https://ex/email', event.user.email);
  api.user.setAppMetadata('plan', { tier: 'gold', seats: 3 });
  api.user.setUserMetadata('color', 'blue');
  api.multifactor.enable('any', { allowRememberBrowser: true });
  api.multifactor.enable('duo');
  api.transaction.setMetadata('step', 2);
  api.access.deny('not today');
"#,
    );
    expect_completed(&report);
    assert_eq!(
        commands(&report),
        [
            (
                "accessToken.setCustomClaim",
                json!(["https://ex/roles", ["admin", "user"]])
            ),
            ("accessToken.addScope", json!(["read:all"])),
            ("accessToken.removeScope", json!(["write:all"])),
            (
                "idToken.setCustomClaim",
                json!(["https://ex/email", "ada@example.com"])
            ),
            (
                "user.setAppMetadata",
                json!(["plan", { "tier": "gold", "seats": 3 }])
            ),
            ("user.setUserMetadata", json!(["color", "blue"])),
            (
                "multifactor.enable",
                json!(["any", { "allowRememberBrowser": true }])
            ),
            ("multifactor.enable", json!(["duo"])),
            ("transaction.setMetadata", json!(["step", 2])),
            ("access.deny", json!(["not today"])),
        ]
        .map(|(n, a)| (n.to_string(), a))
    );
    assert_eq!(
        report.outcome,
        Outcome::Completed {
            denied: true,
            redirect: None
        }
    );
}

#[test]
fn a_handler_that_calls_nothing_completes_without_commands() {
    let report = run_handler("");
    assert!(report.commands.is_empty());
    assert_eq!(
        report.outcome,
        Outcome::Completed {
            denied: false,
            redirect: None
        }
    );
    assert_eq!(report.started_at_ms, T0);
    assert_eq!(report.finished_at_ms, T0);
}

#[test]
fn commands_are_stamped_with_virtual_time() {
    let report = run_handler(
        r#"
  api.idToken.setCustomClaim('a', 1);
  await new Promise((r) => setTimeout(r, 1500));
  api.idToken.setCustomClaim('b', undefined);
"#,
    );
    let at: Vec<i64> = report.commands.iter().map(|c| c.at_ms).collect();
    assert_eq!(at, [T0, T0 + 1500]);
    // `undefined` arguments are recorded as null.
    assert_eq!(report.commands[1].args, json!(["b", null]));
    assert_eq!(report.finished_at_ms, T0 + 1500);
}

#[test]
fn recorded_arguments_are_snapshots_at_call_time() {
    let report = run_handler(
        r#"
  const roles = ['a'];
  api.accessToken.setCustomClaim('roles', roles);
  roles.push('b');
"#,
    );
    assert_eq!(report.commands[0].args, json!(["roles", ["a"]]));
}

#[test]
fn setters_chain_by_returning_api() {
    let report = run_handler(
        r#"
  const r = api.accessToken.setCustomClaim('a', 1);
  console.log(String(r === api));
  api.accessToken.setCustomClaim('b', 2).idToken.setCustomClaim('c', 3).user.setAppMetadata('d', 4);
"#,
    );
    assert_eq!(console_texts(&report), ["true"]);
    assert_eq!(
        names(&report),
        [
            "accessToken.setCustomClaim",
            "accessToken.setCustomClaim",
            "idToken.setCustomClaim",
            "user.setAppMetadata"
        ]
    );
}

#[test]
fn an_empty_claim_name_throws() {
    let report = run_handler("api.idToken.setCustomClaim('', 1);");
    let e = expect_failure(&report, ErrorKind::Thrown);
    assert_eq!(e.name, "TypeError");
    assert!(e.message.contains("claim name"), "{}", e.message);
    assert!(report.commands.is_empty());
}

#[test]
fn redirect_send_user_to_sets_the_outcome_redirect() {
    let report = run_handler(
        r#"
  api.redirect.sendUserTo('https://mfa.example.com/start', { query: { a: '1', b: 'two' } });
"#,
    );
    assert_eq!(
        commands(&report),
        [(
            "redirect.sendUserTo".to_string(),
            json!(["https://mfa.example.com/start", { "query": { "a": "1", "b": "two" } }])
        )]
    );
    assert_eq!(
        report.outcome,
        Outcome::Completed {
            denied: false,
            redirect: Some(Redirect {
                url: "https://mfa.example.com/start".to_string(),
                query: json!({ "a": "1", "b": "two" }),
                prompt: None,
            }),
        }
    );

    let plain = run_handler("api.redirect.sendUserTo('https://x.example.com');");
    let Outcome::Completed {
        redirect: Some(r), ..
    } = &plain.outcome
    else {
        panic!("no redirect: {:?}", plain.outcome)
    };
    assert_eq!(r.url, "https://x.example.com");
    assert_eq!(r.query, json!({}));
    assert_eq!(plain.commands[0].args, json!(["https://x.example.com"]));
}

#[test]
fn redirect_to_a_relative_url_throws() {
    let report = run_handler("api.redirect.sendUserTo('/relative');");
    let e = expect_failure(&report, ErrorKind::Thrown);
    assert_eq!(e.name, "TypeError");
    assert!(e.message.contains("/relative"));
}

#[test]
fn transaction_metadata_is_visible_immediately() {
    let report = run_handler(
        r#"
  console.log(JSON.stringify(event.transaction.metadata));
  api.transaction.setMetadata('flag', true).transaction.setMetadata('n', 7);
  console.log(JSON.stringify(event.transaction.metadata));
  api.transaction.setMetadata('flag', null);
  console.log(JSON.stringify(event.transaction.metadata));
  try { api.transaction.setMetadata('obj', { a: 1 }); } catch (e) { console.log(e.name); }
"#,
    );
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        ["{}", r#"{"flag":true,"n":7}"#, r#"{"n":7}"#, "TypeError"]
    );
    assert_eq!(
        commands(&report),
        [
            ("transaction.setMetadata", json!(["flag", true])),
            ("transaction.setMetadata", json!(["n", 7])),
            ("transaction.setMetadata", json!(["flag", null])),
        ]
        .map(|(n, a)| (n.to_string(), a))
    );
}

#[test]
fn transaction_metadata_keeps_auth0s_documented_limits() {
    // Keys of at most 64 characters, values of at most 8 kB (8 192 bytes, counted in UTF-8 as
    // Buffer.byteLength does), 16 KB (16 384 bytes) of keys and values in all, no unsafe
    // integers. A refused call throws a RangeError and records nothing.
    let report = run_handler(
        r#"
  const tryIt = (k, v) => {
    try { api.transaction.setMetadata(k, v); return 'ok'; } catch (e) { return e.name + ': ' + e.message.split(' (')[0]; }
  };
  console.log(tryIt('k'.repeat(64), 1));
  console.log(tryIt('k'.repeat(65), 1));
  console.log(tryIt('a', 'x'.repeat(8192)));
  console.log(tryIt('b', 'x'.repeat(8193)));
  console.log(tryIt('c', 'é'.repeat(4097)));
  console.log(tryIt('d', 'x'.repeat(8000)));
  console.log(tryIt('a', 'x'.repeat(100)));
  console.log(tryIt('d2', 'x'.repeat(8000)));
  console.log(tryIt('big', 2 ** 53));
  console.log(tryIt('safe', 2 ** 53 - 1));
  console.log(Object.keys(event.transaction.metadata).join(','));
"#,
    );
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        [
            "ok",
            "RangeError: api.transaction.setMetadata: the key is 65 characters long",
            "ok",
            r#"RangeError: api.transaction.setMetadata: the value of "b" is 8193 bytes"#,
            // 4 097 two-byte characters: 8 194 bytes.
            r#"RangeError: api.transaction.setMetadata: the value of "c" is 8194 bytes"#,
            // 65 (the 64-character key and "1") + 8 193 (a) + 8 001 (d) = 16 259 bytes: within 16 384.
            "ok",
            // Replacing a's 8 192 bytes by 100 leaves room.
            "ok",
            // 65 + 101 (a) + 8 001 (d) + 8 002 (d2) = 16 169 bytes: still within 16 384.
            "ok",
            "RangeError: api.transaction.setMetadata: 9007199254740992 is not a safe integer",
            "ok",
            &format!("{},a,d,d2,safe", "k".repeat(64)),
        ]
    );
    let keys: Vec<String> = commands(&report)
        .into_iter()
        .map(|(_, a)| a[0].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        keys,
        [
            "k".repeat(64),
            "a".into(),
            "d".into(),
            "a".into(),
            "d2".into(),
            "safe".into()
        ]
    );
}

#[test]
fn transaction_metadata_refuses_what_would_pass_16_kb_in_all() {
    let report = run_handler(
        r#"
  api.transaction.setMetadata('a', 'x'.repeat(8192));
  try { api.transaction.setMetadata('b', 'x'.repeat(8192)); } catch (e) { console.log(e.message.split(' (')[0]); }
  api.transaction.setMetadata('c', 'x'.repeat(8189));
"#,
    );
    expect_completed(&report);
    // a: 1 + 8 192 = 8 193 bytes; b would add 8 193: 16 386 > 16 384. c adds 1 + 8 189 = 8 190:
    // 16 383 bytes in all, within the limit.
    assert_eq!(
        console_texts(&report),
        [r#"api.transaction.setMetadata: setting "b" would make the metadata 16386 bytes"#]
    );
    assert_eq!(commands(&report).len(), 2);
}

#[test]
fn validation_error_denies() {
    let report = run_handler("api.validation.error('invalid_email', 'Use your work email');");
    assert_eq!(
        commands(&report),
        [(
            "validation.error".to_string(),
            json!(["invalid_email", "Use your work email"])
        )]
    );
    assert!(matches!(
        report.outcome,
        Outcome::Completed { denied: true, .. }
    ));
}

#[test]
fn commands_made_before_a_throw_are_kept() {
    let report = run_handler(
        r#"
  api.user.setAppMetadata('a', 1);
  throw new RangeError('boom');
"#,
    );
    let e = expect_failure(&report, ErrorKind::Thrown);
    assert_eq!(
        (e.name.as_str(), e.message.as_str()),
        ("RangeError", "boom")
    );
    let loc = e.location.as_ref().expect("located");
    assert_eq!(loc.line, 4);
    assert_eq!(names(&report), ["user.setAppMetadata"]);
}

#[test]
fn throwing_a_non_error_value_fails_with_its_json() {
    let report = run_handler("throw { code: 42 };");
    let e = expect_failure(&report, ErrorKind::Thrown);
    assert!(e.message.contains(r#"{"code":42}"#), "{}", e.message);
}

// ------------------------------------------------------------------ encodeToken / validateToken

const REDIRECT_ACTION: &str = r#"
exports.onExecutePostLogin = async (event, api) => {
  const token = api.redirect.encodeToken({
    secret: event.secrets.SESSION_SECRET,
    expiresInSeconds: 60,
    payload: { state: event.request.query.state, color: 'green' },
  });
  api.redirect.sendUserTo('https://form.example.com', { query: { session_token: token } });
};
exports.onContinuePostLogin = async (event, api) => {
  try {
    const payload = api.redirect.validateToken({ secret: event.secrets.SESSION_SECRET });
    api.user.setUserMetadata('color', payload.color);
    console.log(JSON.stringify(payload));
  } catch (e) {
    console.log(`${e.name}: ${e.message}`);
  }
};
"#;

fn redirect_spec(phase: Phase, query: Value) -> actsim_js::ExecutionSpec {
    let mut event = post_login_event();
    event["request"]["query"] = query;
    let mut s = spec(Trigger::PostLogin, phase, event);
    std::rc::Rc::make_mut(&mut s.secrets)
        .insert("SESSION_SECRET".to_string(), "s3cret-value".to_string());
    s
}

/// Run the execute phase and return the session token it put in the redirect.
fn issue_token(inst: &mut actsim_js::Instance, clock: &actsim_js::Clock) -> String {
    let report = run(
        inst,
        clock,
        redirect_spec(Phase::Execute, json!({ "state": "st-1" })),
    );
    expect_completed(&report);
    let Outcome::Completed {
        redirect: Some(redirect),
        ..
    } = report.outcome
    else {
        panic!("expected a redirect: {:?}", report.outcome)
    };
    assert_eq!(redirect.url, "https://form.example.com");
    redirect.query["session_token"]
        .as_str()
        .expect("a token")
        .to_string()
}

fn continue_with(
    inst: &mut actsim_js::Instance,
    clock: &actsim_js::Clock,
    query: Value,
) -> actsim_js::ExecutionReport {
    let report = run(inst, clock, redirect_spec(Phase::Continue, query));
    expect_completed(&report);
    report
}

#[test]
fn encode_token_then_validate_token_round_trips() {
    let (mut inst, clock) = instance(REDIRECT_ACTION);
    let token = issue_token(&mut inst, &clock);
    assert_eq!(token.split('.').count(), 3);

    clock.advance(30_000);
    let report = continue_with(
        &mut inst,
        &clock,
        json!({ "session_token": token, "state": "st-1" }),
    );
    let payload: Value = serde_json::from_str(&console_texts(&report)[0]).expect("json payload");
    let iat = T0 / 1000;
    assert_eq!(payload["color"], "green");
    assert_eq!(payload["state"], "st-1");
    assert_eq!(payload["sub"], "auth0|user-1");
    assert_eq!(payload["iss"], "tenant.example.com");
    assert_eq!(payload["iat"], iat);
    assert_eq!(payload["exp"], iat + 60);
    assert_eq!(
        commands(&report),
        [(
            "user.setUserMetadata".to_string(),
            json!(["color", "green"])
        )]
    );
}

#[test]
fn validate_token_without_the_parameter_uses_productions_message() {
    let (mut inst, clock) = instance(REDIRECT_ACTION);
    let report = continue_with(&mut inst, &clock, json!({ "state": "st-1" }));
    assert_eq!(
        console_texts(&report),
        ["Error: There is no parameter called 'session_token' available in either the POST body or query string."]
    );
    assert!(report.commands.is_empty());
}

#[test]
fn validate_token_rejects_a_tampered_signature() {
    let (mut inst, clock) = instance(REDIRECT_ACTION);
    let token = issue_token(&mut inst, &clock);
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    // Flip the signature's first character.
    let first = if parts[2].starts_with('A') { "B" } else { "A" };
    parts[2].replace_range(0..1, first);
    let tampered = parts.join(".");
    let report = continue_with(
        &mut inst,
        &clock,
        json!({ "session_token": tampered, "state": "st-1" }),
    );
    let line = &console_texts(&report)[0];
    assert!(
        line.starts_with("Error: The session token is invalid: "),
        "{line}"
    );
    assert!(report.commands.is_empty());
}

#[test]
fn validate_token_rejects_a_modified_payload() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let (mut inst, clock) = instance(REDIRECT_ACTION);
    let token = issue_token(&mut inst, &clock);
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    payload["color"] = json!("red");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    );
    let report = continue_with(
        &mut inst,
        &clock,
        json!({ "session_token": forged, "state": "st-1" }),
    );
    assert!(console_texts(&report)[0].starts_with("Error: The session token is invalid: "));
}

#[test]
fn validate_token_rejects_an_expired_token() {
    let (mut inst, clock) = instance(REDIRECT_ACTION);
    let token = issue_token(&mut inst, &clock);
    clock.advance(61_000);
    let report = continue_with(
        &mut inst,
        &clock,
        json!({ "session_token": token, "state": "st-1" }),
    );
    let line = &console_texts(&report)[0];
    assert!(
        line.starts_with("Error: The session token is invalid: "),
        "{line}"
    );
    assert!(line.contains("expired"), "{line}");
}

#[test]
fn validate_token_rejects_a_state_mismatch_and_a_wrong_secret() {
    let (mut inst, clock) = instance(REDIRECT_ACTION);
    let token = issue_token(&mut inst, &clock);
    let report = continue_with(
        &mut inst,
        &clock,
        json!({ "session_token": token.clone(), "state": "other" }),
    );
    assert!(console_texts(&report)[0].starts_with("Error: The session token is invalid: "));

    let mut s = redirect_spec(
        Phase::Continue,
        json!({ "session_token": token, "state": "st-1" }),
    );
    std::rc::Rc::make_mut(&mut s.secrets)
        .insert("SESSION_SECRET".to_string(), "another-secret".to_string());
    let report = run(&mut inst, &clock, s);
    assert!(console_texts(&report)[0].starts_with("Error: The session token is invalid: "));
}

#[test]
fn validate_token_reads_the_post_body_and_a_custom_parameter_name() {
    let code = r#"
exports.onExecutePostLogin = async (event, api) => {
  const t = api.redirect.encodeToken({ secret: 'k', payload: { x: 1 } });
  api.redirect.sendUserTo('https://f.example.com', { query: { t } });
};
exports.onContinuePostLogin = async (event, api) => {
  const p = api.redirect.validateToken({ secret: 'k', tokenParameterName: 'my_token' });
  console.log(String(p.x));
};
"#;
    let (mut inst, clock) = instance(code);
    let first = run(&mut inst, &clock, post_login());
    let Outcome::Completed {
        redirect: Some(r), ..
    } = &first.outcome
    else {
        panic!("{:?}", first.outcome)
    };
    let token = r.query["t"].as_str().unwrap().to_string();
    let mut event = post_login_event();
    event["request"]["query"] = json!({});
    event["request"]["body"] = json!({ "my_token": token });
    let report = run(
        &mut inst,
        &clock,
        spec(Trigger::PostLogin, Phase::Continue, event),
    );
    expect_completed(&report);
    assert_eq!(console_texts(&report), ["1"]);
}

// ------------------------------------------------------------------ credentials-exchange

#[test]
fn credentials_exchange_api_records_deny_and_claims() {
    let code = r#"
exports.onExecuteCredentialsExchange = async (event, api) => {
  api.accessToken.setCustomClaim('https://ex/tier', 'gold').accessToken.setCustomClaim('n', 1);
  const stored = api.cache.set('k', 'v');
  console.log(`${stored.type}|${api.cache.get('k').value}`);
  console.log(`${typeof api.idToken}|${typeof api.user}|${typeof api.redirect}`);
  api.access.deny('invalid_scope', 'scope admin is not allowed');
};
"#;
    let (mut inst, clock) = instance(code);
    let report = run(&mut inst, &clock, credentials_exchange());
    expect_completed(&report);
    assert_eq!(report.trigger, Trigger::CredentialsExchange);
    assert_eq!(report.handler, "onExecuteCredentialsExchange");
    assert_eq!(
        commands(&report),
        [
            (
                "accessToken.setCustomClaim",
                json!(["https://ex/tier", "gold"])
            ),
            ("accessToken.setCustomClaim", json!(["n", 1])),
            (
                "access.deny",
                json!(["invalid_scope", "scope admin is not allowed"])
            ),
        ]
        .map(|(n, a)| (n.to_string(), a))
    );
    assert_eq!(
        console_texts(&report),
        ["success|v", "undefined|undefined|undefined"]
    );
    assert!(matches!(
        report.outcome,
        Outcome::Completed {
            denied: true,
            redirect: None
        }
    ));
    assert_eq!(report.cache_ops.len(), 2);
}

#[test]
fn credentials_exchange_deny_accepts_every_documented_code() {
    let code = r#"
exports.onExecuteCredentialsExchange = async (event, api) => {
  for (const c of ['invalid_scope', 'invalid_request', 'server_error']) api.access.deny(c, c);
};
"#;
    let (mut inst, clock) = instance(code);
    let report = run(&mut inst, &clock, credentials_exchange());
    expect_completed(&report);
    assert_eq!(report.commands.len(), 3);
}

#[test]
fn credentials_exchange_deny_with_an_invalid_code_throws_a_type_error() {
    let code = r#"
exports.onExecuteCredentialsExchange = async (event, api) => {
  api.access.deny('access_denied', 'nope');
};
"#;
    let (mut inst, clock) = instance(code);
    let report = run(&mut inst, &clock, credentials_exchange());
    let e = expect_failure(&report, ErrorKind::Thrown);
    assert_eq!(e.name, "TypeError");
    assert!(e.message.contains("access_denied"), "{}", e.message);
    assert!(e.message.contains("invalid_scope"), "{}", e.message);
    assert!(report.commands.is_empty());
}
