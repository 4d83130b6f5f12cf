//! `GET`/`PATCH /api/v2/users/{id}`: authentication, scopes, lookup, PATCH semantics.

use crate::common;

use actsim_tenant::{AccessTokenClaims, HttpRequest, HttpResponse};
use base64::Engine as _;
use common::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

fn assert_api_error(resp: &HttpResponse, status: u16, error: &str, message: &str) {
    assert_eq!(resp.status, status, "{:?}", resp.body_text());
    let body = json_of(resp);
    assert_eq!(body["statusCode"], status);
    assert_eq!(body["error"], error);
    assert_eq!(body["message"], message);
}

fn local_claims(iat: i64) -> AccessTokenClaims {
    AccessTokenClaims {
        iss: "https://tenant.actsim.test/".to_string(),
        sub: "actsim-local-m2m@clients".to_string(),
        aud: MGMT.to_string(),
        iat,
        exp: iat + 86_400,
        scope: "read:users update:users".to_string(),
        gty: "client-credentials".to_string(),
        azp: CLIENT_ID.to_string(),
    }
}

#[test]
fn get_user_with_valid_token() {
    let mut t = local();
    let token = mgmt_token(&mut t, NOW);
    let resp = t.handle(&bearer("GET", USER_PATH, &token), NOW + 5_000);
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert_eq!(
        json_of(&resp),
        json!({
            "user_id": USER_ID,
            "email": "j+smith@example.com",
            "email_verified": true,
            "name": "Jane Smith",
            "app_metadata": {},
            "user_metadata": {}
        })
    );
    // An unencoded id and a lower-case "bearer" scheme work too.
    let req = HttpRequest::new("GET", format!("/api/v2/users/{USER_ID}?fields=email"))
        .with_header("authorization", format!("bearer {token}"));
    assert_eq!(t.handle(&req, NOW).status, 200);
}

#[test]
fn missing_authentication_is_401() {
    let mut t = local();
    for req in [
        HttpRequest::new("GET", USER_PATH),
        HttpRequest::new("GET", USER_PATH).with_header("Authorization", "Bearer "),
        HttpRequest::new("PATCH", USER_PATH).with_header("Authorization", "Basic abc"),
    ] {
        let resp = t.handle(&req, NOW);
        assert_api_error(&resp, 401, "Unauthorized", "Missing authentication");
        assert_eq!(json_of(&resp)["errorCode"], "missing_authentication");
        assert_eq!(resp.header("www-authenticate"), Some("Bearer"));
    }
}

#[test]
fn token_signed_with_another_key_is_401_invalid_token() {
    let mut t = local();
    let iat = NOW / 1000;
    // Same claims, HS256 with a shared secret.
    let hs = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &local_claims(iat),
        &EncodingKey::from_secret(b"not-the-tenant-key").unwrap(),
    )
    .unwrap();
    // A genuine token with its payload swapped for one granting more: signature no longer matches.
    let genuine = mgmt_token(&mut t, NOW);
    let parts: Vec<&str> = genuine.split('.').collect();
    let mut forged_claims = local_claims(iat);
    forged_claims.scope = "read:users update:users delete:users".to_string();
    let forged_payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&forged_claims).unwrap());
    let tampered = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    // A genuine token with one character in the middle of its signature changed.
    let mut sig: Vec<char> = parts[2].chars().collect();
    let mid = sig.len() / 2;
    sig[mid] = if sig[mid] == 'A' { 'B' } else { 'A' };
    let sig_changed = format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        sig.iter().collect::<String>()
    );
    // alg "none".
    let none_header =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let unsigned = format!("{none_header}.{}.", parts[1]);

    for token in [
        hs,
        tampered,
        sig_changed,
        unsigned,
        "not-a-jwt".to_string(),
        "a.b.c".to_string(),
    ] {
        let resp = t.handle(&bearer("GET", USER_PATH, &token), NOW);
        assert_api_error(&resp, 401, "Unauthorized", "Invalid token");
        assert_eq!(json_of(&resp)["errorCode"], "invalid_token");
    }
    // The untouched genuine token still works.
    assert_eq!(
        t.handle(&bearer("GET", USER_PATH, &genuine), NOW).status,
        200
    );
}

#[test]
fn token_for_another_audience_is_401() {
    let mut t = extended();
    let token = token_for(&mut t, "api-client", "api-secret", OTHER_API, NOW);
    let resp = t.handle(&bearer("GET", USER_PATH, &token), NOW);
    assert_api_error(&resp, 401, "Unauthorized", "Invalid token");
}

#[test]
fn token_from_another_tenant_domain_is_401() {
    // Same key, but issued by a tenant with another domain (so another audience and issuer).
    let mut config = actsim_tenant::TenantConfig::local_default();
    config.domain = "other.actsim.test".to_string();
    config.clients[0].grants[0].audience = "https://other.actsim.test/api/v2/".to_string();
    let mut other = actsim_tenant::Tenant::new(config).unwrap();
    let token = token_for(
        &mut other,
        CLIENT_ID,
        SECRET,
        "https://other.actsim.test/api/v2/",
        NOW,
    );
    let mut t = local();
    let resp = t.handle(&bearer("GET", USER_PATH, &token), NOW);
    assert_api_error(&resp, 401, "Unauthorized", "Invalid token");
}

#[test]
fn expired_token_is_401_with_expiry_message() {
    let mut t = local();
    let token = mgmt_token(&mut t, NOW);
    let exp_ms = NOW + 86_400 * 1000;
    // Last valid millisecond.
    assert_eq!(
        t.handle(&bearer("GET", USER_PATH, &token), exp_ms - 1)
            .status,
        200
    );
    for now in [exp_ms, exp_ms + 1, exp_ms + 365 * 86_400_000] {
        let resp = t.handle(&bearer("GET", USER_PATH, &token), now);
        assert_api_error(
            &resp,
            401,
            "Unauthorized",
            "Expired token received for JSON Web Token validation",
        );
        assert!(resp
            .header("WWW-Authenticate")
            .unwrap()
            .starts_with("Bearer"));
    }
}

#[test]
fn scopes_are_enforced() {
    let mut t = extended();
    let reader = token_for(&mut t, "reader", "reader-secret", MGMT, NOW);
    assert_eq!(
        t.handle(&bearer("GET", USER_PATH, &reader), NOW).status,
        200
    );
    let resp = t.handle(
        &bearer("PATCH", USER_PATH, &reader).with_body(r#"{"name":"X"}"#),
        NOW,
    );
    assert_api_error(
        &resp,
        403,
        "Forbidden",
        "Insufficient scope, expected any of: update:users",
    );
    assert_eq!(json_of(&resp)["errorCode"], "insufficient_scope");
    assert_eq!(
        t.user(USER_ID).unwrap()["name"],
        "Jane Smith",
        "403 changed nothing"
    );

    // A token narrowed to read:roles cannot read users (`excess_scopes = "drop"` narrows a
    // token to the requested scopes; Auth0 itself would give every granted one).
    let mut config = actsim_tenant::TenantConfig::local_default();
    config.excess_scopes = actsim_tenant::ExcessScopes::Drop;
    let mut t = actsim_tenant::Tenant::new(config).unwrap();
    let req = form_request(&[
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", SECRET),
        ("audience", MGMT),
        ("scope", "read:roles"),
    ]);
    let roles_only = json_of(&t.handle(&req, NOW))["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = t.handle(&bearer("GET", USER_PATH, &roles_only), NOW);
    assert_api_error(
        &resp,
        403,
        "Forbidden",
        "Insufficient scope, expected any of: read:users",
    );
}

#[test]
fn unknown_user_is_404() {
    let mut t = local();
    let token = mgmt_token(&mut t, NOW);
    for method in ["GET", "PATCH"] {
        let resp = t.handle(
            &bearer(method, "/api/v2/users/auth0%7Cnobody", &token).with_body("{\"name\":\"x\"}"),
            NOW,
        );
        assert_eq!(
            json_of(&resp),
            json!({"statusCode":404,"error":"Not Found","message":"The user does not exist.","errorCode":"inexistent_user"})
        );
        assert_eq!(resp.status, 404);
    }
}

#[test]
fn patch_replaces_fields_and_merges_metadata() {
    let mut t = local();
    let token = mgmt_token(&mut t, NOW);
    let patch1 = json!({
        "name": "Jane Q. Smith",
        "app_metadata": {"plan": "gold", "roles": ["admin"]},
        "user_metadata": {"theme": "dark", "lang": "en"}
    });
    let resp = t.handle(
        &bearer("PATCH", USER_PATH, &token)
            .with_header("content-type", "application/json")
            .with_body(patch1.to_string()),
        NOW + 1_234,
    );
    assert_eq!(resp.status, 200, "{:?}", resp.body_text());
    let user = json_of(&resp);
    assert_eq!(user["name"], "Jane Q. Smith");
    assert_eq!(
        user["email"], "j+smith@example.com",
        "untouched fields stay"
    );
    assert_eq!(
        user["app_metadata"],
        json!({"plan": "gold", "roles": ["admin"]})
    );
    assert_eq!(user["updated_at"], "2023-11-14T22:13:21.234Z");

    // Second patch: null deletes, new keys add, existing keys replace; nested objects replace whole.
    let patch2 = json!({
        "app_metadata": {"plan": null, "roles": ["user"], "tier": {"a": 1}},
        "user_metadata": {"lang": "fr"},
        "email_verified": false
    });
    let resp = t.handle(
        &bearer("PATCH", USER_PATH, &token).with_body(patch2.to_string()),
        NOW + 60_000,
    );
    assert_eq!(resp.status, 200);
    let user = json_of(&resp);
    assert_eq!(
        user["app_metadata"],
        json!({"roles": ["user"], "tier": {"a": 1}})
    );
    assert_eq!(
        user["user_metadata"],
        json!({"theme": "dark", "lang": "fr"})
    );
    assert_eq!(user["email_verified"], false);
    assert_eq!(user["updated_at"], "2023-11-14T22:14:20.000Z");

    // The store and a later GET show the same state.
    assert_eq!(t.user(USER_ID), Some(&user));
    let got = t.handle(&bearer("GET", USER_PATH, &token), NOW + 61_000);
    assert_eq!(json_of(&got), user);
    // The configuration is not rewritten.
    assert_eq!(t.config().users[0]["name"], "Jane Smith");
}

#[test]
fn bad_patch_bodies_are_400_and_change_nothing() {
    let mut t = local();
    let token = mgmt_token(&mut t, NOW);
    let before = t.user(USER_ID).cloned();
    for body in [
        "not json",
        "[1]",
        "{}",
        r#"{"app_metadata": "x"}"#,
        r#"{"name": "ok", "user_metadata": [1]}"#,
        r#"{"user_id": "auth0|someone-else"}"#,
    ] {
        let resp = t.handle(&bearer("PATCH", USER_PATH, &token).with_body(body), NOW);
        assert_eq!(resp.status, 400, "{body}: {:?}", resp.body_text());
        let json = json_of(&resp);
        assert_eq!(json["errorCode"], "invalid_body", "{body}");
        assert!(json["message"]
            .as_str()
            .unwrap()
            .starts_with("Payload validation error"));
    }
    assert_eq!(t.user(USER_ID).cloned(), before);
}

#[test]
fn other_routes_are_404_json() {
    let mut t = local();
    let token = mgmt_token(&mut t, NOW);
    for (method, path) in [
        ("DELETE", USER_PATH),
        ("GET", "/api/v2/users/"),
        ("PUT", "/api/v2/roles"),
        ("GET", "/api/v2/roles/"),
        ("GET", "/api/v2/users/a/b"),
        ("GET", "/api/v2/clients"),
        ("GET", "/"),
        ("GET", "/oauth/token"),
        ("POST", "/.well-known/jwks.json"),
    ] {
        let resp = t.handle(&bearer(method, path, &token), NOW);
        assert_eq!(resp.status, 404, "{method} {path}");
        assert_eq!(json_of(&resp)["statusCode"], 404);
    }
}

#[test]
fn a_user_added_after_start_is_found_by_get_and_patch() {
    // The simulator adds each simulated user at their first login (Tenant::add_user): the
    // Management API must then find them exactly as a configured user, by GET and PATCH.
    let mut t = local();
    let token = mgmt_token(&mut t, NOW);
    let path = "/api/v2/users/auth0%7Clate-comer";
    assert_eq!(t.handle(&bearer("GET", path, &token), NOW).status, 404);
    let added = t
        .add_user(json!({"user_id": "auth0|late-comer", "email": "late@example.com"}))
        .expect("no roles to resolve");
    assert!(added);
    assert_eq!(
        t.user("auth0|late-comer").unwrap()["email"],
        "late@example.com"
    );
    let resp = t.handle(&bearer("GET", path, &token), NOW);
    assert_eq!(resp.status, 200);
    assert_eq!(json_of(&resp)["email"], "late@example.com");
    let patch = bearer("PATCH", path, &token).with_body(r#"{"app_metadata":{"plan":"pro"}}"#);
    assert_eq!(t.handle(&patch, NOW).status, 200);
    assert_eq!(
        t.user("auth0|late-comer").unwrap()["app_metadata"]["plan"],
        "pro"
    );
    // A second add of the same id keeps the user as it is.
    assert!(!t.add_user(json!({"user_id": "auth0|late-comer"})).unwrap());
    assert_eq!(
        t.user("auth0|late-comer").unwrap()["email"],
        "late@example.com"
    );
}
