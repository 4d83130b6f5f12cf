//! The user routes: list and search (`GET /api/v2/users`), look-up by email, and PATCH.

use serde_json::{Map, Value};

use super::paging::Paging;
use super::{api_error, bad_body, query_error, query_param, MAX_PATCH_BODY_BYTES};
use crate::http::HttpResponse;
use crate::time_fmt::iso8601_utc_millis;
use crate::user_search;
use crate::user_store::UserStore;

/// How many search results can be paged through (Auth0's user search limit).
pub(crate) const MAX_SEARCH_RESULTS: usize = 1000;

/// `GET /api/v2/users`: the users matching `q` (all without it), sorted by `sort`
/// (`field:1` ascending, `field:-1` descending; default: configuration order), paged.
pub(crate) fn list(users: &[Value], query: &[(String, String)]) -> HttpResponse {
    match query_param(query, "search_engine") {
        None | Some("" | "v2" | "v3") => {}
        Some(other) => {
            return query_error(&format!(
                "Invalid value {other:?} for search_engine: use v3 (v1 was removed by Auth0)."
            ))
        }
    }
    let paging = match Paging::from_query(query, None) {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    if paging.end() > MAX_SEARCH_RESULTS {
        return query_error(&format!(
            "You can only page through the first {MAX_SEARCH_RESULTS} records (page * per_page + per_page must be at most {MAX_SEARCH_RESULTS})."
        ));
    }
    let parsed = match query_param(query, "q").filter(|q| !q.trim().is_empty()) {
        None => None,
        Some(q) => match user_search::parse(q) {
            Ok(parsed) => Some(parsed),
            Err(e) => {
                return api_error(
                    400,
                    "Bad Request",
                    &format!("Invalid query {q:?}: {e}"),
                    Some("invalid_query"),
                )
            }
        },
    };
    let mut found: Vec<&Value> = users
        .iter()
        .filter(|u| parsed.as_ref().is_none_or(|q| user_search::matches(q, u)))
        .collect();
    if let Some(sort) = query_param(query, "sort").filter(|s| !s.is_empty()) {
        let Some((field, order)) = sort
            .split_once(':')
            .filter(|(_, o)| *o == "1" || *o == "-1")
        else {
            return query_error(&format!(
                "sort must be field:1 (ascending) or field:-1 (descending), not {sort:?}."
            ));
        };
        let key = |u: &Value| u.get(field).map(sort_key).unwrap_or_default();
        found.sort_by_key(|u| key(u));
        if order == "-1" {
            found.reverse();
        }
    }
    let found: Vec<Value> = found
        .into_iter()
        .take(MAX_SEARCH_RESULTS)
        .cloned()
        .collect();
    paging.respond("users", found)
}

fn sort_key(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `GET /api/v2/users-by-email?email=…`: the users whose `email` is exactly `email`.
pub(crate) fn by_email(users: &[Value], query: &[(String, String)]) -> HttpResponse {
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

/// `PATCH /api/v2/users/{id}` of the user at `position`: top-level fields replace,
/// `app_metadata`/`user_metadata` merge shallowly (a `null` value deletes the key), and
/// `updated_at` is set from `now_ms`. Everything is validated before anything changes; the
/// answer is the user after the change.
pub(crate) fn patch(
    users: &mut UserStore,
    position: usize,
    body: &[u8],
    now_ms: i64,
) -> HttpResponse {
    if body.len() > MAX_PATCH_BODY_BYTES {
        return api_error(
            413,
            "Payload Too Large",
            &format!("Request body too large (limit {MAX_PATCH_BODY_BYTES} bytes)"),
            Some("payload_too_large"),
        );
    }
    let Ok(patch) = serde_json::from_slice::<Value>(body) else {
        return bad_body("'Invalid JSON'.");
    };
    let Value::Object(patch) = patch else {
        return bad_body(&format!(
            "'Expected type object but found type {}'.",
            type_name(&patch)
        ));
    };
    if patch.is_empty() {
        return bad_body("'Too few properties defined (0), minimum 1'.");
    }
    for field in METADATA_FIELDS {
        if let Some(v) = patch.get(field) {
            if !v.is_object() {
                return bad_body(&format!(
                    "'Expected type object but found type {}' on property {field}.",
                    type_name(v)
                ));
            }
        }
    }
    let answer = users.edit(position, |stored| {
        if let Some(new_id) = patch.get("user_id") {
            if Some(new_id) != stored.get("user_id") {
                return Err(bad_body("'user_id cannot be changed by this emulator'."));
            }
        }
        for (key, value) in patch {
            match value {
                Value::Object(changes) if METADATA_FIELDS.contains(&key.as_str()) => {
                    stored.update(
                        key,
                        || Value::Object(Map::new()),
                        |target| {
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
                        },
                    );
                }
                value => stored.set(key, value),
            }
        }
        stored.set(
            "updated_at".to_string(),
            Value::String(iso8601_utc_millis(now_ms)),
        );
        Ok(())
    });
    match answer {
        Some(Ok(text)) => HttpResponse::from_json_text(200, text),
        Some(Err(refused)) => refused,
        None => api_error(
            500,
            "Internal Server Error",
            "Stored user is not an object",
            None,
        ),
    }
}
