//! `GET /.well-known/openid-configuration`: the discovery document, with endpoint URLs built
//! from the base URL the request came to.

use serde_json::{json, Value};

use crate::config::TenantConfig;
use crate::http::HttpRequest;

/// The base URL (`scheme://host[:port]`, no trailing slash) a request was sent to: the scheme
/// and host of an absolute-form target; else `http://` (or `X-Forwarded-Proto`) plus the `Host`
/// header; else `https://{domain}`.
pub fn base_url(config: &TenantConfig, req: &HttpRequest) -> String {
    let target = req.path_and_query.as_str();
    for scheme in ["https://", "http://"] {
        if let Some(rest) = target.strip_prefix(scheme) {
            let host = rest.split(['/', '?']).next().unwrap_or("");
            if !host.is_empty() {
                return format!("{scheme}{host}");
            }
        }
    }
    let host = req
        .header("host")
        .map(str::trim)
        .filter(|h| is_plausible_host(h));
    match host {
        Some(host) => {
            let scheme = match req.header("x-forwarded-proto").map(str::trim) {
                Some(p) if p.eq_ignore_ascii_case("https") => "https",
                _ => "http",
            };
            format!("{scheme}://{host}")
        }
        None => format!("https://{}", config.domain),
    }
}

/// A host[:port] without characters that could break out of a URL.
fn is_plausible_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b))
}

/// The discovery document, with the fields OpenID Connect and OAuth clients read (OpenID
/// Connect Discovery 1.0 §3, RFC 8414 §2). `issuer` is what tokens carry in `iss`
/// ([`TenantConfig::issuer`]: `https://{domain}/`, or the public URL the tenant is served at);
/// the endpoint URLs use `base`, the URL the request came to (or the public URL), so a client
/// talking to a local server can follow them. actsim serves only the token endpoint and the
/// JWKS; the other endpoints are listed because clients require them in the document (their
/// routes answer 404).
pub fn document(config: &TenantConfig, base: &str) -> Value {
    json!({
        "issuer": config.issuer(),
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "device_authorization_endpoint": format!("{base}/oauth/device/code"),
        "userinfo_endpoint": format!("{base}/userinfo"),
        "mfa_challenge_endpoint": format!("{base}/mfa/challenge"),
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "registration_endpoint": format!("{base}/oidc/register"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "end_session_endpoint": format!("{base}/oidc/logout"),
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "response_types_supported": ["code", "token", "id_token", "code token", "code id_token", "token id_token", "code token id_token"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "code_challenge_methods_supported": ["S256", "plain"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": scopes(config),
        "claims_supported": ["aud", "auth_time", "created_at", "email", "email_verified", "exp", "family_name", "given_name", "iat", "identities", "iss", "name", "nickname", "phone_number", "picture", "sub"],
        "request_uri_parameter_supported": false,
        "request_parameter_supported": false,
    })
}

fn scopes(config: &TenantConfig) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for client in &config.clients {
        for grant in &client.grants {
            for scope in &grant.scopes {
                if !out.contains(scope) {
                    out.push(scope.clone());
                }
            }
        }
    }
    out
}
