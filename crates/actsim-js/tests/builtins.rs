//! The built-in stand-ins reachable with `require`: `jwt-decode` (v3 callable and v4 named
//! export, `{header: true}`, `InvalidTokenError` messages) and `auth0` (ManagementClient's
//! client-credentials token with its in-memory cache, `users.get` with a bearer token and
//! error statuses, AuthenticationClient's `oauth.clientCredentialsGrant`), plus the
//! MODULE_NOT_FOUND error for anything else.

use crate::common;

use std::cell::RefCell;

use actsim_js::{ErrorKind, FetchRequest};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::*;
use serde_json::{json, Value};

fn b64url(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

/// A JWT-shaped string (the signature is not checked by jwt-decode).
fn jwt(header: &Value, payload: &Value) -> String {
    format!("{}.{}.c2lnbmF0dXJl", b64url(header), b64url(payload))
}

/// A post-login spec carrying `token` in `event.request.query.token`.
fn with_token(token: &str) -> actsim_js::ExecutionSpec {
    let mut event = post_login_event();
    event["request"]["query"]["token"] = json!(token);
    post_login_with(event)
}

fn run_with_token(body: &str, token: &str) -> actsim_js::ExecutionReport {
    let (mut inst, clock) = instance(&cjs_handler(body));
    run(&mut inst, &clock, with_token(token))
}

// ------------------------------------------------------------------ jwt-decode

#[test]
fn jwt_decode_v3_callable_and_v4_named_export_decode_the_payload() {
    let token = jwt(
        &json!({ "alg": "RS256", "typ": "JWT", "kid": "key-1" }),
        &json!({ "sub": "auth0|42", "exp": 1_900_000_000, "name": "Zoë Ünïcode", "roles": ["a"] }),
    );
    let report = run_with_token(
        r#"
  const jwtDecodeV3 = require('jwt-decode');
  const { jwtDecode } = require('jwt-decode');
  const t = event.request.query.token;
  const a = jwtDecodeV3(t);
  const b = jwtDecode(t);
  console.log(JSON.stringify(a));
  console.log(String(JSON.stringify(a) === JSON.stringify(b)));
  console.log(JSON.stringify(jwtDecode(t, { header: true })));
  console.log(String(require('jwt-decode') === jwtDecodeV3 && jwtDecodeV3.default === jwtDecode));
"#,
        &token,
    );
    expect_completed(&report);
    let lines = console_texts(&report);
    let payload: Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(
        payload,
        json!({ "sub": "auth0|42", "exp": 1_900_000_000, "name": "Zoë Ünïcode", "roles": ["a"] })
    );
    assert_eq!(lines[1], "true");
    let header: Value = serde_json::from_str(&lines[2]).unwrap();
    assert_eq!(
        header,
        json!({ "alg": "RS256", "typ": "JWT", "kid": "key-1" })
    );
    assert_eq!(lines[3], "true");
}

/// The stand-in keeps the last token's payload and hands out copies: decoding the same token
/// again gives an equal, separate object at every depth, so what one caller (or an earlier
/// execution on the instance) changed never shows in the next result; another token is decoded
/// afresh.
#[test]
fn jwt_decode_of_the_same_token_again_gives_a_fresh_deep_copy() {
    let payload = json!({
        "sub": "auth0|42", "exp": 1_900_000_000,
        "roles": ["a", {"b": [1]}], "nested": {"deep": {"x": 1}}, "__proto__": {"own": true}
    });
    let token = jwt(&json!({ "alg": "none" }), &payload);
    let body = r#"
  const decode = require('jwt-decode');
  const t = event.request.query.token;
  const first = decode(t);
  console.log(JSON.stringify(first));
  if (first.roles) {
    first.exp = 0;
    first.roles.push('added');
    first.roles[1].b.push(2);
    first.nested.deep.x = 99;
    first.added = true;
    const second = decode(t);
    console.log(JSON.stringify(second));
    console.log(String(first !== second && first.roles !== second.roles
      && first.nested.deep !== second.nested.deep && first.roles[1] !== second.roles[1]));
    console.log(String(Object.getPrototypeOf(second) === Object.prototype
      && Object.prototype.hasOwnProperty.call(second, '__proto__')));
    console.log(JSON.stringify(decode(t, { header: true })));
  }
"#;
    let (mut inst, clock) = instance(&cjs_handler(body));
    // Twice on one instance: the second execution must not see the first one's changes.
    for _ in 0..2 {
        let report = run(&mut inst, &clock, with_token(&token));
        expect_completed(&report);
        let lines = console_texts(&report);
        assert_eq!(lines.len(), 5, "{lines:?}");
        for decoded in &lines[..2] {
            assert_eq!(serde_json::from_str::<Value>(decoded).unwrap(), payload);
        }
        assert_eq!(lines[2], "true");
        assert_eq!(lines[3], "true", "__proto__ stays an own data property");
        assert_eq!(lines[4], r#"{"alg":"none"}"#);
    }
    // Another token on the same instance is decoded, not served from the kept one.
    let other = jwt(&json!({ "alg": "none" }), &json!({ "exp": 5 }));
    let report = run(&mut inst, &clock, with_token(&other));
    expect_completed(&report);
    assert_eq!(console_texts(&report), [r#"{"exp":5}"#]);
    // A flat payload (copied with one object literal) keeps odd keys, their order, and an own
    // `__proto__`, on the first decoding and on the kept copies after it.
    let odd = r#"{"x":4,"a-b":2,"__proto__":1,"123":3,"default":"d","exp":6}"#;
    let flat = format!("eyJhbGciOiJub25lIn0.{}.c2ln", URL_SAFE_NO_PAD.encode(odd));
    for _ in 0..3 {
        let report = run(&mut inst, &clock, with_token(&flat));
        expect_completed(&report);
        // JSON.stringify lists integer-like keys first, as for the parsed original.
        assert_eq!(
            console_texts(&report),
            [r#"{"123":3,"x":4,"a-b":2,"__proto__":1,"default":"d","exp":6}"#]
        );
    }
}

#[test]
fn jwt_decode_works_in_an_es_module_too() {
    let token = jwt(&json!({ "alg": "none" }), &json!({ "exp": 123 }));
    let code = r#"
const decode = require('jwt-decode');
export const onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('exp', decode(event.request.query.token).exp);
};
"#;
    let (mut inst, clock) = instance(code);
    let report = run(&mut inst, &clock, with_token(&token));
    assert_eq!(report.commands[0].args, json!(["exp", 123]));
}

const TRY_DECODE: &str = r#"
  const { jwtDecode, InvalidTokenError } = require('jwt-decode');
  for (const t of [event.request.query.token, 42, undefined]) {
    try {
      jwtDecode(t);
      console.log('decoded');
    } catch (e) {
      console.log(`${e.name}|${e instanceof InvalidTokenError}|${e instanceof Error}|${e.message}`);
    }
  }
"#;

fn decode_errors(token: &str) -> Vec<String> {
    let report = run_with_token(TRY_DECODE, token);
    expect_completed(&report);
    console_texts(&report)
}

#[test]
fn a_token_without_a_payload_part_is_an_invalid_token_error() {
    let lines = decode_errors("not-a-jwt");
    assert_eq!(
        lines,
        [
            "InvalidTokenError|true|true|Invalid token specified: missing part #2",
            "InvalidTokenError|true|true|Invalid token specified: must be a string",
            "InvalidTokenError|true|true|Invalid token specified: must be a string",
        ]
    );
}

#[test]
fn a_payload_that_is_not_json_is_an_invalid_token_error() {
    let token = format!(
        "{}.{}.sig",
        b64url(&json!({})),
        URL_SAFE_NO_PAD.encode("not json")
    );
    let lines = decode_errors(&token);
    assert!(
        lines[0].starts_with(
            "InvalidTokenError|true|true|Invalid token specified: invalid json for part #2"
        ),
        "{}",
        lines[0]
    );
}

#[test]
fn a_payload_that_is_not_base64_is_an_invalid_token_error() {
    let lines = decode_errors("eyJhbGciOiJIUzI1NiJ9.a.sig");
    assert!(
        lines[0].starts_with(
            "InvalidTokenError|true|true|Invalid token specified: invalid base64 for part #2"
        ),
        "{}",
        lines[0]
    );
}

#[test]
fn an_uncaught_invalid_token_error_fails_with_its_name() {
    let report = run_with_token(
        "require('jwt-decode')(event.request.query.token);",
        "garbage",
    );
    let e = expect_failure(&report, ErrorKind::Thrown);
    assert_eq!(e.name, "InvalidTokenError");
    assert_eq!(e.message, "Invalid token specified: missing part #2");
}

// ------------------------------------------------------------------ auth0

const DOMAIN: &str = "tenant.example.com";

fn token_response(token: &str, expires_in: u64) -> actsim_js::OpResult {
    json_response(
        200,
        json!({ "access_token": token, "expires_in": expires_in, "token_type": "Bearer" }),
    )
}

fn body_json(req: &FetchRequest) -> Value {
    serde_json::from_str(req.body.as_deref().expect("a body")).expect("a JSON body")
}

#[test]
fn management_client_get_access_token_posts_client_credentials_once() {
    let code = cjs_handler(
        r#"
  const { ManagementClient } = require('auth0');
  const client = new ManagementClient({ domain: event.secrets.domain, clientId: 'cid', clientSecret: 'csecret' });
  const first = await client.getAccessToken();
  const second = await client.getAccessToken();
  console.log(`${first} ${second}`);
"#,
    );
    let (mut inst, clock) = instance(&code);
    let mut s = post_login();
    std::rc::Rc::make_mut(&mut s.secrets).insert("domain".into(), format!("https://{DOMAIN}/"));
    let mut seen = Vec::new();
    let report = run_to_end(&mut inst, &clock, s, |req| {
        seen.push(req.clone());
        token_response("mgmt-token-1", 86_400)
    });
    expect_completed(&report);
    assert_eq!(console_texts(&report), ["mgmt-token-1 mgmt-token-1"]);
    assert_eq!(
        seen.len(),
        1,
        "the second call uses the client's cache: {seen:?}"
    );
    let req = &seen[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.url, format!("https://{DOMAIN}/oauth/token"));
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(
        body_json(req),
        json!({
            "grant_type": "client_credentials",
            "client_id": "cid",
            "client_secret": "csecret",
            "audience": format!("https://{DOMAIN}/api/v2/"),
        })
    );
}

#[test]
fn a_module_scope_client_reuses_its_token_until_ten_seconds_before_expiry() {
    let code = format!(
        r#"
const {{ ManagementClient }} = require('auth0');
const client = new ManagementClient({{ domain: '{DOMAIN}', clientId: 'cid', clientSecret: 'cs' }});
exports.onExecutePostLogin = async (event, api) => {{
  api.idToken.setCustomClaim('token', await client.getAccessToken());
}};
"#
    );
    let (mut inst, clock) = instance(&code);
    let calls = RefCell::new(0u32);
    let mut responder = |_: &FetchRequest| {
        *calls.borrow_mut() += 1;
        token_response(&format!("tok-{}", calls.borrow()), 3600)
    };
    let a = run_to_end(&mut inst, &clock, post_login(), &mut responder);
    clock.advance(3_589_000);
    let b = run_to_end(&mut inst, &clock, post_login(), &mut responder);
    clock.advance(1_000);
    let c = run_to_end(&mut inst, &clock, post_login(), &mut responder);
    let claims: Vec<Value> = [a, b, c]
        .iter()
        .map(|r| r.commands[0].args[1].clone())
        .collect();
    assert_eq!(claims, [json!("tok-1"), json!("tok-1"), json!("tok-2")]);
    assert_eq!(*calls.borrow(), 2);
}

#[test]
fn concurrent_get_access_token_calls_share_one_request() {
    let report = run_handler_with_responder(
        r#"
  const { ManagementClient } = require('auth0');
  const client = new ManagementClient({ domain: 'tenant.example.com', clientId: 'cid', clientSecret: 'cs' });
  const [a, b] = await Promise.all([client.getAccessToken(), client.getAccessToken()]);
  console.log(`${a}=${b}`);
"#,
        |_| token_response("shared", 60),
    );
    assert_eq!(console_texts(&report.0), ["shared=shared"]);
    assert_eq!(report.1.len(), 1);
}

/// Run a handler body on a fresh instance, answering fetches with `answer`; returns the
/// report and the requests made.
fn run_handler_with_responder(
    body: &str,
    mut answer: impl FnMut(&FetchRequest) -> actsim_js::OpResult,
) -> (actsim_js::ExecutionReport, Vec<FetchRequest>) {
    let (mut inst, clock) = instance(&cjs_handler(body));
    let mut seen = Vec::new();
    let report = run_to_end(&mut inst, &clock, post_login(), |req| {
        seen.push(req.clone());
        answer(req)
    });
    (report, seen)
}

#[test]
fn management_client_users_get_sends_the_bearer_token_and_resolves_data_and_status() {
    let (report, seen) = run_handler_with_responder(
        r#"
  const { ManagementClient } = require('auth0');
  const management = new ManagementClient({ domain: 'tenant.example.com', token: 'static-token' });
  const res = await management.users.get({ id: 'auth0|abc def/1' });
  console.log(`${res.status} ${res.data.email} ${res.data.email_verified}`);
  const user = await management.getUser({ id: 'auth0|abc def/1' });
  console.log(user.email);
"#,
        |_| {
            json_response(
                200,
                json!({ "user_id": "auth0|abc def/1", "email": "ada@example.com", "email_verified": true }),
            )
        },
    );
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        ["200 ada@example.com true", "ada@example.com"]
    );
    assert_eq!(seen.len(), 2, "a static token needs no token request");
    for req in &seen {
        assert_eq!(req.method, "GET");
        assert_eq!(
            req.url,
            "https://tenant.example.com/api/v2/users/auth0%7Cabc%20def%2F1"
        );
        assert_eq!(req.header("authorization"), Some("Bearer static-token"));
        assert_eq!(req.body, None);
    }
}

#[test]
fn management_client_users_update_sends_json() {
    let (report, seen) = run_handler_with_responder(
        r#"
  const { ManagementClient } = require('auth0');
  const m = new ManagementClient({ domain: 'tenant.example.com', token: 't' });
  const res = await m.users.update({ id: 'u1' }, { app_metadata: { plan: 'pro' } });
  console.log(String(res.status));
"#,
        |_| json_response(200, json!({})),
    );
    assert_eq!(console_texts(&report), ["200"]);
    assert_eq!(seen[0].method, "PATCH");
    assert_eq!(seen[0].url, "https://tenant.example.com/api/v2/users/u1");
    assert_eq!(seen[0].header("content-type"), Some("application/json"));
    assert_eq!(
        body_json(&seen[0]),
        json!({ "app_metadata": { "plan": "pro" } })
    );
}

#[test]
fn v4_managers_are_objects_with_prototype_methods_each_calling_its_own_client() {
    // As node-auth0 v4's managers: the methods are on the prototype (shared by every client's
    // manager, which needs its `this`), and the manager shows nothing of its client.
    let (report, seen) = run_handler_with_responder(
        r#"
  const { ManagementClient } = require('auth0');
  const a = new ManagementClient({ domain: 'a.example.com', token: 'ta' });
  const b = new ManagementClient({ domain: 'b.example.com', token: 'tb' });
  console.log(a.users.update === b.users.update, Object.keys(a.users).length, JSON.stringify(a.users));
  console.log(Object.getOwnPropertyNames(Object.getPrototypeOf(a.users)).join());
  console.log(Object.getOwnPropertyNames(Object.getPrototypeOf(a.usersByEmail)).join());
  await b.users.update({ id: 'u1' }, { x: 1 });
  await a.users.get({ id: 'u2' });
  await b.users.getRoles({ id: 'u3' });
  await a.usersByEmail.getByEmail({ email: 'x@y.z' });
  const { update } = a.users;
  try { update({ id: 'u4' }, {}); } catch (e) { console.log(e.name); }
"#,
        |_| json_response(200, json!({})),
    );
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        [
            "true 0 {}",
            "constructor,get,update,getRoles",
            "constructor,getByEmail",
            "TypeError"
        ]
    );
    let sent: Vec<String> = seen
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r.method,
                r.url,
                r.header("authorization").unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        sent,
        [
            "PATCH https://b.example.com/api/v2/users/u1 Bearer tb",
            "GET https://a.example.com/api/v2/users/u2 Bearer ta",
            "GET https://b.example.com/api/v2/users/u3/roles Bearer tb",
            "GET https://a.example.com/api/v2/users-by-email?email=x%40y.z Bearer ta",
        ]
    );
}

#[test]
fn a_domain_given_as_a_url_is_reduced_to_the_host() {
    // Users paste `https://tenant/` from the dashboard: the scheme and trailing slashes go,
    // anything else (another scheme's case, a path) is kept as given.
    let (report, seen) = run_handler_with_responder(
        r#"
  const { ManagementClient } = require('auth0');
  for (const domain of ['https://tenant.example.com/', 'http://tenant.example.com//', 'tenant.example.com']) {
    await new ManagementClient({ domain, token: 't' }).users.update({ id: 'u1' }, {});
  }
"#,
        |_| json_response(200, json!({})),
    );
    expect_completed(&report);
    let urls: Vec<&str> = seen.iter().map(|r| r.url.as_str()).collect();
    assert_eq!(urls, ["https://tenant.example.com/api/v2/users/u1"; 3]);
}

#[test]
fn a_401_rejects_with_an_error_carrying_the_status_code() {
    let (report, _) = run_handler_with_responder(
        r#"
  const { ManagementClient, ManagementApiError } = require('auth0');
  const m = new ManagementClient({ domain: 'tenant.example.com', token: 'expired' });
  try {
    await m.users.get({ id: 'u1' });
    console.log('resolved');
  } catch (e) {
    console.log(`${e.name}|${e.statusCode}|${e instanceof ManagementApiError}|${e.message}`);
  }
"#,
        |_| {
            json_response(
                401,
                json!({ "statusCode": 401, "error": "Unauthorized", "message": "Expired token received for JSON Web Token validation" }),
            )
        },
    );
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        ["ManagementApiError|401|true|Expired token received for JSON Web Token validation"]
    );
}

#[test]
fn an_uncaught_management_api_error_fails_the_execution() {
    let (report, _) = run_handler_with_responder(
        r#"
  const { ManagementClient } = require('auth0');
  await new ManagementClient({ domain: 'tenant.example.com', token: 't' }).users.get({ id: 'u1' });
"#,
        |_| json_response(429, json!({ "message": "Too Many Requests" })),
    );
    let e = expect_failure(&report, ErrorKind::Thrown);
    assert_eq!(e.name, "ManagementApiError");
    assert_eq!(e.message, "Too Many Requests");
}

#[test]
fn a_failed_token_request_rejects_get_access_token() {
    let (report, seen) = run_handler_with_responder(
        r#"
  const { ManagementClient } = require('auth0');
  const c = new ManagementClient({ domain: 'tenant.example.com', clientId: 'cid', clientSecret: 'wrong' });
  for (let i = 0; i < 2; i++) {
    try { await c.getAccessToken(); } catch (e) { console.log(`${e.name}|${e.statusCode}|${e.message}`); }
  }
"#,
        |_| {
            json_response(
                401,
                json!({ "error": "access_denied", "error_description": "Unauthorized" }),
            )
        },
    );
    assert_eq!(
        console_texts(&report),
        [
            "AuthApiError|401|Unauthorized",
            "AuthApiError|401|Unauthorized"
        ]
    );
    // A failure is not cached: the second call asks again.
    assert_eq!(seen.len(), 2);
}

#[test]
fn authentication_client_client_credentials_grant_resolves_data() {
    let (report, seen) = run_handler_with_responder(
        r#"
  const { AuthenticationClient } = require('auth0');
  const auth = new AuthenticationClient({ domain: 'tenant.example.com', clientId: 'cid', clientSecret: 'cs' });
  const { data } = await auth.oauth.clientCredentialsGrant({ audience: 'https://api.example.com/' });
  console.log(`${data.access_token} ${data.expires_in} ${data.token_type}`);
"#,
        |_| token_response("api-token", 7200),
    );
    expect_completed(&report);
    assert_eq!(console_texts(&report), ["api-token 7200 Bearer"]);
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].url, "https://tenant.example.com/oauth/token");
    assert_eq!(
        body_json(&seen[0]),
        json!({
            "grant_type": "client_credentials",
            "client_id": "cid",
            "client_secret": "cs",
            "audience": "https://api.example.com/",
        })
    );
}

#[test]
fn auth0_clients_validate_their_options() {
    let report = run_handler(
        r#"
  const { ManagementClient, AuthenticationClient } = require('auth0');
  const attempts = [
    () => new ManagementClient({ clientId: 'x', clientSecret: 'y' }),
    () => new ManagementClient({ domain: 'd.example.com' }),
    () => new AuthenticationClient({ domain: 'd.example.com' }),
  ];
  for (const f of attempts) {
    try { f(); console.log('ok'); } catch (e) { console.log(e.name); }
  }
"#,
    );
    assert_eq!(
        console_texts(&report),
        ["TypeError", "TypeError", "TypeError"]
    );
}

// ------------------------------------------------------------------ require

#[test]
fn requiring_an_unknown_module_throws_module_not_found() {
    let report = run_handler(
        r#"
  for (const name of ['axios', 'left-pad/sub']) {
    try { require(name); console.log('loaded'); }
    catch (e) { console.log(`${e.code}|${e.message}`); }
  }
  console.log(typeof require('node:crypto').createHash);
"#,
    );
    expect_completed(&report);
    let lines = console_texts(&report);
    assert_eq!(lines.len(), 3);
    for (line, name) in lines.iter().zip(["axios", "left-pad/sub"]) {
        assert!(line.starts_with("MODULE_NOT_FOUND|"), "{line}");
        assert!(
            line.contains(&format!("Cannot find module '{name}'")),
            "{line}"
        );
    }
    assert_eq!(lines[2], "function");
}

#[test]
fn a_top_level_require_of_a_refused_module_fails_module_init() {
    let (mut inst, clock) =
        instance("const fs = require('fs');\nexports.onExecutePostLogin = async () => {};\n");
    let report = run(&mut inst, &clock, post_login());
    let e = expect_failure(&report, ErrorKind::ModuleInit);
    assert!(
        e.message
            .contains("require('fs'): Auth0 Actions cannot use the filesystem"),
        "{}",
        e.message
    );
    assert_eq!(e.location.as_ref().map(|l| l.line), Some(1));
}

#[test]
fn stand_ins_are_cached_and_the_node_prefix_is_only_for_built_ins() {
    let report = run_handler(
        r#"
  console.log(String(require('auth0') === require('auth0')));
  try { require(42); } catch (e) { console.log(e.name); }
  try { require('node:auth0'); } catch (e) { console.log(`${e.code}: ${e.message}`); }
"#,
    );
    assert_eq!(
        console_texts(&report),
        [
            "true",
            "TypeError",
            "ERR_UNKNOWN_BUILTIN_MODULE: No such built-in module: node:auth0"
        ]
    );
}
