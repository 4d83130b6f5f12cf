//! The simulated network: requests to the tenant's domain go to the mock tenant, requests that
//! match a scenario-declared mock get its response, anything else is a network error naming the
//! host and how to declare it. Every route has a modelled latency in virtual time.

use std::collections::BTreeMap;

use actsim_js::{FetchRequest, FetchResponse, OpResult, SeededRng};
use actsim_tenant::{HttpRequest, HttpResponse, Tenant};

use crate::http_transport::HttpTenant;

use crate::scenario::MockSpec;
use crate::values::Dist;

/// What happened to one request.
pub struct Routed {
    /// What JavaScript gets back.
    pub result: OpResult,
    /// Virtual time until the answer arrives.
    pub latency_ms: i64,
    /// Where it went: `tenant`, `mock:<host>` or the unknown host.
    pub upstream: String,
    /// For a token request that issued a token: its number in the ledger (1-based).
    pub token_issued: Option<usize>,
    /// The declared mock's route name (`http.route.<route>.…`), for a request a mock answered.
    pub route: Option<String>,
    /// A token a mock declared a token endpoint handed out.
    pub mock_token: Option<MockToken>,
}

/// A token from a mock declared `token_endpoint = true`.
#[derive(Debug, Clone, PartialEq)]
pub struct MockToken {
    /// The mock's route name (its `name`, or method, host and path).
    pub name: String,
    /// Host and path of the endpoint (the token's "audience" for the detectors).
    pub audience: String,
    /// The response's `expires_in` (seconds).
    pub expires_in: i64,
    /// 1-based number among this mock's tokens.
    pub number: usize,
}

/// The route name of a declared mock in metrics: its `name`, else `METHOD:host/path` (`ANY`
/// when it matches every method; the path as declared, `*` included).
pub fn mock_route(mock: &MockSpec) -> String {
    if let Some(name) = &mock.name {
        return name.clone();
    }
    format!(
        "{}:{}{}",
        mock.method.as_deref().unwrap_or("ANY"),
        mock.host,
        mock.path.as_deref().unwrap_or("/*")
    )
}

/// How requests reach the tenant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// Direct calls to the tenant's handler (fast; the default).
    #[default]
    InProcess,
    /// Real HTTP to the tenant served on 127.0.0.1 (same results, slower).
    Http,
}

/// The tenant behind one of the transports.
enum Backend {
    InProcess(Box<Tenant>),
    Http(Box<HttpTenant>),
}

impl Backend {
    fn handle(&mut self, req: &HttpRequest, now_ms: i64) -> HttpResponse {
        match self {
            Backend::InProcess(t) => t.handle(req, now_ms),
            Backend::Http(h) => h.handle(req, now_ms),
        }
    }

    fn with_tenant<R>(&self, f: impl FnOnce(&Tenant) -> R) -> R {
        match self {
            Backend::InProcess(t) => f(t),
            Backend::Http(h) => h.with_tenant(f),
        }
    }

    fn with_tenant_mut<R>(&mut self, f: impl FnOnce(&mut Tenant) -> R) -> R {
        match self {
            Backend::InProcess(t) => f(t),
            Backend::Http(h) => h.with_tenant_mut(f),
        }
    }
}

/// Routes requests for one simulation.
pub struct Network {
    tenant: Backend,
    tenant_domain: String,
    tenant_latency: Dist,
    mocks: Vec<MockSpec>,
    mock_hits: Vec<u64>,
    mock_tokens: Vec<usize>,
    mock_latency: Dist,
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

impl Network {
    /// A network with `tenant` at its domain, reached through `transport`, and the declared
    /// mocks. Fails only when the HTTP transport cannot start its server.
    pub fn new(
        mut tenant: Tenant,
        transport: Transport,
        start_ms: i64,
        tenant_latency: Dist,
        mocks: Vec<MockSpec>,
        mock_latency: Dist,
    ) -> std::io::Result<Network> {
        let tenant_domain = tenant.config().domain.to_ascii_lowercase();
        let mock_hits = vec![0; mocks.len()];
        let mock_tokens = vec![0; mocks.len()];
        if tenant.start_ms().is_none() {
            tenant.set_start_ms(start_ms);
        }
        let tenant = match transport {
            Transport::InProcess => Backend::InProcess(Box::new(tenant)),
            Transport::Http => Backend::Http(Box::new(HttpTenant::start(tenant, start_ms)?)),
        };
        Ok(Network {
            tenant,
            tenant_domain,
            tenant_latency,
            mocks,
            mock_hits,
            mock_tokens,
            mock_latency,
        })
    }

    /// Adds a simulated user to the tenant (see [`Tenant::add_user`]); a user the tenant already
    /// knows, or one naming an unknown role, is left out.
    pub fn add_user(&mut self, user: serde_json::Value) {
        let _ = self.tenant.with_tenant_mut(|t| t.add_user(user));
    }

    /// Tokens issued per client (every configured client listed) and all token requests.
    pub fn ledger_summary(&self) -> (BTreeMap<String, u64>, u64) {
        self.tenant.with_tenant(|t| {
            let mut by_client: BTreeMap<String, u64> = t
                .config()
                .clients
                .iter()
                .map(|c| (c.client_id.clone(), 0))
                .collect();
            for token in t.issued_tokens() {
                *by_client.entry(token.client_id.clone()).or_default() += 1;
            }
            (by_client, t.token_requests())
        })
    }

    /// The `n`-th issued token (1-based): client, audience and `exp` (seconds).
    pub fn issued_token(&self, n: usize) -> Option<(String, String, i64)> {
        self.tenant.with_tenant(|t| {
            t.issued_tokens()
                .get(n.checked_sub(1)?)
                .map(|x| (x.client_id.clone(), x.audience.clone(), x.exp))
        })
    }

    /// The `n`-th issued token's `iat` (seconds).
    pub fn issued_token_iat(&self, n: usize) -> Option<i64> {
        self.tenant
            .with_tenant(|t| t.issued_tokens().get(n.checked_sub(1)?).map(|x| x.iat))
    }

    /// Every declared mock's route name with the statuses it can answer (for zero-valued
    /// metrics), and whether it is a token endpoint.
    pub fn declared_routes(&self) -> Vec<(String, Vec<u16>, bool)> {
        self.mocks
            .iter()
            .map(|m| {
                let mut statuses: Vec<u16> = m.responses.iter().map(|r| r.status).collect();
                statuses.extend(m.fail_status);
                (mock_route(m), statuses, m.token_endpoint)
            })
            .collect()
    }

    fn issued_count(&self) -> usize {
        self.tenant.with_tenant(|t| t.issued_tokens().len())
    }

    /// Route `req` sent at `now_ms`.
    pub fn route(&mut self, req: &FetchRequest, now_ms: i64, rng: &mut SeededRng) -> Routed {
        let Some((host, path)) = split_url(&req.url) else {
            return Routed {
                result: OpResult::NetworkError(format!(
                    "invalid URL '{}': use an absolute http(s) URL",
                    req.url
                )),
                latency_ms: 0,
                upstream: "invalid-url".into(),
                token_issued: None,
                route: None,
                mock_token: None,
            };
        };
        if host == self.tenant_domain {
            return self.send_to_tenant(req, path, now_ms, rng);
        }
        if let Some(index) = self
            .mocks
            .iter()
            .position(|m| matches(m, &host, &path, req))
        {
            return self.answer_from_mock(index, rng);
        }
        let method = &req.method;
        let bare = path.split('?').next().unwrap_or("/");
        Routed {
            result: OpResult::NetworkError(format!(
                "getaddrinfo ENOTFOUND {host}: nothing answers {method} https://{host}{bare} in this simulation; declare a mock for it: in a scenario or a --mocks file `[[mocks]] host = \"{host}\" method = \"{method}\" path = \"{bare}\" json = {{ … }}`, or on the command line `actsim run … --mock '{method} https://{host}{bare} 200 {{\"ok\":true}}'` (see docs/scenario.md, \"HTTP mocks\")"
            )),
            latency_ms: 0,
            upstream: host,
            token_issued: None,
            route: None,
            mock_token: None,
        }
    }

    fn send_to_tenant(
        &mut self,
        req: &FetchRequest,
        path: String,
        now_ms: i64,
        rng: &mut SeededRng,
    ) -> Routed {
        let mut http = HttpRequest::new(req.method.clone(), path);
        for (k, v) in &req.headers {
            http = http.with_header(k.clone(), v.clone());
        }
        if let Some(body) = &req.body {
            http = http.with_body(body.as_bytes().to_vec());
        }
        let before = self.issued_count();
        let mut response = self.tenant.handle(&http, now_ms);
        let token_issued = (self.issued_count() > before).then_some(before + 1);
        let latency_ms = self.tenant_latency.sample(rng) + response.latency_ms as i64;
        let result = if response.timeout {
            OpResult::NetworkError(format!(
                "the tenant did not answer within {latency_ms} ms (injected timeout)"
            ))
        } else {
            OpResult::Fetch(FetchResponse {
                status: response.status,
                headers: std::mem::take(&mut response.headers),
                body: text_of(std::mem::take(&mut response.body)),
            })
        };
        Routed {
            result,
            latency_ms,
            upstream: "tenant".into(),
            token_issued,
            route: None,
            mock_token: None,
        }
    }

    fn answer_from_mock(&mut self, index: usize, rng: &mut SeededRng) -> Routed {
        let mock = &self.mocks[index];
        let hit = self.mock_hits[index];
        self.mock_hits[index] += 1;
        let latency_ms = mock
            .latency
            .as_ref()
            .unwrap_or(&self.mock_latency)
            .sample(rng);
        let upstream = format!("mock:{}", mock.host);
        let route = Some(mock_route(mock));
        if hit < u64::from(mock.fail_first) {
            let result = match mock.fail_status {
                Some(status) => OpResult::Fetch(FetchResponse {
                    status,
                    headers: vec![("content-type".into(), "application/json".into())],
                    body: format!(
                        "{{\"error\":\"injected failure {} of {}\"}}",
                        hit + 1,
                        mock.fail_first
                    ),
                }),
                None => OpResult::NetworkError(format!(
                    "connect ECONNREFUSED {} (injected failure {} of {})",
                    mock.host,
                    hit + 1,
                    mock.fail_first
                )),
            };
            return Routed {
                result,
                latency_ms,
                upstream,
                token_issued: None,
                route,
                mock_token: None,
            };
        }
        let answered = (hit - u64::from(mock.fail_first)) as usize;
        let response = &mock.responses[answered.min(mock.responses.len() - 1)];
        let mut headers = mock.response_headers.clone();
        if !headers.iter().any(|(k, _)| k == "content-type") {
            headers.push(("content-type".into(), "application/json".into()));
        }
        let expires_in = (mock.token_endpoint && (200..300).contains(&response.status))
            .then(|| serde_json::from_str::<serde_json::Value>(&response.body).ok())
            .flatten()
            .and_then(|v| v.get("expires_in").and_then(serde_json::Value::as_i64));
        let mock_token = expires_in.map(|expires_in| {
            self.mock_tokens[index] += 1;
            MockToken {
                name: mock_route(mock),
                audience: format!("{}{}", mock.host, mock.path.as_deref().unwrap_or("/")),
                expires_in,
                number: self.mock_tokens[index],
            }
        });
        Routed {
            result: OpResult::Fetch(FetchResponse {
                status: response.status,
                headers,
                body: response.body.clone(),
            }),
            latency_ms,
            upstream,
            token_issued: None,
            route,
            mock_token,
        }
    }
}

fn matches(mock: &MockSpec, host: &str, path_and_query: &str, req: &FetchRequest) -> bool {
    if mock.host != host {
        return false;
    }
    if mock.method.as_deref().is_some_and(|m| m != req.method) {
        return false;
    }
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    if let Some(want) = &mock.path {
        let ok = match want.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => path == want,
        };
        if !ok {
            return false;
        }
    }
    let params: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    if !mock
        .query
        .iter()
        .all(|(k, v)| params.iter().any(|(pk, pv)| pk == k && pv == v))
    {
        return false;
    }
    if !mock
        .headers
        .iter()
        .all(|(k, v)| req.header(k) == Some(v.as_str()))
    {
        return false;
    }
    if let Some(needle) = &mock.body_contains {
        if !req.body.as_deref().unwrap_or("").contains(needle.as_str()) {
            return false;
        }
    }
    true
}

fn percent_decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'+' {
            out.push(b' ');
        } else if b == b'%' && i + 2 < bytes.len() {
            match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            }
        } else {
            out.push(b);
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A response body as text: the bytes themselves when they are UTF-8 (every tenant body is),
/// each invalid sequence as U+FFFD otherwise.
fn text_of(body: Vec<u8>) -> String {
    String::from_utf8(body)
        .unwrap_or_else(|invalid| String::from_utf8_lossy(invalid.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_query_values() {
        assert_eq!(percent_decode("a%20b+c"), "a b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
