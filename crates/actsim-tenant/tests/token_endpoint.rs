//! `POST /oauth/token`: success, claims, determinism, encodings, every error case, the ledger.

use crate::common;

use actsim_tenant::{HttpRequest, IssuedToken};
use base64::Engine as _;
use common::*;
use serde_json::json;

const GRANT_DENIED: &str = "Client is not authorized to access \"https://api.example.test/\". You need to create a \"client-grant\" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants";

#[test]
fn issues_a_signed_token_with_the_documented_claims() {
    let mut tenant = local();
    let now = NOW + 999; // iat is floor(now_ms / 1000)
    let resp = tenant.handle(&good_form(CLIENT_ID, SECRET, MGMT), now);
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("Content-Type"), Some("application/json"));
    assert_eq!(resp.header("cache-control"), Some("no-store"));
    let body = json_of(&resp);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 86400);
    assert_eq!(body["scope"], "read:users update:users read:roles");
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["access_token", "token_type", "expires_in", "scope"]);

    let token = body["access_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    assert_eq!(header.kid.as_deref(), Some("actsim-dev-key-1"));

    let claims =
        verify_with(token, &public_key(), MGMT).expect("signature verifies with the public key");
    assert_eq!(claims.iss, "https://tenant.actsim.test/");
    assert_eq!(claims.sub, "actsim-local-m2m@clients");
    assert_eq!(claims.aud, MGMT);
    assert_eq!(claims.iat, 1_700_000_000);
    assert_eq!(claims.exp, 1_700_000_000 + 86_400);
    assert_eq!(claims.scope, "read:users update:users read:roles");
    assert_eq!(claims.gty, "client-credentials");
    assert_eq!(claims.azp, CLIENT_ID);
}

#[test]
fn same_request_and_time_give_byte_identical_responses() {
    let req = good_form(CLIENT_ID, SECRET, MGMT);
    let a = local().handle(&req, NOW);
    let mut t = local();
    let b = t.handle(&req, NOW);
    let c = t.handle(&req, NOW);
    assert_eq!(a.status, 200);
    assert_eq!(a, b);
    assert_eq!(
        b, c,
        "a second identical request on the same tenant is identical too"
    );
    let later = t.handle(&req, NOW + 1000);
    assert_ne!(
        later.body, a.body,
        "a different second gives a different token"
    );
}

#[test]
fn json_body_with_and_without_charset() {
    for ct in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON;charset=UTF-8",
    ] {
        let mut t = local();
        let req = HttpRequest::new("POST", "/oauth/token")
            .with_header("content-type", ct)
            .with_body(
                json!({"grant_type":"client_credentials","client_id":CLIENT_ID,"client_secret":SECRET,"audience":MGMT,"extra":{"ignored":true}})
                    .to_string(),
            );
        let resp = t.handle(&req, NOW);
        assert_eq!(resp.status, 200, "{ct}: {:?}", resp.body_text());
        // Same token as the form request at the same time.
        let form = local().handle(&good_form(CLIENT_ID, SECRET, MGMT), NOW);
        assert_eq!(resp.body, form.body, "{ct}");
    }
}

#[test]
fn http_basic_client_authentication() {
    let creds = base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{SECRET}"));
    let mut t = local();
    let req = form_request(&[("grant_type", "client_credentials"), ("audience", MGMT)])
        .with_header("authorization", format!("Basic {creds}"));
    let resp = t.handle(&req, NOW);
    assert_eq!(resp.status, 200, "{:?}", resp.body_text());
    assert_eq!(t.issued_tokens()[0].client_id, CLIENT_ID);

    let wrong = base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:nope"));
    let req = form_request(&[("grant_type", "client_credentials"), ("audience", MGMT)])
        .with_header("Authorization", format!("Basic {wrong}"));
    let resp = t.handle(&req, NOW);
    assert_eq!(resp.status, 401);
    assert_eq!(
        json_of(&resp),
        json!({"error":"access_denied","error_description":"Unauthorized"})
    );

    let req = form_request(&[("grant_type", "client_credentials"), ("audience", MGMT)])
        .with_header("Authorization", "Basic !!!not-base64");
    let resp = t.handle(&req, NOW);
    assert_eq!(resp.status, 400);
    assert_eq!(json_of(&resp)["error"], "invalid_request");

    // Secret both in the header and the body: two authentication methods.
    let req =
        good_form(CLIENT_ID, SECRET, MGMT).with_header("Authorization", format!("Basic {creds}"));
    let resp = t.handle(&req, NOW);
    assert_eq!(resp.status, 400);
    assert_eq!(json_of(&resp)["error"], "invalid_request");
}

#[test]
fn scope_parameter_beyond_the_grant_is_denied_as_auth0_does() {
    let mut t = local();
    let req = form_request(&[
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", SECRET),
        ("audience", MGMT),
        ("scope", "read:roles delete:users read:users create:users"),
    ]);
    let resp = t.handle(&req, NOW);
    assert_eq!(resp.status, 403);
    let body = json_of(&resp);
    assert_eq!(body["error"], "access_denied");
    assert_eq!(
        body["error_description"],
        "Client has not been granted scopes: delete:users create:users"
    );
    assert!(t.issued_tokens().is_empty());
    // A subset of the grant gets every granted scope, as Auth0 gives (docs/tenant.md).
    let req = form_request(&[
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", SECRET),
        ("audience", MGMT),
        ("scope", "read:roles read:users"),
    ]);
    let resp = t.handle(&req, NOW);
    assert_eq!(resp.status, 200);
    let body = json_of(&resp);
    assert_eq!(body["scope"], "read:users update:users read:roles");
    let claims = verify_with(body["access_token"].as_str().unwrap(), &public_key(), MGMT).unwrap();
    assert_eq!(claims.scope, "read:users update:users read:roles");
}

#[test]
fn excess_scopes_drop_narrows_to_the_requested_granted_scopes() {
    let mut config = actsim_tenant::TenantConfig::local_default();
    config.excess_scopes = actsim_tenant::ExcessScopes::Drop;
    let mut t = actsim_tenant::Tenant::new(config).unwrap();
    let req = form_request(&[
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", SECRET),
        ("audience", MGMT),
        ("scope", "read:roles delete:users read:users"),
    ]);
    let resp = t.handle(&req, NOW);
    assert_eq!(resp.status, 200);
    let body = json_of(&resp);
    assert_eq!(body["scope"], "read:users read:roles");
    let claims = verify_with(body["access_token"].as_str().unwrap(), &public_key(), MGMT).unwrap();
    assert_eq!(claims.scope, "read:users read:roles");
    assert_eq!(t.issued_tokens()[0].scope, "read:users read:roles");
    // A subset within the grant is narrowed to as well.
    let req = form_request(&[
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", SECRET),
        ("audience", MGMT),
        ("scope", "read:roles"),
    ]);
    assert_eq!(json_of(&t.handle(&req, NOW))["scope"], "read:roles");
    // The tenant file spells it `excess_scopes = "drop"`.
    let parsed = actsim_tenant::TenantConfig::from_toml_str(
        "domain = \"d.test\"\nclients = []\nexcess_scopes = \"drop\"\n",
    )
    .unwrap();
    assert_eq!(parsed.excess_scopes, actsim_tenant::ExcessScopes::Drop);
    assert!(actsim_tenant::TenantConfig::from_toml_str(
        "domain = \"d.test\"\nclients = []\nexcess_scopes = \"ignore\"\n",
    )
    .is_err());
}

#[test]
fn api_lifetime_overrides_tenant_default() {
    let mut t = extended();
    let resp = t.handle(&good_form("api-client", "api-secret", OTHER_API), NOW);
    assert_eq!(resp.status, 200);
    let body = json_of(&resp);
    assert_eq!(body["expires_in"], 600);
    assert_eq!(body["scope"], "read:things");
    let claims = verify_with(
        body["access_token"].as_str().unwrap(),
        &public_key(),
        OTHER_API,
    )
    .unwrap();
    assert_eq!(claims.exp - claims.iat, 600);
    assert_eq!(claims.aud, OTHER_API);
}

fn assert_error(resp: &actsim_tenant::HttpResponse, status: u16, error: &str, description: &str) {
    assert_eq!(resp.status, status, "{:?}", resp.body_text());
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert_eq!(
        json_of(resp),
        json!({"error": error, "error_description": description})
    );
}

#[test]
fn grant_type_errors() {
    let mut t = local();
    let resp = t.handle(
        &form_request(&[
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("audience", MGMT),
        ]),
        NOW,
    );
    assert_error(
        &resp,
        400,
        "invalid_request",
        "Missing required parameter: grant_type",
    );

    let resp = t.handle(
        &form_request(&[
            ("grant_type", "password"),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("audience", MGMT),
        ]),
        NOW,
    );
    assert_error(
        &resp,
        400,
        "unsupported_grant_type",
        "Unsupported grant type: password",
    );

    // An empty body has no grant_type either.
    let resp = t.handle(&HttpRequest::new("POST", "/oauth/token"), NOW);
    assert_error(
        &resp,
        400,
        "invalid_request",
        "Missing required parameter: grant_type",
    );
}

#[test]
fn client_authentication_errors() {
    let mut t = local();
    for req in [
        good_form("nobody", SECRET, MGMT),
        good_form(CLIENT_ID, "wrong-secret", MGMT),
        form_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("audience", MGMT),
        ]),
        form_request(&[
            ("grant_type", "client_credentials"),
            ("client_secret", SECRET),
            ("audience", MGMT),
        ]),
    ] {
        let resp = t.handle(&req, NOW);
        assert_error(&resp, 401, "access_denied", "Unauthorized");
    }
}

#[test]
fn audience_errors() {
    let mut t = extended();
    let resp = t.handle(
        &form_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
        ]),
        NOW,
    );
    assert_eq!(resp.status, 400);
    let body = json_of(&resp);
    assert_eq!(body["error"], "invalid_request");
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("audience"));

    let resp = t.handle(
        &good_form(CLIENT_ID, SECRET, "https://unknown.example/"),
        NOW,
    );
    assert_error(
        &resp,
        403,
        "access_denied",
        "Service not enabled within domain: https://unknown.example/",
    );

    // Known API, but this client has no grant for it.
    let resp = t.handle(&good_form(CLIENT_ID, SECRET, OTHER_API), NOW);
    assert_error(&resp, 403, "access_denied", GRANT_DENIED);
    let resp = t.handle(&good_form("no-grants", "ng-secret", MGMT), NOW);
    assert_error(
        &resp,
        403,
        "access_denied",
        &GRANT_DENIED.replace("https://api.example.test/", MGMT),
    );
}

#[test]
fn malformed_bodies_are_400_with_oauth_error_json() {
    let mut t = local();
    let cases: Vec<HttpRequest> = vec![
        HttpRequest::new("POST", "/oauth/token")
            .with_header("content-type", "application/json")
            .with_body("{\"grant_type\": "),
        HttpRequest::new("POST", "/oauth/token")
            .with_header("content-type", "application/json")
            .with_body("[1,2,3]"),
        json_request(&json!({"grant_type": 7, "client_id": CLIENT_ID})),
        HttpRequest::new("POST", "/oauth/token")
            .with_header("content-type", "text/plain")
            .with_body("grant_type=client_credentials"),
        HttpRequest::new("POST", "/oauth/token").with_body("grant_type=client_credentials"),
        HttpRequest::new("POST", "/oauth/token")
            .with_header("content-type", "application/x-www-form-urlencoded")
            .with_body(b"grant_type=%FF%FE".to_vec()),
        form_request(&[
            ("grant_type", "client_credentials"),
            ("grant_type", "client_credentials"),
        ]),
    ];
    for req in cases {
        let resp = t.handle(&req, NOW);
        assert_eq!(resp.status, 400, "{req:?} -> {:?}", resp.body_text());
        let body = json_of(&resp);
        assert_eq!(body["error"], "invalid_request", "{req:?}");
        assert!(body["error_description"].is_string());
    }
    assert!(t.issued_tokens().is_empty());
}

#[test]
fn huge_body_is_rejected_without_panicking() {
    let mut t = local();
    let mut body = b"grant_type=client_credentials&pad=".to_vec();
    body.resize(8 * 1024 * 1024, b'a');
    let req = HttpRequest::new("POST", "/oauth/token")
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_body(body);
    let resp = t.handle(&req, NOW);
    assert_eq!(resp.status, 413);
    assert_eq!(json_of(&resp)["error"], "invalid_request");

    // Deeply nested JSON under the limit: rejected, not a stack overflow.
    let nested = "[".repeat(100_000);
    let req = HttpRequest::new("POST", "/oauth/token")
        .with_header("content-type", "application/json")
        .with_body(nested);
    assert_eq!(t.handle(&req, NOW).status, 400);
    assert_eq!(t.token_requests(), 2);
}

#[test]
fn ledger_and_counters() {
    let mut t = extended();
    assert_eq!(t.token_requests(), 0);
    assert!(t.issued_tokens().is_empty());
    t.handle(&good_form(CLIENT_ID, SECRET, MGMT), NOW);
    t.handle(&good_form(CLIENT_ID, "bad", MGMT), NOW + 10);
    t.handle(
        &good_form("api-client", "api-secret", OTHER_API),
        NOW + 2_500,
    );
    t.handle(&HttpRequest::new("POST", "/oauth/token"), NOW + 3_000);
    // Not a token request: not counted.
    t.handle(&HttpRequest::new("GET", "/oauth/token"), NOW);
    assert_eq!(t.token_requests(), 4);
    assert_eq!(
        t.issued_tokens(),
        &[
            IssuedToken {
                client_id: CLIENT_ID.to_string(),
                audience: MGMT.to_string(),
                scope: "read:users update:users read:roles".to_string(),
                iat: 1_700_000_000,
                exp: 1_700_086_400,
            },
            IssuedToken {
                client_id: "api-client".to_string(),
                audience: OTHER_API.to_string(),
                scope: "read:things".to_string(),
                iat: 1_700_000_002,
                exp: 1_700_000_602,
            },
        ]
    );
    assert_eq!(t.ledger().issued_to(CLIENT_ID), 1);
    assert_eq!(t.ledger().issued_to("reader"), 0);
}
