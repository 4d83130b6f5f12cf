//! The role routes: the tenant's roles, a user's roles and permissions, and role assignment.

use serde_json::{json, Value};

use super::paging::Paging;
use super::{api_error, bad_body, inexistent_user, query_param, Store};
use crate::config::{RoleConfig, TenantConfig};
use crate::http::HttpResponse;

/// Largest assignment body read (64 KiB).
const MAX_ASSIGN_BODY_BYTES: usize = 64 * 1024;

/// A role as the Management API returns it.
pub(crate) fn role_json(role: &RoleConfig) -> Value {
    json!({ "id": role.id, "name": role.name, "description": role.description })
}

/// `GET /api/v2/roles`: the tenant's roles, filtered by `name_filter` (case-insensitive
/// substring), paged.
pub(crate) fn list(config: &TenantConfig, query: &[(String, String)]) -> HttpResponse {
    let paging = match Paging::from_query(query, None) {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    let filter = query_param(query, "name_filter")
        .filter(|f| !f.is_empty())
        .map(str::to_lowercase);
    let all = config
        .roles
        .iter()
        .filter(|r| {
            filter
                .as_ref()
                .is_none_or(|f| r.name.to_lowercase().contains(f))
        })
        .map(role_json)
        .collect();
    paging.respond("roles", all)
}

/// `GET /api/v2/users/{id}/roles`: the user's roles, all of them unless paged.
pub(crate) fn user_roles(
    config: &TenantConfig,
    store: Store<'_>,
    index: usize,
    query: &[(String, String)],
) -> HttpResponse {
    let ids = role_ids(&store, index);
    let paging = match Paging::from_query(query, Some(ids.len())) {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    let all = ids
        .iter()
        .filter_map(|id| config.roles.iter().find(|r| &r.id == id))
        .map(role_json)
        .collect();
    paging.respond("roles", all)
}

/// `GET /api/v2/users/{id}/permissions`: the permissions the user's roles grant, each once,
/// with the roles it comes from in `sources`.
pub(crate) fn user_permissions(
    config: &TenantConfig,
    store: Store<'_>,
    index: usize,
    query: &[(String, String)],
) -> HttpResponse {
    let paging = match Paging::from_query(query, None) {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    let mut all: Vec<Value> = Vec::new();
    for role in role_ids(&store, index)
        .iter()
        .filter_map(|id| config.roles.iter().find(|r| &r.id == id))
    {
        for p in &role.permissions {
            let source =
                json!({"source_id": role.id, "source_name": role.name, "source_type": "ROLE"});
            let existing = all.iter_mut().find(|v| {
                v["permission_name"] == p.permission_name.as_str()
                    && v["resource_server_identifier"] == p.resource_server_identifier.as_str()
            });
            match existing {
                Some(v) => {
                    if let Some(sources) = v["sources"].as_array_mut() {
                        sources.push(source);
                    }
                }
                None => all.push(json!({
                    "permission_name": p.permission_name,
                    "description": "",
                    "resource_server_name": p.resource_server_identifier,
                    "resource_server_identifier": p.resource_server_identifier,
                    "sources": [source],
                })),
            }
        }
    }
    paging.respond("permissions", all)
}

/// `POST`/`DELETE /api/v2/users/{id}/roles` with `{"roles": [role ids]}`: assigns or removes
/// roles; 204 without a body.
pub(crate) fn change_user_roles(
    config: &TenantConfig,
    store: Store<'_>,
    index: usize,
    body: &[u8],
    method: &str,
) -> HttpResponse {
    let ids = match id_list(body, "roles") {
        Ok(ids) => ids,
        Err(resp) => return resp,
    };
    if let Some(missing) = ids
        .iter()
        .find(|id| !config.roles.iter().any(|r| &r.id == *id))
    {
        return api_error(
            404,
            "Not Found",
            &format!("The role {missing:?} does not exist."),
            Some("inexistent_role"),
        );
    }
    let Some(user_id) = user_id(&store, index) else {
        return inexistent_user();
    };
    let assigned = store.user_roles.entry(user_id).or_default();
    for id in ids {
        if method == "POST" {
            if !assigned.contains(&id) {
                assigned.push(id);
            }
        } else {
            assigned.retain(|a| *a != id);
        }
    }
    no_content()
}

/// `GET /api/v2/roles/{id}/users`: the users who have the role, `{user_id, email, name,
/// picture}` each, paged.
pub(crate) fn members(
    role: &RoleConfig,
    store: Store<'_>,
    query: &[(String, String)],
) -> HttpResponse {
    let paging = match Paging::from_query(query, None) {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    let all = store
        .users
        .all()
        .iter()
        .filter(|u| {
            let id = u.get("user_id").and_then(Value::as_str).unwrap_or("");
            store
                .user_roles
                .get(id)
                .is_some_and(|ids| ids.contains(&role.id))
        })
        .map(|u| {
            let mut m = serde_json::Map::new();
            for key in ["user_id", "email", "name", "picture"] {
                if let Some(v) = u.get(key) {
                    m.insert(key.to_string(), v.clone());
                }
            }
            Value::Object(m)
        })
        .collect();
    paging.respond("users", all)
}

/// `POST /api/v2/roles/{id}/users` with `{"users": [user ids]}`: assigns the role; 200 without
/// a body.
pub(crate) fn add_members(role: &RoleConfig, store: Store<'_>, body: &[u8]) -> HttpResponse {
    let ids = match id_list(body, "users") {
        Ok(ids) => ids,
        Err(resp) => return resp,
    };
    let known = |id: &str| store.users.position(id).is_some();
    if ids.iter().any(|id| !known(id)) {
        return inexistent_user();
    }
    for id in ids {
        let assigned = store.user_roles.entry(id).or_default();
        if !assigned.contains(&role.id) {
            assigned.push(role.id.clone());
        }
    }
    HttpResponse {
        status: 200,
        ..HttpResponse::default()
    }
}

fn no_content() -> HttpResponse {
    HttpResponse {
        status: 204,
        ..HttpResponse::default()
    }
}

fn user_id(store: &Store<'_>, index: usize) -> Option<String> {
    store
        .users
        .get(index)?
        .get("user_id")
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn role_ids(store: &Store<'_>, index: usize) -> Vec<String> {
    user_id(store, index)
        .and_then(|id| store.user_roles.get(&id).cloned())
        .unwrap_or_default()
}

/// The non-empty array of strings under `key` in a JSON body.
fn id_list(body: &[u8], key: &str) -> Result<Vec<String>, HttpResponse> {
    if body.len() > MAX_ASSIGN_BODY_BYTES {
        return Err(api_error(
            413,
            "Payload Too Large",
            &format!("Request body too large (limit {MAX_ASSIGN_BODY_BYTES} bytes)"),
            Some("payload_too_large"),
        ));
    }
    let value: Value = serde_json::from_slice(body).map_err(|_| bad_body("'Invalid JSON'."))?;
    let Some(list) = value.get(key) else {
        return Err(bad_body(&format!("'Missing required property: {key}'.")));
    };
    let items = list.as_array().filter(|a| !a.is_empty()).ok_or_else(|| {
        bad_body(&format!(
            "'Expected a non-empty array of strings' on property {key}."
        ))
    })?;
    items
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| bad_body(&format!("'Expected type string' on an element of {key}.")))
        })
        .collect()
}
