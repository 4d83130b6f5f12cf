//! The Management API subset: `GET` and `PATCH /api/v2/users/{id}`, with bearer-token
//! authentication, scope checks and Auth0-style `{statusCode, error, message, errorCode}` errors.
//!
//! Checks run in this order: authentication (401), scope (403), user lookup (404), body (400).

use serde_json::{json, Map, Value};

use crate::config::TenantConfig;
use crate::http::{percent_decode, HttpRequest, HttpResponse};
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

/// Routes a request whose path starts with `/api/v2/`.
pub(crate) fn handle(
    config: &TenantConfig,
    keys: &Keys,
    users: &mut [Value],
    req: &HttpRequest,
    now_ms: i64,
) -> HttpResponse {
    let Some(raw_id) = req.path().strip_prefix("/api/v2/users/") else {
        return not_found();
    };
    if raw_id.is_empty() || raw_id.contains('/') {
        return not_found();
    }
    let required_scope = match req.method.as_str() {
        "GET" => "read:users",
        "PATCH" => "update:users",
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
    let user = String::from_utf8(percent_decode(raw_id.as_bytes(), false))
        .ok()
        .and_then(|id| {
            users
                .iter_mut()
                .find(|u| u.get("user_id").and_then(Value::as_str) == Some(id.as_str()))
        });
    let Some(user) = user else {
        return api_error(
            404,
            "Not Found",
            "The user does not exist.",
            Some("inexistent_user"),
        );
    };
    if req.method == "GET" {
        return HttpResponse::from_json(200, user);
    }
    match patch_user(user, &req.body, now_ms) {
        Ok(()) => HttpResponse::from_json(200, user),
        Err(resp) => resp,
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
