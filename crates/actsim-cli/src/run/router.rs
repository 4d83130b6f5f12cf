//! The network of `actsim run`: requests to the tenant's domain go to the in-process mock
//! tenant; anything else is a network error that names the host and what to do about it.

use actsim_js::{FetchRequest, FetchResponse, OpResult};
use actsim_sim::network::split_url;
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
