//! The HTTP transport: the simulation's tenant served by actsim-tenant's HTTP server on 127.0.0.1
//! and reached over real loopback HTTP, with time still virtual. Before each request the simulator sets the
//! server's clock to the virtual time; a fault's latency or timeout is reported back out of band
//! instead of being slept, so virtual latencies stay exactly as with the in-process transport.
//! Headers the HTTP stack adds on its own (`date`, `content-length`, …) are dropped so that
//! action code sees the same response either way; and the framing headers an action sets on its
//! request (`content-length`, `transfer-encoding`, …) are left to the HTTP client, which frames
//! the body it actually sends, as the in-process tenant ignores them: a `content-length` larger
//! than the body must not leave the server waiting for bytes that never come.

use std::net::TcpListener;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actsim_tenant::http_server::{lock, HttpServer, ServerLimits, TenantResponder};
use actsim_tenant::{Clock, HttpRequest, HttpResponse, Tenant};

/// Headers added by the HTTP stack rather than by the tenant.
const TRANSPORT_HEADERS: [&str; 6] = [
    "date",
    "content-length",
    "connection",
    "transfer-encoding",
    "server",
    "keep-alive",
];

/// Fault effects of the last response: (latency_ms, timeout).
type SideChannel = Arc<Mutex<(u64, bool)>>;

/// A tenant behind a local HTTP server.
pub struct HttpTenant {
    /// Kept for its lifetime: dropping it stops the server.
    _server: HttpServer,
    base_url: String,
    now: Arc<AtomicI64>,
    tenant: Arc<Mutex<Tenant>>,
    effects: SideChannel,
    agent: ureq::Agent,
}

impl HttpTenant {
    /// Serve `tenant` on a free loopback port.
    pub fn start(tenant: Tenant, start_ms: i64) -> std::io::Result<HttpTenant> {
        let (clock, now) = Clock::virtual_at(start_ms);
        let mut tenant = tenant;
        if tenant.start_ms().is_none() {
            tenant.set_start_ms(start_ms);
        }
        let responder = TenantResponder::new(tenant, clock);
        let shared = responder.tenant();
        let effects: SideChannel = Arc::new(Mutex::new((0, false)));
        let listener = TcpListener::bind("127.0.0.1:0")?;
        // Answers with the tenant's response at once and records its fault effects on the side.
        let side = effects.clone();
        let handler = Arc::new(move |req: &HttpRequest| {
            let mut resp = responder.handle(req);
            *side.lock().unwrap_or_else(|p| p.into_inner()) = (resp.latency_ms, resp.timeout);
            resp.latency_ms = 0;
            resp
        });
        let server = HttpServer::start(listener, handler, ServerLimits::default())?;
        let base_url = server.base_url();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Ok(HttpTenant {
            _server: server,
            base_url,
            now,
            tenant: shared,
            effects,
            agent,
        })
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Send `req` over HTTP at virtual time `now_ms`.
    pub fn handle(&mut self, req: &HttpRequest, now_ms: i64) -> HttpResponse {
        self.now.store(now_ms, Ordering::SeqCst);
        *self.effects.lock().unwrap_or_else(|p| p.into_inner()) = (0, false);
        let mut builder = ureq::http::Request::builder()
            .method(req.method.as_str())
            .uri(format!("{}{}", self.base_url, req.path_and_query));
        for (k, v) in &req.headers {
            if TRANSPORT_HEADERS
                .iter()
                .chain(["host", "expect", "te", "trailer", "upgrade"].iter())
                .any(|h| k.eq_ignore_ascii_case(h))
            {
                continue;
            }
            builder = builder.header(k.as_str(), v.as_str());
        }
        let request = match builder.body(req.body.clone()) {
            Ok(r) => r,
            Err(e) => return error_response(format!("the request could not be built: {e}")),
        };
        let response = match self.agent.run(request) {
            Ok(r) => r,
            Err(e) => return error_response(format!("the HTTP transport failed: {e}")),
        };
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .filter(|(k, _)| !TRANSPORT_HEADERS.contains(&k.as_str()))
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response
            .into_body()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .unwrap_or_default();
        let (latency_ms, timeout) = *self.effects.lock().unwrap_or_else(|p| p.into_inner());
        HttpResponse {
            status,
            headers,
            body,
            latency_ms,
            timeout,
        }
    }

    /// Read the served tenant (its ledger, users).
    pub fn with_tenant<R>(&self, f: impl FnOnce(&Tenant) -> R) -> R {
        f(&lock(&self.tenant))
    }

    /// Change the served tenant (e.g. add a user at their first login).
    pub fn with_tenant_mut<R>(&self, f: impl FnOnce(&mut Tenant) -> R) -> R {
        f(&mut lock(&self.tenant))
    }
}

fn error_response(message: String) -> HttpResponse {
    HttpResponse {
        status: 599,
        headers: vec![("content-type".into(), "text/plain".into())],
        body: message.into_bytes(),
        latency_ms: 0,
        timeout: false,
    }
}
