//! The Management API subset, with bearer-token authentication, scope checks and Auth0-style
//! `{statusCode, error, message, errorCode}` errors:
//!
//! | route | scope |
//! | --- | --- |
//! | `GET /api/v2/users/{id}` | `read:users` |
//! | `PATCH /api/v2/users/{id}` | `update:users` |
//! | `GET /api/v2/users/{id}/roles` | `read:roles` |
//! | `GET /api/v2/users-by-email?email=…` | `read:users` |
//!
//! Checks run in this order: route (404), authentication (401), scope (403), query (400), user
//! lookup (404), body (400).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::config::TenantConfig;
use crate::http::{parse_form, percent_decode, HttpRequest, HttpResponse};
use crate::jwt::{AccessTokenClaims, Keys, Rejection};
use crate::time_fmt::iso8601_utc_millis;

/// Message of the 401 for a missing bearer token.
pub const MSG_MISSING_AUTH: &str = "Missing authentication";
/// Message of the 401 for a malformed, wrongly signed or wrong-audience token.
pub const MSG_INVALID_TOKEN: &str = "Invalid token";
/// Message of the 401 for an expired token (Auth0's wording).
pub const MSG_EXPIRED_TOKEN: &str = "Expired token received for JSON Web Token validation";

/// Largest PATCH body read (1 MiB); larger bodies get 413.
pub const MAX_PATCH_BODY_BYTES: usize = 1024 * 1024;

/// A Management-API-style error body.
pub(crate) fn api_error(
    status: u16,
    error: &str,
    message: &str,
    code: Option<&str>,
) -> HttpResponse {
    let mut body = json!({ "statusCode": status, "error": error, "message": message });
    if let (Some(code), Value::Object(map)) = (code, &mut body) {
        map.insert("errorCode".to_string(), Value::String(code.to_string()));
    }
    HttpResponse::from_json(status, &body)
}

/// The generic 404 for routes the mock does not serve.
pub(crate) fn not_found() -> HttpResponse {
    api_error(404, "Not Found", "Not Found", None)
}

/// 401 with a `WWW-Authenticate` challenge (RFC 6750 §3: no error code when credentials are
/// missing, `invalid_token` otherwise).
fn unauthorized(message: &str, code: &str) -> HttpResponse {
    let challenge = if message == MSG_MISSING_AUTH {
        "Bearer".to_string()
    } else {
        format!("Bearer error=\"invalid_token\", error_description=\"{message}\"")
    };
    api_error(401, "Unauthorized", message, Some(code)).with_header("www-authenticate", challenge)
}

/// 400 `invalid_body` with message `Payload validation error: <detail>`.
fn bad_body(detail: &str) -> HttpResponse {
    api_error(
        400,
        "Bad Request",
        &format!("Payload validation error: {detail}"),
        Some("invalid_body"),
    )
}

/// The data the Management API serves: users in their current state, and role assignments.
pub(crate) struct Store<'a> {
    /// Users, in configuration order.
    pub users: &'a mut [Value],
    /// Role ids per user id.
    pub user_roles: &'a BTreeMap<String, Vec<String>>,
}

/// The routes of the subset.
#[derive(Clone, Copy)]
enum Route<'p> {
    User(&'p str),
    UserRoles(&'p str),
    UsersByEmail,
}

fn route(path: &str) -> Option<Route<'_>> {
    if path == "/api/v2/users-by-email" {
        return Some(Route::UsersByEmail);
    }
    let rest = path.strip_prefix("/api/v2/users/")?;
    let (id, tail) = match rest.split_once('/') {
        Some((id, tail)) => (id, Some(tail)),
        None => (rest, None),
    };
    if id.is_empty() {
        return None;
    }
    match tail {
        None => Some(Route::User(id)),
        Some("roles") => Some(Route::UserRoles(id)),
        Some(_) => None,
    }
}

fn inexistent_user() -> HttpResponse {
    api_error(
        404,
        "Not Found",
        "The user does not exist.",
        Some("inexistent_user"),
    )
}

fn query_error(detail: &str) -> HttpResponse {
    api_error(
        400,
        "Bad Request",
        &format!("Query validation error: {detail}"),
        Some("invalid_query_string"),
    )
}

/// Routes a request whose path starts with `/api/v2/`.
pub(crate) fn handle(
    config: &TenantConfig,
    keys: &Keys,
    store: Store<'_>,
    req: &HttpRequest,
    now_ms: i64,
) -> HttpResponse {
    let Some(route) = route(req.path()) else {
        return not_found();
    };
    let required_scope = match (&route, req.method.as_str()) {
        (Route::User(_), "GET") | (Route::UsersByEmail, "GET") => "read:users",
        (Route::User(_), "PATCH") => "update:users",
        (Route::UserRoles(_), "GET") => "read:roles",
        _ => return not_found(),
    };
    let claims = match authenticate(config, keys, req, now_ms) {
        Ok(claims) => claims,
        Err(resp) => return resp,
    };
    if !claims.scope.split_whitespace().any(|s| s == required_scope) {
        return api_error(
            403,
            "Forbidden",
            &format!("Insufficient scope, expected any of: {required_scope}"),
            Some("insufficient_scope"),
        );
    }
    let query = match parse_form(req.query().unwrap_or("").as_bytes()) {
        Ok(pairs) => pairs,
        Err(()) => return query_error("the query string is not UTF-8."),
    };
    let raw_id = match route {
        Route::UsersByEmail => return users_by_email(store.users, &query),
        Route::User(id) | Route::UserRoles(id) => id,
    };
    let user = String::from_utf8(percent_decode(raw_id.as_bytes(), false))
        .ok()
        .and_then(|id| {
            store
                .users
                .iter_mut()
                .find(|u| u.get("user_id").and_then(Value::as_str) == Some(id.as_str()))
        });
    let Some(user) = user else {
        return inexistent_user();
    };
    if let Route::UserRoles(_) = route {
        let id = user.get("user_id").and_then(Value::as_str).unwrap_or("");
        let ids = store.user_roles.get(id).map(Vec::as_slice).unwrap_or(&[]);
        return user_roles(config, ids, &query);
    }
    if req.method == "GET" {
        return HttpResponse::from_json(200, user);
    }
    match patch_user(user, &req.body, now_ms) {
        Ok(()) => HttpResponse::from_json(200, user),
        Err(resp) => resp,
    }
}

fn query_param<'q>(query: &'q [(String, String)], name: &str) -> Option<&'q str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `GET /api/v2/users-by-email?email=…`: the users whose `email` is exactly `email`.
fn users_by_email(users: &[Value], query: &[(String, String)]) -> HttpResponse {
    let Some(email) = query_param(query, "email").filter(|e| !e.is_empty()) else {
        return query_error(
            "Missing required property: email (Email address to search for (case-sensitive)).",
        );
    };
    let found: Vec<Value> = users
        .iter()
        .filter(|u| u.get("email").and_then(Value::as_str) == Some(email))
        .cloned()
        .collect();
    HttpResponse::from_json(200, &Value::Array(found))
}

/// `GET /api/v2/users/{id}/roles`: the user's roles `[{id, name, description}]`, paged with
/// `page`/`per_page` (default: all), or `{roles, start, limit, total}` with
/// `include_totals=true`.
fn user_roles(config: &TenantConfig, ids: &[String], query: &[(String, String)]) -> HttpResponse {
    let number = |name: &str| -> Result<Option<usize>, HttpResponse> {
        match query_param(query, name) {
            None | Some("") => Ok(None),
            Some(v) => v.parse::<usize>().map(Some).map_err(|_| {
                query_error(&format!(
                    "Expected type integer but found type string on property {name}."
                ))
            }),
        }
    };
    let (page, per_page) = match (number("page"), number("per_page")) {
        (Ok(page), Ok(per_page)) => (page.unwrap_or(0), per_page),
        (Err(resp), _) | (_, Err(resp)) => return resp,
    };
    let include_totals = query_param(query, "include_totals") == Some("true");
    let all: Vec<Value> = ids
        .iter()
        .filter_map(|id| config.roles.iter().find(|r| &r.id == id))
        .map(|r| json!({ "id": r.id, "name": r.name, "description": r.description }))
        .collect();
    let total = all.len();
    let limit = per_page.unwrap_or(total.max(50));
    let start = page.saturating_mul(limit);
    let roles: Vec<Value> = all.into_iter().skip(start).take(limit).collect();
    if include_totals {
        HttpResponse::from_json(
            200,
            &json!({ "roles": roles, "start": start, "limit": limit, "total": total }),
        )
    } else {
        HttpResponse::from_json(200, &Value::Array(roles))
    }
}

/// Checks `Authorization: Bearer <jwt>` for the Management API audience.
fn authenticate(
    config: &TenantConfig,
    keys: &Keys,
    req: &HttpRequest,
    now_ms: i64,
) -> Result<AccessTokenClaims, HttpResponse> {
    let missing = || unauthorized(MSG_MISSING_AUTH, "missing_authentication");
    let header = req.header("authorization").ok_or_else(missing)?.trim();
    let (scheme, token) = header.split_once(' ').ok_or_else(missing)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(missing());
    }
    keys.verify(
        token,
        &config.management_audience(),
        &config.issuer(),
        now_ms,
    )
    .map_err(|rejection| match rejection {
        Rejection::Invalid => unauthorized(MSG_INVALID_TOKEN, "invalid_token"),
        Rejection::Expired => unauthorized(MSG_EXPIRED_TOKEN, "token_expired"),
    })
}

const METADATA_FIELDS: [&str; 2] = ["app_metadata", "user_metadata"];

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Applies a PATCH body to `user`: top-level fields replace, `app_metadata`/`user_metadata` merge
/// shallowly (a `null` value deletes the key), and `updated_at` is set from `now_ms`.
/// Validates everything before changing anything.
fn patch_user(user: &mut Value, body: &[u8], now_ms: i64) -> Result<(), HttpResponse> {
    if body.len() > MAX_PATCH_BODY_BYTES {
        return Err(api_error(
            413,
            "Payload Too Large",
            &format!("Request body too large (limit {MAX_PATCH_BODY_BYTES} bytes)"),
            Some("payload_too_large"),
        ));
    }
    let patch: Value = serde_json::from_slice(body).map_err(|_| bad_body("'Invalid JSON'."))?;
    let Value::Object(patch) = patch else {
        return Err(bad_body(&format!(
            "'Expected type object but found type {}'.",
            type_name(&patch)
        )));
    };
    if patch.is_empty() {
        return Err(bad_body("'Too few properties defined (0), minimum 1'."));
    }
    for field in METADATA_FIELDS {
        if let Some(v) = patch.get(field) {
            if !v.is_object() {
                return Err(bad_body(&format!(
                    "'Expected type object but found type {}' on property {field}.",
                    type_name(v)
                )));
            }
        }
    }
    let Value::Object(stored) = user else {
        return Err(api_error(
            500,
            "Internal Server Error",
            "Stored user is not an object",
            None,
        ));
    };
    if let Some(new_id) = patch.get("user_id") {
        if Some(new_id) != stored.get("user_id") {
            return Err(bad_body("'user_id cannot be changed by this emulator'."));
        }
    }
    for (key, value) in patch {
        match value {
            Value::Object(changes) if METADATA_FIELDS.contains(&key.as_str()) => {
                let target = stored
                    .entry(key)
                    .or_insert_with(|| Value::Object(Map::new()));
                if !target.is_object() {
                    *target = Value::Object(Map::new());
                }
                if let Value::Object(target) = target {
                    for (k, v) in changes {
                        if v.is_null() {
                            target.shift_remove(&k);
                        } else {
                            target.insert(k, v);
                        }
                    }
                }
            }
            value => {
                stored.insert(key, value);
            }
        }
    }
    stored.insert(
        "updated_at".to_string(),
        Value::String(iso8601_utc_millis(now_ms)),
    );
    Ok(())
}
