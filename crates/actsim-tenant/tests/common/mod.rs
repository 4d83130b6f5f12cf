//! Helpers shared by the integration tests.
#![allow(dead_code)]

use actsim_tenant::{
    AccessTokenClaims, ApiConfig, ClientConfig, ClientGrant, HttpRequest, HttpResponse, Tenant,
    TenantConfig,
};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

pub const DOMAIN: &str = "tenant.actsim.test";
pub const MGMT: &str = "https://tenant.actsim.test/api/v2/";
pub const CLIENT_ID: &str = "actsim-local-m2m";
pub const SECRET: &str = "local-secret-change-me";
pub const USER_ID: &str = "auth0|5f7c8ec7c33c6c004bbafe82";
pub const USER_PATH: &str = "/api/v2/users/auth0%7C5f7c8ec7c33c6c004bbafe82";
pub const OTHER_API: &str = "https://api.example.test/";
/// 2023-11-14T22:13:20.000Z
pub const NOW: i64 = 1_700_000_000_000;

pub const PUBLIC_KEY_PEM: &str = include_str!("../../keys/dev-signing-key.pub.pem");

pub fn local() -> Tenant {
    Tenant::new(TenantConfig::local_default()).expect("local tenant is valid")
}

/// The local tenant plus an extra API (10-minute tokens), a client granted only that API, a
/// client granted the Management API with read:users only, and a client with no grants.
pub fn extended() -> Tenant {
    let mut config = TenantConfig::local_default();
    config.apis.push(ApiConfig {
        identifier: OTHER_API.to_string(),
        token_lifetime_s: Some(600),
    });
    config.clients.push(ClientConfig {
        client_id: "api-client".to_string(),
        client_secret: "api-secret".to_string(),
        name: "API client".to_string(),
        grants: vec![ClientGrant {
            audience: OTHER_API.to_string(),
            scopes: vec!["read:things".to_string()],
        }],
        quota: None,
    });
    config.clients.push(ClientConfig {
        client_id: "reader".to_string(),
        client_secret: "reader-secret".to_string(),
        name: String::new(),
        grants: vec![ClientGrant {
            audience: MGMT.to_string(),
            scopes: vec!["read:users".to_string()],
        }],
        quota: None,
    });
    config.clients.push(ClientConfig {
        client_id: "no-grants".to_string(),
        client_secret: "ng-secret".to_string(),
        name: String::new(),
        grants: vec![],
        quota: None,
    });
    Tenant::new(config).expect("extended tenant is valid")
}

/// Minimal form encoding for tests: everything but unreserved characters is %-escaped.
pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub fn form_request(pairs: &[(&str, &str)]) -> HttpRequest {
    HttpRequest::new("POST", "/oauth/token")
        .with_header("Content-Type", "application/x-www-form-urlencoded")
        .with_body(form_encode(pairs))
}

pub fn json_request(body: &Value) -> HttpRequest {
    HttpRequest::new("POST", "/oauth/token")
        .with_header("content-type", "application/json")
        .with_body(body.to_string())
}

pub fn good_form(client_id: &str, secret: &str, audience: &str) -> HttpRequest {
    form_request(&[
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("client_secret", secret),
        ("audience", audience),
    ])
}

/// Gets a token from `tenant` at `now_ms`, asserting success.
pub fn token_for(
    tenant: &mut Tenant,
    client_id: &str,
    secret: &str,
    audience: &str,
    now_ms: i64,
) -> String {
    let resp = tenant.handle(&good_form(client_id, secret, audience), now_ms);
    assert_eq!(
        resp.status,
        200,
        "token request failed: {:?}",
        resp.body_text()
    );
    resp.json().unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

pub fn mgmt_token(tenant: &mut Tenant, now_ms: i64) -> String {
    token_for(tenant, CLIENT_ID, SECRET, MGMT, now_ms)
}

/// Verifies `token`'s RS256 signature with `key` (expiry not checked) and returns its claims.
pub fn verify_with(
    token: &str,
    key: &DecodingKey,
    audience: &str,
) -> jsonwebtoken::errors::Result<AccessTokenClaims> {
    let mut v = Validation::new(Algorithm::RS256);
    v.validate_exp = false;
    v.set_audience(&[audience]);
    jsonwebtoken::decode::<AccessTokenClaims>(token, key, &v).map(|d| d.claims)
}

pub fn public_key() -> DecodingKey {
    DecodingKey::from_rsa_pem(PUBLIC_KEY_PEM.as_bytes()).unwrap()
}

pub fn bearer(method: &str, path: &str, token: &str) -> HttpRequest {
    HttpRequest::new(method, path).with_header("Authorization", format!("Bearer {token}"))
}

pub fn json_of(resp: &HttpResponse) -> Value {
    resp.json()
        .unwrap_or_else(|| panic!("body is not JSON: {:?}", resp.body_text()))
}
