//! `POST /oauth/token`: the client-credentials grant, with Auth0's status codes and error bodies.
//!
//! Checks run in this order, and the first failure answers:
//! 1. body: size, content type, syntax (400 `invalid_request`; 413 for an oversized body);
//! 2. `grant_type`: missing → 400 `invalid_request`, not `client_credentials` → 400
//!    `unsupported_grant_type`;
//! 3. client authentication (body or HTTP Basic): unknown client or wrong secret → 401
//!    `access_denied` "Unauthorized";
//! 4. `audience`: missing → 400 `invalid_request`; not an API → 403 "Service not enabled within
//!    domain"; no client grant → 403 "Client is not authorized to access …".
//! 5. `scope`: a requested scope the grant lacks → 403 `access_denied` "Client has not been
//!    granted scopes: …"; otherwise the token carries every granted scope, as Auth0's does, even
//!    when `scope` names only some. With `excess_scopes = "drop"`, the token carries the
//!    requested scopes that are granted (every granted one without `scope`).
//! 6. the client's quota: a used-up hourly or daily bucket → 429 `too_many_requests` "Client
//!    quota exceeded" with `Retry-After`, `X-RateLimit-*` and `Auth0-Client-Quota-Limit`.
//!
//! Before all of these, the tenant's rate limit (`token_rate_limit`) takes one request from its
//! bucket; an empty bucket answers 429 `too_many_requests` with `x-ratelimit-*` and
//! `retry-after`. Successful responses carry the `x-ratelimit-*` headers of the rate limit and,
//! for a client with a quota, `auth0-client-quota-limit`.

use base64::Engine as _;
use serde_json::{json, Value};

use crate::config::{ExcessScopes, TenantConfig};
use crate::http::{media_type, parse_form, percent_decode, HttpRequest, HttpResponse};
use crate::jwt::{AccessTokenClaims, Keys};
use crate::ledger::{IssuedToken, Ledger};
use crate::traffic::Traffic;

/// Largest request body the token endpoint reads (1 MiB); larger bodies get 413.
pub const MAX_TOKEN_BODY_BYTES: usize = 1024 * 1024;

/// The parameters the endpoint understands; anything else in the body is ignored (Auth0 passes
/// extra properties to the credentials-exchange trigger).
#[derive(Default)]
struct Params {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    audience: Option<String>,
    scope: Option<String>,
}

impl Params {
    fn slot(&mut self, name: &str) -> Option<&mut Option<String>> {
        match name {
            "grant_type" => Some(&mut self.grant_type),
            "client_id" => Some(&mut self.client_id),
            "client_secret" => Some(&mut self.client_secret),
            "audience" => Some(&mut self.audience),
            "scope" => Some(&mut self.scope),
            _ => None,
        }
    }

    /// Stores a known parameter; a repeated known parameter is an error (RFC 6749 §3.2).
    fn set(&mut self, name: &str, value: String) -> Result<(), HttpResponse> {
        if let Some(slot) = self.slot(name) {
            if slot.is_some() {
                return Err(oauth_error(
                    400,
                    "invalid_request",
                    &format!("Parameter must not be repeated: {name}"),
                ));
            }
            // An empty value counts as absent.
            if !value.is_empty() {
                *slot = Some(value);
            }
        }
        Ok(())
    }
}

/// An OAuth-style error response `{error, error_description}` with `cache-control: no-store`.
pub(crate) fn oauth_error(status: u16, error: &str, description: &str) -> HttpResponse {
    no_store(HttpResponse::from_json(
        status,
        &json!({ "error": error, "error_description": description }),
    ))
}

fn no_store(resp: HttpResponse) -> HttpResponse {
    resp.with_header("cache-control", "no-store")
        .with_header("pragma", "no-cache")
}

fn unauthorized() -> HttpResponse {
    oauth_error(401, "access_denied", "Unauthorized")
}

/// Handles one token request: counts it, applies the rate limit, and on success signs a token
/// and records it.
pub(crate) fn handle(
    config: &TenantConfig,
    keys: &Keys,
    ledger: &mut Ledger,
    traffic: &mut Traffic,
    req: &HttpRequest,
    now_ms: i64,
) -> HttpResponse {
    ledger.count_request();
    let rate_headers = match traffic.take_rate_limit(config.token_rate_limit.as_ref(), now_ms) {
        Ok(headers) => headers,
        Err(resp) => {
            ledger.count_rate_limited();
            return resp;
        }
    };
    let mut resp = match issue(config, keys, ledger, traffic, req, now_ms) {
        Ok(resp) | Err(resp) => resp,
    };
    if resp.status == 429 {
        ledger.count_quota_exceeded();
    } else {
        resp.headers.extend(rate_headers);
    }
    resp
}

/// The client a token request names (body or HTTP Basic), if the request can be read; used to
/// match faults before the request is handled.
pub(crate) fn client_id_of(req: &HttpRequest) -> Option<String> {
    let mut params = parse_body(req).ok()?;
    apply_basic_auth(req, &mut params).ok()?;
    params.client_id
}

fn issue(
    config: &TenantConfig,
    keys: &Keys,
    ledger: &mut Ledger,
    traffic: &mut Traffic,
    req: &HttpRequest,
    now_ms: i64,
) -> Result<HttpResponse, HttpResponse> {
    let mut params = parse_body(req)?;
    apply_basic_auth(req, &mut params)?;

    match params.grant_type.as_deref() {
        None => {
            return Err(oauth_error(
                400,
                "invalid_request",
                "Missing required parameter: grant_type",
            ))
        }
        Some("client_credentials") => {}
        Some(other) => {
            return Err(oauth_error(
                400,
                "unsupported_grant_type",
                &format!("Unsupported grant type: {other}"),
            ))
        }
    }

    let client_id = params.client_id.as_deref().ok_or_else(unauthorized)?;
    let client = config.client(client_id).ok_or_else(unauthorized)?;
    if params.client_secret.as_deref() != Some(client.client_secret.as_str()) {
        return Err(unauthorized());
    }

    let audience = params.audience.as_deref().ok_or_else(|| {
        oauth_error(
            400,
            "invalid_request",
            "Missing required parameter: audience (this tenant has no default audience)",
        )
    })?;
    if !config.is_known_api(audience) {
        return Err(oauth_error(
            403,
            "access_denied",
            &format!("Service not enabled within domain: {audience}"),
        ));
    }
    // The public-URL alias of the Management API uses the Management API's grant.
    let canonical = config.canonical_audience(audience);
    let grant = client
        .grants
        .iter()
        .find(|g| g.audience == canonical)
        .ok_or_else(|| {
            oauth_error(
                403,
                "access_denied",
                &format!(
                    "Client is not authorized to access \"{audience}\". You need to create a \"client-grant\" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants"
                ),
            )
        })?;

    let requested: Option<Vec<&str>> = params
        .scope
        .as_deref()
        .map(|s| s.split_whitespace().collect());
    if config.excess_scopes == ExcessScopes::Deny {
        let mut missing: Vec<&str> = Vec::new();
        for s in requested.iter().flatten() {
            if !grant.scopes.iter().any(|g| g == s) && !missing.contains(s) {
                missing.push(s);
            }
        }
        if !missing.is_empty() {
            return Err(oauth_error(
                403,
                "access_denied",
                &format!("Client has not been granted scopes: {}", missing.join(" ")),
            ));
        }
    }
    // Auth0 puts every granted scope in a client-credentials token, even when `scope` names
    // only some of them (docs/tenant.md cites the support article); `drop` narrows to them.
    let narrow = config.excess_scopes == ExcessScopes::Drop;
    let mut scopes: Vec<&str> = Vec::new();
    for s in &grant.scopes {
        let wanted = !narrow || requested.as_ref().is_none_or(|r| r.contains(&s.as_str()));
        if wanted && !scopes.contains(&s.as_str()) {
            scopes.push(s);
        }
    }
    let scope = scopes.join(" ");

    let quota = traffic.check_quota(config, client, &canonical, now_ms)?;
    let lifetime = config.lifetime_for(&canonical);
    let iat = now_ms.div_euclid(1000);
    let exp = iat.saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX));
    let claims = AccessTokenClaims {
        iss: config.issuer(),
        sub: format!("{}@clients", client.client_id),
        aud: audience.to_string(),
        iat,
        exp,
        scope: scope.clone(),
        gty: "client-credentials".to_string(),
        azp: client.client_id.clone(),
    };
    let token = keys.sign(&claims).map_err(|e| {
        oauth_error(
            500,
            "server_error",
            &format!("Could not sign the access token: {e}"),
        )
    })?;
    ledger.record(IssuedToken {
        client_id: client.client_id.clone(),
        audience: audience.to_string(),
        scope: scope.clone(),
        iat,
        exp,
    });
    let mut resp = no_store(HttpResponse::from_json(
        200,
        &json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": lifetime,
            "scope": scope
        }),
    ));
    if let Some(header) = traffic.record_quota(quota, client, now_ms) {
        resp = resp.with_header("auth0-client-quota-limit", header);
    }
    Ok(resp)
}

fn parse_body(req: &HttpRequest) -> Result<Params, HttpResponse> {
    let mut params = Params::default();
    if req.body.len() > MAX_TOKEN_BODY_BYTES {
        return Err(oauth_error(
            413,
            "invalid_request",
            &format!("Request body too large (limit {MAX_TOKEN_BODY_BYTES} bytes)"),
        ));
    }
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(params);
    }
    let content_type = req.header("content-type").map(media_type);
    match content_type.as_deref() {
        Some("application/x-www-form-urlencoded") => {
            let pairs = parse_form(&req.body).map_err(|()| {
                oauth_error(
                    400,
                    "invalid_request",
                    "Invalid request body: form parameters must be UTF-8",
                )
            })?;
            for (name, value) in pairs {
                params.set(&name, value)?;
            }
        }
        Some("application/json") => {
            let value: Value = serde_json::from_slice(&req.body).map_err(|e| {
                oauth_error(
                    400,
                    "invalid_request",
                    &format!("Invalid request body: malformed JSON ({e})"),
                )
            })?;
            let Value::Object(map) = value else {
                return Err(oauth_error(
                    400,
                    "invalid_request",
                    "Invalid request body: expected a JSON object",
                ));
            };
            for (name, value) in map {
                match value {
                    Value::String(s) => params.set(&name, s)?,
                    Value::Null => {}
                    _ if params.slot(&name).is_some() => {
                        return Err(oauth_error(
                            400,
                            "invalid_request",
                            &format!("Invalid parameter type: {name} must be a string"),
                        ))
                    }
                    _ => {}
                }
            }
        }
        other => {
            return Err(oauth_error(
                400,
                "invalid_request",
                &format!(
                    "Unsupported content type {}: send application/x-www-form-urlencoded or application/json",
                    other.map_or_else(|| "(none)".to_string(), |t| format!("{t:?}"))
                ),
            ))
        }
    }
    Ok(params)
}

/// Takes client credentials from an `Authorization: Basic` header, if present (RFC 6749 §2.3.1:
/// form-encoded id and secret, joined by `:`, base64-encoded).
fn apply_basic_auth(req: &HttpRequest, params: &mut Params) -> Result<(), HttpResponse> {
    let Some(value) = req.header("authorization") else {
        return Ok(());
    };
    let value = value.trim();
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Ok(());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(());
    }
    let malformed = || {
        oauth_error(
            400,
            "invalid_request",
            "Malformed HTTP Basic authorization header",
        )
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| malformed())?;
    let pos = decoded
        .iter()
        .position(|b| *b == b':')
        .ok_or_else(malformed)?;
    let id = String::from_utf8(percent_decode(&decoded[..pos], true)).map_err(|_| malformed())?;
    let secret =
        String::from_utf8(percent_decode(&decoded[pos + 1..], true)).map_err(|_| malformed())?;
    if params.client_secret.is_some() {
        return Err(oauth_error(
            400,
            "invalid_request",
            "Use only one client authentication method: HTTP Basic or client_secret in the body",
        ));
    }
    if params
        .client_id
        .as_ref()
        .is_some_and(|body_id| *body_id != id)
    {
        return Err(oauth_error(
            400,
            "invalid_request",
            "client_id in the body does not match the HTTP Basic credentials",
        ));
    }
    params.client_id = Some(id).filter(|s| !s.is_empty());
    params.client_secret = Some(secret).filter(|s| !s.is_empty());
    Ok(())
}
