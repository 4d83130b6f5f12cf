//! The Management API routes SDKs list with: `GET /api/v2/users` (search `q`, paging, totals,
//! sort), `GET /api/v2/roles`, a user's permissions, role assignment; and the tenant served at a
//! public URL (one issuer for discovery and tokens, the audience alias).

use crate::common;

use actsim_tenant::{HttpRequest, RolePermission, Tenant, TenantConfig};
use common::*;
use serde_json::{json, Value};

/// The local tenant with 150 more users and two roles with permissions; a client granted
/// everything the routes need.
fn crowded() -> Tenant {
    let mut config = TenantConfig::local_default();
    for i in 0..150 {
        config.users.push(json!({
            "user_id": format!("auth0|u{i:03}"),
            "email": format!("user{i:03}@{}", if i % 3 == 0 { "corp.test" } else { "example.com" }),
            "name": format!("User {i:03}"),
            "logins_count": i,
            "app_metadata": {"plan": if i % 10 == 0 { "pro" } else { "free" }},
        }));
    }
    config.roles[0].permissions = vec![RolePermission {
        resource_server_identifier: "https://api.example.test/".into(),
        permission_name: "read:reports".into(),
    }];
    config.roles.push(actsim_tenant::RoleConfig {
        id: "rol_editor".into(),
        name: "editor".into(),
        description: "Edits".into(),
        permissions: vec![
            RolePermission {
                resource_server_identifier: "https://api.example.test/".into(),
                permission_name: "read:reports".into(),
            },
            RolePermission {
                resource_server_identifier: "https://api.example.test/".into(),
                permission_name: "write:reports".into(),
            },
        ],
    });
    config.clients[0].grants[0].scopes.extend([
        "create:role_members".to_string(),
        "delete:role_members".to_string(),
    ]);
    Tenant::new(config).unwrap()
}

fn get(t: &mut Tenant, token: &str, path: &str) -> (u16, Value) {
    let resp = t.handle(&bearer("GET", path, token), NOW);
    let body = if resp.body.is_empty() {
        Value::Null
    } else {
        json_of(&resp)
    };
    (resp.status, body)
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|u| u["user_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn users_list_pages_with_totals_and_the_1000_limit() {
    let mut t = crowded();
    let token = mgmt_token(&mut t, NOW);
    let (status, page) = get(&mut t, &token, "/api/v2/users");
    assert_eq!(status, 200);
    assert_eq!(page.as_array().unwrap().len(), 50, "default per_page 50");
    assert_eq!(page[0]["user_id"], USER_ID);
    let (_, page) = get(
        &mut t,
        &token,
        "/api/v2/users?page=1&per_page=100&include_totals=true",
    );
    assert_eq!(page["start"], 100);
    assert_eq!(page["limit"], 100);
    assert_eq!(page["length"], 51);
    assert_eq!(page["total"], 151);
    assert_eq!(page["users"].as_array().unwrap().len(), 51);
    for (q, message) in [
        ("per_page=101", "maximum of 100"),
        ("page=10&per_page=100", "first 1000 records"),
        ("page=-1", "Expected type integer"),
        ("include_totals=yes", "Expected type boolean"),
        ("search_engine=v1", "search_engine"),
        ("sort=name", "sort must be"),
    ] {
        let (status, body) = get(&mut t, &token, &format!("/api/v2/users?{q}"));
        assert_eq!(status, 400, "{q}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(message),
            "{q}: {body}"
        );
    }
}

#[test]
fn users_search_with_lucene_queries_and_sort() {
    let mut t = crowded();
    let token = mgmt_token(&mut t, NOW);
    let search = |t: &mut Tenant, q: &str| {
        let path = format!(
            "/api/v2/users?search_engine=v3&per_page=100&q={}",
            form_encode(&[("", q)]).trim_start_matches('=')
        );
        get(t, &token, &path)
    };
    let (status, found) = search(&mut t, "email:\"j+smith@example.com\"");
    assert_eq!(status, 200);
    assert_eq!(ids(&found), [USER_ID]);
    let (_, found) = search(&mut t, "app_metadata.plan:pro AND email:*@corp.test");
    assert_eq!(
        ids(&found),
        [
            "auth0|u000",
            "auth0|u030",
            "auth0|u060",
            "auth0|u090",
            "auth0|u120"
        ]
    );
    let (_, found) = search(&mut t, "name:\"user 007\" OR user_id:\"auth0|u008\"");
    assert_eq!(ids(&found), ["auth0|u007", "auth0|u008"]);
    let (_, found) = search(
        &mut t,
        "NOT app_metadata.plan:free AND NOT _exists_:logins_count",
    );
    assert_eq!(
        ids(&found),
        [USER_ID],
        "Jane has no plan and no logins_count"
    );
    let (_, found) = search(&mut t, "logins_count:149");
    assert_eq!(ids(&found), ["auth0|u149"]);
    let (status, body) = search(&mut t, "logins_count:[1 TO 5]");
    assert_eq!(status, 400);
    assert_eq!(body["errorCode"], "invalid_query");
    assert!(
        body["message"].as_str().unwrap().contains("range"),
        "{body}"
    );
    // Sorted descending by name, first page of 2.
    let (_, found) = get(
        &mut t,
        &token,
        "/api/v2/users?q=name%3AUser*&sort=name%3A-1&per_page=2",
    );
    assert_eq!(ids(&found), ["auth0|u149", "auth0|u148"]);
    // read:users is required.
    let roles_only = actsim_tenant::HttpRequest::new("GET", "/api/v2/users");
    assert_eq!(t.handle(&roles_only, NOW).status, 401);
}

#[test]
fn roles_list_user_permissions_and_assignment() {
    let mut t = crowded();
    let token = mgmt_token(&mut t, NOW);
    let (_, roles) = get(&mut t, &token, "/api/v2/roles?include_totals=true");
    assert_eq!(roles["total"], 2);
    assert_eq!(
        roles["roles"][1],
        json!({"id": "rol_editor", "name": "editor", "description": "Edits"})
    );
    let (_, roles) = get(&mut t, &token, "/api/v2/roles?name_filter=EDIT");
    assert_eq!(roles.as_array().unwrap().len(), 1);
    let (status, role) = get(&mut t, &token, "/api/v2/roles/rol_editor");
    assert_eq!((status, role["name"].as_str()), (200, Some("editor")));
    assert_eq!(get(&mut t, &token, "/api/v2/roles/rol_ghost").0, 404);

    // Jane has admin: one permission, from admin.
    let perms_path = format!("{USER_PATH}/permissions");
    let (_, perms) = get(&mut t, &token, &perms_path);
    assert_eq!(perms.as_array().unwrap().len(), 1);
    assert_eq!(perms[0]["permission_name"], "read:reports");
    assert_eq!(perms[0]["sources"][0]["source_name"], "admin");

    // Assign editor: read:reports now comes from both roles, write:reports is new.
    let assign = bearer("POST", &format!("{USER_PATH}/roles"), &token)
        .with_header("content-type", "application/json")
        .with_body(r#"{"roles":["rol_editor"]}"#);
    assert_eq!(t.handle(&assign, NOW).status, 204);
    assert_eq!(
        t.user_role_ids(USER_ID),
        ["rol_actsimAdmin0001", "rol_editor"]
    );
    let (_, perms) = get(&mut t, &token, &perms_path);
    let names: Vec<&str> = perms
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["permission_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["read:reports", "write:reports"]);
    assert_eq!(perms[0]["sources"].as_array().unwrap().len(), 2);
    let (_, members) = get(&mut t, &token, "/api/v2/roles/rol_editor/users");
    assert_eq!(ids(&members), [USER_ID]);

    // Remove admin; assign editor to another user through the role.
    let remove = bearer("DELETE", &format!("{USER_PATH}/roles"), &token)
        .with_body(r#"{"roles":["rol_actsimAdmin0001"]}"#);
    assert_eq!(t.handle(&remove, NOW).status, 204);
    assert_eq!(t.user_role_ids(USER_ID), ["rol_editor"]);
    let add = bearer("POST", "/api/v2/roles/rol_editor/users", &token)
        .with_body(r#"{"users":["auth0|u001"]}"#);
    assert_eq!(t.handle(&add, NOW).status, 200);
    assert_eq!(t.user_role_ids("auth0|u001"), ["rol_editor"]);

    // Bad bodies and unknown ids change nothing.
    for (path, body, status) in [
        (format!("{USER_PATH}/roles"), r#"{"roles":[]}"#, 400),
        (format!("{USER_PATH}/roles"), r#"{"roles":[1]}"#, 400),
        (format!("{USER_PATH}/roles"), r#"{}"#, 400),
        (format!("{USER_PATH}/roles"), "not json", 400),
        (
            format!("{USER_PATH}/roles"),
            r#"{"roles":["rol_ghost"]}"#,
            404,
        ),
        (
            "/api/v2/roles/rol_editor/users".to_string(),
            r#"{"users":["ghost"]}"#,
            404,
        ),
    ] {
        let req = bearer("POST", &path, &token).with_body(body);
        assert_eq!(t.handle(&req, NOW).status, status, "{path} {body}");
    }
    assert_eq!(t.user_role_ids(USER_ID), ["rol_editor"]);

    // The local client lacks create:role_members: 403 naming the scopes.
    let mut local = local();
    let plain = mgmt_token(&mut local, NOW);
    let req = bearer("POST", &format!("{USER_PATH}/roles"), &plain)
        .with_body(r#"{"roles":["rol_actsimAdmin0001"]}"#);
    let resp = local.handle(&req, NOW);
    assert_eq!(resp.status, 403);
    assert_eq!(
        json_of(&resp)["message"],
        "Insufficient scope, expected any of: create:role_members"
    );
}

#[test]
fn a_public_url_gives_one_issuer_and_an_audience_alias() {
    let config = TenantConfig::local_default().with_public_url("https://127.0.0.1:4455");
    let mut t = Tenant::new(config).unwrap();
    let doc = json_of(
        &t.handle(
            &HttpRequest::new("GET", "/.well-known/openid-configuration")
                .with_header("host", "elsewhere:1"),
            NOW,
        ),
    );
    assert_eq!(doc["issuer"], "https://127.0.0.1:4455/");
    assert_eq!(
        doc["authorization_endpoint"],
        "https://127.0.0.1:4455/authorize"
    );
    assert_eq!(doc["token_endpoint"], "https://127.0.0.1:4455/oauth/token");
    assert_eq!(
        doc["jwks_uri"],
        "https://127.0.0.1:4455/.well-known/jwks.json"
    );
    for field in [
        "userinfo_endpoint",
        "response_types_supported",
        "subject_types_supported",
    ] {
        assert!(!doc[field].is_null(), "{field}");
    }
    // SDKs given the domain 127.0.0.1:4455 ask for this audience; it uses the Management
    // API's grant and its tokens work on the Management API.
    let alias = "https://127.0.0.1:4455/api/v2/";
    let token = token_for(&mut t, CLIENT_ID, SECRET, alias, NOW);
    let claims = verify_with(&token, &public_key(), alias).unwrap();
    assert_eq!(claims.iss, "https://127.0.0.1:4455/");
    assert_eq!(claims.scope, "read:users update:users read:roles");
    assert_eq!(t.handle(&bearer("GET", USER_PATH, &token), NOW).status, 200);
    // So do tokens for the domain's audience, with the same issuer.
    let token = mgmt_token(&mut t, NOW);
    assert_eq!(
        verify_with(&token, &public_key(), MGMT).unwrap().iss,
        "https://127.0.0.1:4455/"
    );
    assert_eq!(t.handle(&bearer("GET", USER_PATH, &token), NOW).status, 200);
    // A token from the unserved tenant (other issuer) is rejected.
    let mut plain = local();
    let foreign = mgmt_token(&mut plain, NOW);
    assert_eq!(
        t.handle(&bearer("GET", USER_PATH, &foreign), NOW).status,
        401
    );
}
