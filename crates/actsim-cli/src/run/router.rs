//! The network of `actsim run`: requests to the tenant's domain go to the in-process mock
//! tenant; anything else is a network error that names the host and what to do about it.

use actsim_js::{FetchRequest, FetchResponse, OpResult};
use actsim_tenant::{HttpRequest, Tenant};

/// What happened to one request, for the report.
pub struct Routed {
    /// What JavaScript gets back.
    pub result: OpResult,
    /// A human note, e.g. which token was issued.
    pub note: Option<String>,
    /// Extra latency the tenant asked for (an injected fault).
    pub extra_latency_ms: i64,
    /// The token issued for this request: client, audience and `exp` (seconds).
    pub issued: Option<(String, String, i64)>,
}

/// Split `https://host[:port]/path?query` into host and path-and-query.
pub fn split_url(url: &str) -> Option<(String, String)> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    let path = if path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_string()
    };
    Some((host, path))
}

/// Route `req` at virtual time `now_ms`.
pub fn route(tenant: &mut Tenant, req: &FetchRequest, now_ms: i64) -> Routed {
    let Some((host, path)) = split_url(&req.url) else {
        return Routed {
            result: OpResult::NetworkError(format!(
                "invalid URL '{}': use an absolute http(s) URL",
                req.url
            )),
            note: None,
            extra_latency_ms: 0,
            issued: None,
        };
    };
    let domain = tenant.config().domain.to_ascii_lowercase();
    if host != domain {
        return Routed {
            result: OpResult::NetworkError(format!(
                "getaddrinfo ENOTFOUND {host}: actsim run only reaches the local tenant '{domain}'; point the action's domain secret at it (see fixtures/secrets/local-tenant.env)"
            )),
            note: None,
            extra_latency_ms: 0,
            issued: None,
        };
    }
    let mut http = HttpRequest::new(req.method.clone(), path);
    for (k, v) in &req.headers {
        http = http.with_header(k.clone(), v.clone());
    }
    if let Some(body) = &req.body {
        http = http.with_body(body.as_bytes().to_vec());
    }
    let issued_before = tenant.issued_tokens().len();
    let response = tenant.handle(&http, now_ms);
    let note = tenant.issued_tokens()[issued_before..].first().map(|t| {
        format!(
            "token #{} issued to {} for {} (expires in {} s)",
            issued_before + 1,
            t.client_id,
            t.audience,
            t.exp - t.iat
        )
    });
    let extra_latency_ms = response.latency_ms as i64;
    let issued = tenant.issued_tokens()[issued_before..]
        .first()
        .map(|t| (t.client_id.clone(), t.audience.clone(), t.exp));
    if response.timeout {
        return Routed {
            result: OpResult::NetworkError(format!(
                "the tenant did not answer within {extra_latency_ms} ms (injected timeout)"
            )),
            note,
            extra_latency_ms,
            issued,
        };
    }
    let body = String::from_utf8_lossy(&response.body).into_owned();
    Routed {
        result: OpResult::Fetch(FetchResponse {
            status: response.status,
            headers: response.headers.clone(),
            body,
        }),
        note,
        extra_latency_ms,
        issued,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_urls() {
        assert_eq!(
            split_url("https://Tenant.actsim.test/oauth/token"),
            Some(("tenant.actsim.test".into(), "/oauth/token".into()))
        );
        assert_eq!(
            split_url("https://h:8443/api/v2/users/x?fields=a"),
            Some(("h".into(), "/api/v2/users/x?fields=a".into()))
        );
        assert_eq!(
            split_url("https://h?x=1"),
            Some(("h".into(), "/?x=1".into()))
        );
        assert_eq!(split_url("ftp://h/x"), None);
    }
}
