//! The Management API subset, with bearer-token authentication, scope checks and Auth0-style
//! `{statusCode, error, message, errorCode}` errors:
//!
//! | route | scope (any of) |
//! | --- | --- |
//! | `GET /api/v2/users?q=…&search_engine=v3&page=&per_page=&include_totals=&sort=` | `read:users` |
//! | `GET /api/v2/users/{id}` | `read:users` |
//! | `PATCH /api/v2/users/{id}` | `update:users` |
//! | `GET /api/v2/users/{id}/roles` | `read:roles` |
//! | `POST /api/v2/users/{id}/roles` (`{"roles": [ids]}`) | `create:role_members` |
//! | `DELETE /api/v2/users/{id}/roles` (`{"roles": [ids]}`) | `delete:role_members` |
//! | `GET /api/v2/users/{id}/permissions` | `read:users` |
//! | `GET /api/v2/users-by-email?email=…` | `read:users` |
//! | `GET /api/v2/roles?name_filter=…` | `read:roles` |
//! | `GET /api/v2/roles/{id}` | `read:roles` |
//! | `GET /api/v2/roles/{id}/users` | `read:roles`, `read:users` |
//! | `POST /api/v2/roles/{id}/users` (`{"users": [ids]}`) | `create:role_members` |
//!
//! Lists page with `page` (from 0) and `per_page` (default 50, at most 100); with
//! `include_totals=true` they answer `{start, limit, length, total, <items>}`. The user search
//! pages through the first 1000 results only, as Auth0's does.
//!
//! Checks run in this order: route (404), authentication (401), scope (403), query (400), user
//! or role lookup (404), body (400).

mod paging;
mod roles;
mod users;

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::config::TenantConfig;
use crate::http::{parse_form, percent_decode, HttpRequest, HttpResponse};
use crate::jwt::{AccessTokenClaims, Keys, Rejection};
use crate::user_store::UserStore;

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

/// 400 `invalid_query_string` with message `Query validation error: <detail>`.
fn query_error(detail: &str) -> HttpResponse {
    api_error(
        400,
        "Bad Request",
        &format!("Query validation error: {detail}"),
        Some("invalid_query_string"),
    )
}

fn inexistent_user() -> HttpResponse {
    api_error(
        404,
        "Not Found",
        "The user does not exist.",
        Some("inexistent_user"),
    )
}

fn inexistent_role() -> HttpResponse {
    api_error(
        404,
        "Not Found",
        "The role does not exist.",
        Some("inexistent_role"),
    )
}

/// The data the Management API serves: users in their current state, and role assignments.
pub(crate) struct Store<'a> {
    /// Users, in configuration order, found by position or `user_id`.
    pub users: &'a mut UserStore,
    /// Role ids per user id.
    pub user_roles: &'a mut BTreeMap<String, Vec<String>>,
}

/// The routes of the subset.
#[derive(Clone, Copy)]
enum Route<'p> {
    Users,
    User(&'p str),
    UserRoles(&'p str),
    UserPermissions(&'p str),
    UsersByEmail,
    Roles,
    Role(&'p str),
    RoleUsers(&'p str),
}

fn route(path: &str) -> Option<Route<'_>> {
    match path {
        "/api/v2/users-by-email" => return Some(Route::UsersByEmail),
        "/api/v2/users" => return Some(Route::Users),
        "/api/v2/roles" => return Some(Route::Roles),
        _ => {}
    }
    let (kind, rest) = if let Some(rest) = path.strip_prefix("/api/v2/users/") {
        (true, rest)
    } else {
        (false, path.strip_prefix("/api/v2/roles/")?)
    };
    let (id, tail) = match rest.split_once('/') {
        Some((id, tail)) => (id, Some(tail)),
        None => (rest, None),
    };
    if id.is_empty() {
        return None;
    }
    match (kind, tail) {
        (true, None) => Some(Route::User(id)),
        (true, Some("roles")) => Some(Route::UserRoles(id)),
        (true, Some("permissions")) => Some(Route::UserPermissions(id)),
        (false, None) => Some(Route::Role(id)),
        (false, Some("users")) => Some(Route::RoleUsers(id)),
        _ => None,
    }
}

/// The scopes of which a token needs any one for `route` and `method`; `None`: no such route.
fn required_scopes(route: Route<'_>, method: &str) -> Option<&'static [&'static str]> {
    Some(match (route, method) {
        (Route::Users | Route::User(_) | Route::UsersByEmail, "GET") => &["read:users"],
        (Route::UserPermissions(_), "GET") => &["read:users"],
        (Route::User(_), "PATCH") => &["update:users"],
        (Route::UserRoles(_) | Route::Roles | Route::Role(_), "GET") => &["read:roles"],
        (Route::RoleUsers(_), "GET") => &["read:roles", "read:users"],
        (Route::UserRoles(_) | Route::RoleUsers(_), "POST") => &["create:role_members"],
        (Route::UserRoles(_), "DELETE") => &["delete:role_members"],
        _ => return None,
    })
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
    let Some(required) = required_scopes(route, &req.method) else {
        return not_found();
    };
    let claims = match authenticate(config, keys, req, now_ms) {
        Ok(claims) => claims,
        Err(resp) => return resp,
    };
    if !claims
        .scope
        .split_whitespace()
        .any(|s| required.contains(&s))
    {
        return api_error(
            403,
            "Forbidden",
            &format!(
                "Insufficient scope, expected any of: {}",
                required.join(",")
            ),
            Some("insufficient_scope"),
        );
    }
    let query = match parse_form(req.query().unwrap_or("").as_bytes()) {
        Ok(pairs) => pairs,
        Err(()) => return query_error("the query string is not UTF-8."),
    };
    let decode = |raw: &str| String::from_utf8(percent_decode(raw.as_bytes(), false)).ok();
    match route {
        Route::Users => users::list(store.users.all(), &query),
        Route::UsersByEmail => users::by_email(store.users.all(), &query),
        Route::Roles => roles::list(config, &query),
        Route::Role(raw) | Route::RoleUsers(raw) => {
            let Some(role) = decode(raw).and_then(|id| config.roles.iter().find(|r| r.id == id))
            else {
                return inexistent_role();
            };
            match (route, req.method.as_str()) {
                (Route::Role(_), _) => HttpResponse::from_json(200, &roles::role_json(role)),
                (_, "GET") => roles::members(role, store, &query),
                _ => roles::add_members(role, store, &req.body),
            }
        }
        Route::User(raw) | Route::UserRoles(raw) | Route::UserPermissions(raw) => {
            let Some(index) = decode(raw).and_then(|id| store.users.position(&id)) else {
                return inexistent_user();
            };
            match (route, req.method.as_str()) {
                (Route::User(_), "GET") => {
                    HttpResponse::from_json_text(200, store.users.text(index))
                }
                (Route::User(_), _) => users::patch(store.users, index, &req.body, now_ms),
                (Route::UserPermissions(_), _) => {
                    roles::user_permissions(config, store, index, &query)
                }
                (_, "GET") => roles::user_roles(config, store, index, &query),
                (_, method) => roles::change_user_roles(config, store, index, &req.body, method),
            }
        }
    }
}

fn query_param<'q>(query: &'q [(String, String)], name: &str) -> Option<&'q str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
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
    let verified = keys.verify(
        token,
        &config.management_audience(),
        &config.issuer(),
        now_ms,
    );
    // Tokens asked for with the public-URL name of the audience carry that name.
    let verified = match (verified, config.public_management_audience()) {
        (Err(Rejection::Invalid), Some(alias)) => {
            keys.verify(token, &alias, &config.issuer(), now_ms)
        }
        (verified, _) => verified,
    };
    verified.map_err(|rejection| match rejection {
        Rejection::Invalid => unauthorized(MSG_INVALID_TOKEN, "invalid_token"),
        Rejection::Expired => unauthorized(MSG_EXPIRED_TOKEN, "token_expired"),
    })
}
