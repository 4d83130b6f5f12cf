//! Real npm packages, installed in `tests/node-packages` (at the repository root) by `npm ci`
//! and loaded from its node_modules like Node's CommonJS loader would: jwt-decode 3 (callable)
//! and 4 (named export), uuid (on the seeded generator), lodash, jose (RS256 against the mock
//! tenant's JWKS, HS256 signing) and the real `auth0` v4 SDK, whose requests go through `fetch`
//! to the mock tenant's pure handler (`actsim_tenant::Tenant::handle`).
//!
//! Every test SKIPS LOUDLY (a `SKIPPED:` line on stderr) when node_modules is missing, and fails
//! under CI=true.

use crate::common;

use std::cell::RefCell;
use std::path::PathBuf;

use actsim_js::{Clock, ExecutionReport, FetchRequest, FetchResponse, InstanceConfig, OpResult};
use actsim_tenant::{HttpRequest, Tenant, TenantConfig};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use common::*;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Value};

fn packages_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/node-packages")
}

/// The action's file name inside tests/node-packages, or `None` after printing `SKIPPED` when
/// the packages are not installed.
fn installed(test: &str) -> Option<String> {
    let dir = packages_dir();
    if !dir.join("node_modules").is_dir() {
        common::skip_or_fail(&format!("{test}: run npm ci in tests/node-packages"));
        return None;
    }
    Some(dir.join("action.js").to_string_lossy().into_owned())
}

fn run_in_packages(file: &str, code: &str, seed: u64) -> ExecutionReport {
    let config = InstanceConfig {
        seed,
        ..InstanceConfig::default()
    };
    let (mut inst, clock) = instance_with(file, code, config);
    run(&mut inst, &clock, post_login())
}

const DOMAIN: &str = "tenant.actsim.test";
const USER_ID: &str = "auth0|5f7c8ec7c33c6c004bbafe82";

/// Answer fetches to the tenant's domain with the mock tenant's handler at virtual time.
fn tenant_responder<'a>(
    tenant: &'a RefCell<Tenant>,
    clock: &'a Clock,
    seen: &'a RefCell<Vec<FetchRequest>>,
) -> impl FnMut(&FetchRequest) -> OpResult + 'a {
    move |req: &FetchRequest| {
        seen.borrow_mut().push(req.clone());
        if !req.url.starts_with(&format!("https://{DOMAIN}/")) {
            return OpResult::NetworkError(format!("getaddrinfo ENOTFOUND {}", req.url));
        }
        let mut http = HttpRequest::new(req.method.clone(), req.url.clone());
        for (k, v) in &req.headers {
            http = http.with_header(k.clone(), v.clone());
        }
        if let Some(body) = &req.body {
            let bytes = if req.header("x-actsim-body-encoding") == Some("base64") {
                STANDARD.decode(body).expect("base64 body")
            } else {
                body.clone().into_bytes()
            };
            http = http.with_body(bytes);
        }
        let resp = tenant.borrow_mut().handle(&http, clock.now_ms());
        OpResult::Fetch(FetchResponse {
            status: resp.status,
            headers: resp.headers.clone(),
            body: String::from_utf8_lossy(&resp.body).into_owned(),
        })
    }
}

fn new_tenant() -> RefCell<Tenant> {
    RefCell::new(Tenant::new(TenantConfig::local_default()).expect("the local tenant is valid"))
}

/// A Management API token issued by the tenant at [`T0`].
fn tenant_token(tenant: &RefCell<Tenant>) -> String {
    let req = HttpRequest::new("POST", "/oauth/token")
        .with_header("content-type", "application/json")
        .with_body(
            json!({
                "grant_type": "client_credentials",
                "client_id": "actsim-local-m2m",
                "client_secret": "local-secret-change-me",
                "audience": format!("https://{DOMAIN}/api/v2/"),
            })
            .to_string(),
        );
    let resp = tenant.borrow_mut().handle(&req, T0);
    assert_eq!(resp.status, 200, "{:?}", resp.body_text());
    resp.json().unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

// ------------------------------------------------------------------ jwt-decode

#[test]
fn jwt_decode_v3_is_callable_and_v4_has_a_named_export() {
    let Some(file) = installed("jwt_decode_v3_is_callable_and_v4_has_a_named_export") else {
        return;
    };
    let payload = json!({ "sub": "auth0|42", "name": "Zoë", "exp": 1_900_000_000 });
    let token = format!(
        "{}.{}.c2ln",
        URL_SAFE_NO_PAD.encode(json!({ "alg": "RS256", "kid": "k1" }).to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let code = format!(
        r#"
const jwtDecodeV3 = require('jwt-decode-v3');
const v4 = require('jwt-decode');
exports.onExecutePostLogin = async () => {{
  const t = '{token}';
  console.log(typeof jwtDecodeV3, JSON.stringify(jwtDecodeV3(t)));
  console.log(JSON.stringify(jwtDecodeV3(t, {{ header: true }})));
  console.log(typeof v4, Object.keys(v4).sort().join(','));
  console.log(JSON.stringify(v4.jwtDecode(t)));
  try {{ v4.jwtDecode('nope'); }} catch (e) {{ console.log(e instanceof v4.InvalidTokenError, e.message); }}
  console.log(require.resolve('jwt-decode').replace(/^.*node_modules/, 'node_modules'));
}};
"#
    );
    let report = run_in_packages(&file, &code, 0);
    expect_completed(&report);
    let lines = console_texts(&report);
    assert_eq!(lines[0], format!("function {payload}"));
    assert_eq!(lines[1], r#"{"alg":"RS256","kid":"k1"}"#);
    // The installed v4 wins over actsim's callable stand-in.
    assert_eq!(lines[2], "object InvalidTokenError,jwtDecode");
    assert_eq!(lines[3], payload.to_string());
    assert_eq!(lines[4], "true Invalid token specified: missing part #2");
    assert_eq!(lines[5], "node_modules/jwt-decode/build/cjs/index.js");
}

// ------------------------------------------------------------------ uuid and lodash

#[test]
fn uuid_v4_comes_from_the_seeded_generator() {
    let Some(file) = installed("uuid_v4_comes_from_the_seeded_generator") else {
        return;
    };
    let code = r#"
const { v4, validate, version } = require('uuid');
exports.onExecutePostLogin = async () => {
  const ids = [v4(), v4(), crypto.randomUUID()];
  console.log(ids.join(' '));
  console.log(ids.every((id) => validate(id) && version(id) === 4));
};
"#;
    let a = console_texts(&run_in_packages(&file, code, 7));
    let b = console_texts(&run_in_packages(&file, code, 7));
    let c = console_texts(&run_in_packages(&file, code, 8));
    assert_eq!(a, b, "same seed, same UUIDs");
    assert_ne!(a[0], c[0], "another seed, other UUIDs");
    assert_eq!(a[1], "true");
    let ids: Vec<&str> = a[0].split(' ').collect();
    assert_eq!(ids.len(), 3);
    assert!(ids[0] != ids[1] && ids[1] != ids[2]);
}

#[test]
fn lodash_works_including_its_timers_in_virtual_time() {
    let Some(file) = installed("lodash_works_including_its_timers_in_virtual_time") else {
        return;
    };
    let code = r#"
const _ = require('lodash');
exports.onExecutePostLogin = async () => {
  console.log(JSON.stringify(_.chunk([1, 2, 3, 4, 5], 2)));
  console.log(_.get({ a: { b: [1, { c: 3 }] } }, 'a.b[1].c'));
  console.log(JSON.stringify(_.groupBy(['one', 'two', 'three'], 'length')));
  const deep = { x: [{ y: new Date(0) }] };
  const copy = _.cloneDeep(deep);
  console.log(copy.x[0].y !== deep.x[0].y && _.isEqual(copy, deep));
  console.log(_.template('hello <%= user %>!')({ user: 'ada' }));
  console.log(JSON.stringify(_.merge({ a: { b: 1 } }, { a: { c: 2 } })));
  console.log(_.uniqBy([2.1, 1.2, 2.3], Math.floor).join(','));
  let calls = 0;
  const bump = _.debounce(() => { calls += 1; }, 100);
  bump(); bump(); bump();
  await new Promise((r) => setTimeout(r, 150));
  console.log(`debounced calls: ${calls} at +${Date.now() - 1700000000000} ms`);
};
"#;
    let report = run_in_packages(&file, code, 0);
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        [
            "[[1,2],[3,4],[5]]",
            "3",
            r#"{"3":["one","two"],"5":["three"]}"#,
            "true",
            "hello ada!",
            r#"{"a":{"b":1,"c":2}}"#,
            "2.1,1.2",
            "debounced calls: 1 at +150 ms",
        ]
    );
}

// ------------------------------------------------------------------ jose

#[test]
fn jose_verifies_the_tenants_rs256_token_against_its_jwks() {
    let Some(file) = installed("jose_verifies_the_tenants_rs256_token_against_its_jwks") else {
        return;
    };
    let tenant = new_tenant();
    let token = tenant_token(&tenant);
    let jwks = tenant.borrow().jwks();
    let code = r#"
const { createLocalJWKSet, jwtVerify, decodeProtectedHeader } = require('jose');
exports.onExecutePostLogin = async (event) => {
  const JWKS = createLocalJWKSet(JSON.parse(event.secrets.JWKS));
  const token = event.secrets.TOKEN;
  const { payload, protectedHeader } = await jwtVerify(token, JWKS, {
    issuer: 'https://tenant.actsim.test/',
    audience: 'https://tenant.actsim.test/api/v2/',
  });
  console.log(protectedHeader.alg, protectedHeader.kid, payload.sub, payload.gty);
  const [h, p, s] = token.split('.');
  const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: 'evil' })).toString('base64url')}.${s}`;
  try { await jwtVerify(forged, JWKS); console.log('forged token accepted'); }
  catch (e) { console.log(e.code); }
  try { await jwtVerify(token, JWKS, { currentDate: new Date((payload.exp + 1) * 1000) }); console.log('expired token accepted'); }
  catch (e) { console.log(e.code); }
  console.log(decodeProtectedHeader(token).typ);
};
"#;
    let (mut inst, clock) = instance_with(&file, code, InstanceConfig::default());
    let mut spec = post_login();
    std::rc::Rc::make_mut(&mut spec.secrets).insert("TOKEN".into(), token);
    std::rc::Rc::make_mut(&mut spec.secrets).insert("JWKS".into(), jwks.to_string());
    let report = run(&mut inst, &clock, spec);
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        [
            "RS256 actsim-dev-key-1 actsim-local-m2m@clients client-credentials",
            "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
            "ERR_JWT_EXPIRED",
            "JWT",
        ]
    );
}

#[test]
fn jose_signs_hs256_with_virtual_time_claims() {
    let Some(file) = installed("jose_signs_hs256_with_virtual_time_claims") else {
        return;
    };
    let code = r#"
const jose = require('jose');
exports.onExecutePostLogin = async () => {
  const secret = new TextEncoder().encode('a-string-secret-at-least-256-bits-long');
  const jwt = await new jose.SignJWT({ 'https://example.com/plan': 'gold' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(secret);
  console.log(jwt);
  const { payload } = await jose.jwtVerify(jwt, secret);
  console.log(payload.exp - payload.iat);
};
"#;
    let report = run_in_packages(&file, code, 0);
    expect_completed(&report);
    let lines = console_texts(&report);
    let parts: Vec<&str> = lines[0].split('.').collect();
    let payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(
        payload,
        json!({ "https://example.com/plan": "gold", "iat": T0 / 1000, "exp": T0 / 1000 + 7200 })
    );
    let mut mac =
        <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(b"a-string-secret-at-least-256-bits-long")
            .unwrap();
    mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
    assert_eq!(
        parts[2],
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    );
    assert_eq!(lines[1], "7200");
}

// ------------------------------------------------------------------ auth0 v4

#[test]
fn auth0_v4_gets_a_token_and_updates_a_user_through_the_mock_tenant() {
    let Some(file) = installed("auth0_v4_gets_a_token_and_updates_a_user_through_the_mock_tenant")
    else {
        return;
    };
    let code = r#"
const { AuthenticationClient, ManagementClient } = require('auth0');
exports.onExecutePostLogin = async (event, api) => {
  const { domain, clientId, clientSecret } = event.secrets;
  const auth = new AuthenticationClient({ domain, clientId, clientSecret });
  const { data: grant } = await auth.oauth.clientCredentialsGrant({ audience: `https://${domain}/api/v2/` });
  console.log(grant.token_type, grant.expires_in, typeof grant.access_token);
  const management = new ManagementClient({ domain, token: grant.access_token });
  const updated = await management.users.update({ id: 'auth0|5f7c8ec7c33c6c004bbafe82' }, { app_metadata: { plan: 'gold' } });
  console.log(updated.status, JSON.stringify(updated.data.app_metadata));
  const { data: user } = await management.users.get({ id: 'auth0|5f7c8ec7c33c6c004bbafe82' });
  console.log(user.email);
  try {
    await management.users.get({ id: 'auth0|nobody' });
  } catch (e) {
    console.log(e.constructor.name, e.statusCode);
  }
  api.user.setAppMetadata('synced', true);
};
"#;
    let tenant = new_tenant();
    let seen = RefCell::new(Vec::new());
    let (mut inst, clock) = instance_with(&file, code, InstanceConfig::default());
    let mut spec = post_login();
    for (k, v) in [
        ("domain", DOMAIN),
        ("clientId", "actsim-local-m2m"),
        ("clientSecret", "local-secret-change-me"),
    ] {
        std::rc::Rc::make_mut(&mut spec.secrets).insert(k.into(), v.into());
    }
    let report = run_to_end(
        &mut inst,
        &clock,
        spec,
        tenant_responder(&tenant, &clock, &seen),
    );
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        [
            "Bearer 86400 string",
            r#"200 {"plan":"gold"}"#,
            "j+smith@example.com",
            "ManagementApiError 404",
        ]
    );
    assert_eq!(
        tenant.borrow().user(USER_ID).unwrap()["app_metadata"],
        json!({ "plan": "gold" })
    );
    assert_eq!(tenant.borrow().token_requests(), 1);
    let seen = seen.into_inner();
    let methods: Vec<(String, String)> = seen
        .iter()
        .map(|r| (r.method.clone(), r.url.clone()))
        .collect();
    assert_eq!(
        methods,
        [
            ("POST".to_string(), format!("https://{DOMAIN}/oauth/token")),
            (
                "PATCH".to_string(),
                format!("https://{DOMAIN}/api/v2/users/auth0%7C5f7c8ec7c33c6c004bbafe82")
            ),
            (
                "GET".to_string(),
                format!("https://{DOMAIN}/api/v2/users/auth0%7C5f7c8ec7c33c6c004bbafe82")
            ),
            (
                "GET".to_string(),
                format!("https://{DOMAIN}/api/v2/users/auth0%7Cnobody")
            ),
        ]
    );
    // The SDK's telemetry header is base64url JSON naming node-auth0 on the emulated Node.
    let telemetry = seen[0].header("auth0-client").expect("telemetry header");
    let telemetry: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(telemetry).unwrap()).unwrap();
    assert_eq!(telemetry["name"], "node-auth0");
    assert_eq!(
        telemetry["env"]["node"],
        actsim_js::NODE_VERSION.trim_start_matches('v')
    );
}

#[test]
fn auth0_v4_management_client_fetches_and_reuses_its_own_token() {
    let Some(file) = installed("auth0_v4_management_client_fetches_and_reuses_its_own_token")
    else {
        return;
    };
    let code = r#"
const { ManagementClient } = require('auth0');
let management;
exports.onExecutePostLogin = async (event) => {
  management = management || new ManagementClient({
    domain: event.secrets.domain,
    clientId: event.secrets.clientId,
    clientSecret: event.secrets.clientSecret,
  });
  const { data } = await management.users.get({ id: 'auth0|5f7c8ec7c33c6c004bbafe82' });
  console.log(data.name);
};
"#;
    let tenant = new_tenant();
    let seen = RefCell::new(Vec::new());
    let (mut inst, clock) = instance_with(&file, code, InstanceConfig::default());
    for _ in 0..2 {
        let mut spec = post_login();
        for (k, v) in [
            ("domain", DOMAIN),
            ("clientId", "actsim-local-m2m"),
            ("clientSecret", "local-secret-change-me"),
        ] {
            std::rc::Rc::make_mut(&mut spec.secrets).insert(k.into(), v.into());
        }
        let report = run_to_end(
            &mut inst,
            &clock,
            spec,
            tenant_responder(&tenant, &clock, &seen),
        );
        expect_completed(&report);
        assert_eq!(console_texts(&report), ["Jane Smith"]);
        clock.advance(60_000);
    }
    // The SDK caches the token in module state: one token request for two executions.
    assert_eq!(tenant.borrow().token_requests(), 1);
    assert_eq!(seen.borrow().len(), 3);
}
