//! `GET /.well-known/openid-configuration`, `GET /api/v2/users/{id}/roles` and
//! `GET /api/v2/users-by-email`.

use crate::common;

use actsim_tenant::{ClientGrant, HttpRequest, RoleConfig, Tenant, TenantConfig, TenantError};
use common::*;
use serde_json::json;

#[test]
fn discovery_uses_the_base_url_the_request_came_to() {
    let mut t = local();
    let get = |t: &mut Tenant, req: HttpRequest| {
        let resp = t.handle(&req, NOW);
        assert_eq!(resp.status, 200);
        json_of(&resp)
    };
    let doc = get(
        &mut t,
        HttpRequest::new("GET", "/.well-known/openid-configuration")
            .with_header("Host", "127.0.0.1:4455"),
    );
    assert_eq!(doc["issuer"], "https://tenant.actsim.test/");
    assert_eq!(doc["token_endpoint"], "http://127.0.0.1:4455/oauth/token");
    assert_eq!(
        doc["jwks_uri"],
        "http://127.0.0.1:4455/.well-known/jwks.json"
    );
    assert_eq!(doc["grant_types_supported"], json!(["client_credentials"]));
    assert_eq!(
        doc["token_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post"])
    );
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    // Absolute-form target (the in-process transport) and no Host at all.
    let doc = get(
        &mut t,
        HttpRequest::new(
            "GET",
            "https://tenant.actsim.test/.well-known/openid-configuration",
        ),
    );
    assert_eq!(
        doc["token_endpoint"],
        "https://tenant.actsim.test/oauth/token"
    );
    let doc = get(
        &mut t,
        HttpRequest::new("GET", "/.well-known/openid-configuration"),
    );
    assert_eq!(
        doc["jwks_uri"],
        "https://tenant.actsim.test/.well-known/jwks.json"
    );
    // A proxy's X-Forwarded-Proto, and a Host that could inject into URLs is ignored.
    let doc = get(
        &mut t,
        HttpRequest::new("GET", "/.well-known/openid-configuration")
            .with_header("host", "mock.example:8443")
            .with_header("x-forwarded-proto", "https"),
    );
    assert_eq!(
        doc["token_endpoint"],
        "https://mock.example:8443/oauth/token"
    );
    let doc = get(
        &mut t,
        HttpRequest::new("GET", "/.well-known/openid-configuration")
            .with_header("host", "evil.test/\"><"),
    );
    assert_eq!(
        doc["token_endpoint"],
        "https://tenant.actsim.test/oauth/token"
    );
}

#[test]
fn user_roles_are_listed_and_the_roles_key_is_not_part_of_the_user() {
    let mut t = local();
    let token = mgmt_token(&mut t, NOW);
    let resp = t.handle(&bearer("GET", &format!("{USER_PATH}/roles"), &token), NOW);
    assert_eq!(resp.status, 200, "{:?}", resp.body_text());
    assert_eq!(
        json_of(&resp),
        json!([{"id": "rol_actsimAdmin0001", "name": "admin", "description": "Administrators"}])
    );
    let user = json_of(&t.handle(&bearer("GET", USER_PATH, &token), NOW));
    assert!(user.get("roles").is_none(), "{user}");
    assert_eq!(t.user_role_ids(USER_ID), ["rol_actsimAdmin0001"]);
}

fn tenant_with_roles() -> Tenant {
    let mut config = TenantConfig::local_default();
    config.roles = vec![
        RoleConfig {
            id: "rol_1".into(),
            name: "admin".into(),
            description: "A".into(),
            permissions: Vec::new(),
        },
        RoleConfig {
            id: "rol_2".into(),
            name: "editor".into(),
            description: String::new(),
            permissions: Vec::new(),
        },
        RoleConfig {
            id: "rol_3".into(),
            name: "viewer".into(),
            description: String::new(),
            permissions: Vec::new(),
        },
    ];
    // By name and by id, duplicates ignored.
    config.users[0]["roles"] = json!(["viewer", "rol_1", "admin", "editor"]);
    config
        .users
        .push(json!({"user_id": "auth0|nobody", "email": "nobody@example.com"}));
    config
        .users
        .push(json!({"user_id": "auth0|twin", "email": "j+smith@example.com"}));
    config.clients.push(actsim_tenant::ClientConfig {
        client_id: "reader".into(),
        client_secret: "reader-secret".into(),
        name: String::new(),
        grants: vec![ClientGrant {
            audience: MGMT.into(),
            scopes: vec!["read:users".into()],
        }],
        quota: None,
    });
    Tenant::new(config).unwrap()
}

#[test]
fn roles_paging_totals_and_errors() {
    let mut t = tenant_with_roles();
    let token = mgmt_token(&mut t, NOW);
    let roles_path = format!("{USER_PATH}/roles");
    let get = |t: &mut Tenant, q: &str| {
        let resp = t.handle(&bearer("GET", &format!("{roles_path}{q}"), &token), NOW);
        (resp.status, json_of(&resp))
    };
    let (status, all) = get(&mut t, "");
    assert_eq!(status, 200);
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["viewer", "admin", "editor"]);
    let (_, page) = get(&mut t, "?per_page=2&page=1");
    assert_eq!(
        page,
        json!([{"id": "rol_2", "name": "editor", "description": ""}])
    );
    let (_, totals) = get(&mut t, "?per_page=1&include_totals=true");
    assert_eq!(totals["total"], 3);
    assert_eq!(totals["start"], 0);
    assert_eq!(totals["limit"], 1);
    assert_eq!(totals["roles"].as_array().unwrap().len(), 1);
    let (status, body) = get(&mut t, "?page=x");
    assert_eq!(status, 400);
    assert_eq!(body["errorCode"], "invalid_query_string");
    // A user without roles has none; an unknown user is 404.
    let resp = t.handle(
        &bearer("GET", "/api/v2/users/auth0%7Cnobody/roles", &token),
        NOW,
    );
    assert_eq!((resp.status, json_of(&resp)), (200, json!([])));
    let resp = t.handle(&bearer("GET", "/api/v2/users/ghost/roles", &token), NOW);
    assert_eq!(resp.status, 404);
    assert_eq!(json_of(&resp)["errorCode"], "inexistent_user");
    // read:roles is required.
    let reader = token_for(&mut t, "reader", "reader-secret", MGMT, NOW);
    let resp = t.handle(&bearer("GET", &roles_path, &reader), NOW);
    assert_eq!(resp.status, 403);
    assert_eq!(
        json_of(&resp)["message"],
        "Insufficient scope, expected any of: read:roles"
    );
    // GET, POST and DELETE only.
    let resp = t.handle(&bearer("PUT", &roles_path, &token), NOW);
    assert_eq!(resp.status, 404);
    // No token.
    let resp = t.handle(&HttpRequest::new("GET", &roles_path), NOW);
    assert_eq!(resp.status, 401);
}

#[test]
fn users_by_email() {
    let mut t = tenant_with_roles();
    let reader = token_for(&mut t, "reader", "reader-secret", MGMT, NOW);
    let get = |t: &mut Tenant, path: &str, token: &str| {
        let resp = t.handle(&bearer("GET", path, token), NOW);
        (resp.status, json_of(&resp))
    };
    let (status, found) = get(
        &mut t,
        "/api/v2/users-by-email?email=j%2Bsmith%40example.com",
        &reader,
    );
    assert_eq!(status, 200);
    let ids: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["user_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [USER_ID, "auth0|twin"]);
    assert!(found[0].get("roles").is_none());
    let (status, none) = get(
        &mut t,
        "/api/v2/users-by-email?email=nobody%40else.test",
        &reader,
    );
    assert_eq!((status, none), (200, json!([])));
    let (status, body) = get(&mut t, "/api/v2/users-by-email", &reader);
    assert_eq!(status, 400);
    assert_eq!(body["errorCode"], "invalid_query_string");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("Missing required property: email"));
    // Authentication and scope.
    let resp = t.handle(
        &HttpRequest::new("GET", "/api/v2/users-by-email?email=a%40b"),
        NOW,
    );
    assert_eq!(resp.status, 401);
    let mut other = extended();
    let api_token = token_for(&mut other, "api-client", "api-secret", OTHER_API, NOW);
    let resp = other.handle(
        &bearer("GET", "/api/v2/users-by-email?email=a%40b", &api_token),
        NOW,
    );
    assert_eq!(resp.status, 401, "a token for another audience");
    let no_read = {
        let mut config = TenantConfig::local_default();
        config.clients[0].grants[0].scopes = vec!["update:users".into()];
        let mut t = Tenant::new(config).unwrap();
        let token = mgmt_token(&mut t, NOW);
        t.handle(
            &bearer("GET", "/api/v2/users-by-email?email=a%40b", &token),
            NOW,
        )
    };
    assert_eq!(no_read.status, 403);
    // Expired on the tenant's clock.
    let resp = t.handle(
        &bearer("GET", "/api/v2/users-by-email?email=a%40b", &reader),
        NOW + 86_400_000,
    );
    assert_eq!(resp.status, 401);
    assert_eq!(
        json_of(&resp)["message"],
        "Expired token received for JSON Web Token validation"
    );
}

#[test]
fn role_configuration_is_validated() {
    let base = TenantConfig::local_default();
    let check = |f: &dyn Fn(&mut TenantConfig)| {
        let mut c = base.clone();
        f(&mut c);
        Tenant::new(c).unwrap_err()
    };
    assert!(matches!(
        check(&|c| c.users[0]["roles"] = json!(["ghost"])),
        TenantError::InvalidUserRoles { .. }
    ));
    assert!(matches!(
        check(&|c| c.users[0]["roles"] = json!("admin")),
        TenantError::InvalidUserRoles { .. }
    ));
    assert_eq!(
        check(&|c| c.roles.push(c.roles[0].clone())),
        TenantError::DuplicateRole("rol_actsimAdmin0001".into())
    );
    assert_eq!(
        check(&|c| c.roles[0].name.clear()),
        TenantError::InvalidRole { index: 0 }
    );
    let err = TenantConfig::from_toml_str(
        "domain = \"d.test\"\nclients = []\n[[roles]]\nid = \"r\"\nname = \"n\"\ncolour = 1\n",
    )
    .unwrap_err();
    assert!(err.message.contains("colour"));
}
