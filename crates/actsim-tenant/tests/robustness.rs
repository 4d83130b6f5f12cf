//! Arbitrary input never panics, always yields a JSON response, and leaves the tenant usable.

use crate::common;

use actsim_tenant::{HttpRequest, Tenant};
use common::*;
use proptest::prelude::*;
use std::sync::OnceLock;

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("GET".to_string()),
        Just("POST".to_string()),
        Just("PATCH".to_string()),
        Just("DELETE".to_string()),
        "[A-Za-z]{0,8}",
        any::<String>(),
    ]
}

fn path() -> impl Strategy<Value = String> {
    let prefix = prop_oneof![
        Just("/oauth/token".to_string()),
        Just("/api/v2/users/".to_string()),
        Just(USER_PATH.to_string()),
        Just("/.well-known/jwks.json".to_string()),
        Just("https://tenant.actsim.test".to_string()),
        Just(String::new()),
    ];
    (prefix, any::<String>(), "[%?/a-zA-Z0-9|+&=]{0,12}")
        .prop_map(|(p, junk, tail)| format!("{p}{tail}{junk}"))
}

fn header() -> impl Strategy<Value = (String, String)> {
    let name = prop_oneof![
        Just("content-type".to_string()),
        Just("Authorization".to_string()),
        any::<String>(),
    ];
    let value = prop_oneof![
        Just("application/json".to_string()),
        Just("application/x-www-form-urlencoded".to_string()),
        Just("Basic YWN0c2ltLWxvY2FsLW0ybTpsb2NhbC1zZWNyZXQtY2hhbmdlLW1l".to_string()),
        Just("Basic".to_string()),
        "Bearer [A-Za-z0-9._-]{0,80}",
        any::<String>(),
    ];
    (name, value)
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        Just(b"grant_type=client_credentials&client_id=actsim-local-m2m&client_secret=local-secret-change-me&audience=https%3A%2F%2Ftenant.actsim.test%2Fapi%2Fv2%2F".to_vec()),
        "[{}\\[\\]\":,a-z0-9 %&=+]{0,200}".prop_map(String::into_bytes),
        Just(br#"{"app_metadata":{"a":null},"user_metadata":{"b":1}}"#.to_vec()),
    ]
}

/// One Management API token issued at `NOW`, shared by all cases (RSA signing is slow in debug
/// builds; verification is cheap).
fn shared_token() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| mgmt_token(&mut local(), NOW))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_requests_never_panic(
        method in method(),
        path in path(),
        headers in proptest::collection::vec(header(), 0..4),
        body in body(),
        now in any::<i64>(),
    ) {
        let mut t = local();
        let req = HttpRequest { method, path_and_query: path, headers, body };
        let resp = t.handle(&req, now);
        prop_assert!(resp.json().is_some(), "non-JSON body for {req:?}");
        prop_assert!([200, 400, 401, 403, 404, 413].contains(&resp.status), "status {} for {req:?}", resp.status);
        // The tenant still serves afterwards.
        prop_assert_eq!(t.handle(&HttpRequest::new("GET", "/.well-known/jwks.json"), NOW).status, 200);
    }

    #[test]
    fn arbitrary_patch_bodies_with_a_valid_token_never_panic(
        body in body(),
        now in NOW..NOW + 86_400_000,
    ) {
        let mut t = local();
        let resp = t.handle(&bearer("PATCH", USER_PATH, shared_token()).with_body(body), now);
        prop_assert!(resp.json().is_some());
        prop_assert!(resp.status == 200 || resp.status == 400, "status {}", resp.status);
        // The user stays a valid object with its id.
        prop_assert_eq!(t.user(USER_ID).unwrap()["user_id"].as_str(), Some(USER_ID));
    }

}

/// The local tenant with a quota, a rate limit and one fault of each kind.
fn loaded() -> Tenant {
    let src = format!(
        "{}\n[clients.quota]\nper_hour = 3\nper_day = 5\n{}",
        include_str!("../../../fixtures/tenants/local.toml")
            .split("\n[[users]]")
            .next()
            .unwrap(),
        r#"
[token_rate_limit]
per_second = 2

[[faults]]
kind = "latency"
latency_ms = 5
path_prefix = "/api/"

[[faults]]
kind = "error"
status = 503
times = 2
client_id = "actsim-local-m2m"
from = "+1s"

[[faults]]
kind = "timeout"
path_prefix = "/.well-known/jwks"
until = "2030-01-01T00:00:00Z"
"#
    );
    Tenant::new(actsim_tenant::TenantConfig::from_toml_str(&src).unwrap()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_request_sequences_with_limits_and_faults_never_panic(
        requests in proptest::collection::vec((method(), path(), proptest::collection::vec(header(), 0..3), body(), -5_000i64..5_000), 1..6),
        start in any::<i64>(),
    ) {
        let mut t = loaded();
        let mut now = start;
        for (method, path, headers, body, step) in requests {
            now = now.saturating_add(step);
            let req = HttpRequest { method, path_and_query: path, headers, body };
            let resp = t.handle(&req, now);
            prop_assert!(resp.json().is_some(), "non-JSON body for {req:?}");
            prop_assert!([200, 400, 401, 403, 404, 413, 429, 503, 504].contains(&resp.status), "status {} for {req:?}", resp.status);
            prop_assert!(!resp.timeout || resp.status == 504);
        }
    }
}

proptest! {
    // Each case signs a token: kept small because RSA signing is slow in debug builds.
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn token_at_any_time_is_consistent(now in any::<i64>()) {
        let mut t = local();
        let resp = t.handle(&good_form(CLIENT_ID, SECRET, MGMT), now);
        prop_assert_eq!(resp.status, 200);
        let issued = &t.issued_tokens()[0];
        prop_assert_eq!(issued.iat, now.div_euclid(1000));
        prop_assert_eq!(issued.exp, issued.iat.saturating_add(86_400));
    }
}

#[test]
fn arbitrary_toml_never_panics() {
    // A deterministic byte-mangling loop over the local tenant file.
    let src = include_str!("../../../fixtures/tenants/local.toml");
    let bytes = src.as_bytes();
    for i in 0..bytes.len() {
        for replacement in [b'"', b'[', b'=', b'\n', b'x'] {
            let mut mangled = bytes.to_vec();
            mangled[i] = replacement;
            let Ok(text) = String::from_utf8(mangled) else {
                continue;
            };
            match actsim_tenant::TenantConfig::from_toml_str(&text) {
                Ok(config) => {
                    let _ = Tenant::new(config);
                }
                Err(e) => {
                    let _ = e.line_col(&text);
                }
            }
        }
    }
}
