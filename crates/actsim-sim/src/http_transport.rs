//! The HTTP transport: the simulation's tenant served by wiremock on 127.0.0.1 and reached over
//! real loopback HTTP, with time still virtual. Before each request the simulator sets the
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

use actsim_tenant::wiremock_adapter::{
    lock, to_response_template, to_tenant_request, TenantResponder,
};
use actsim_tenant::{Clock, HttpRequest, HttpResponse, Tenant};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

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

/// Answers with the tenant's response at once and records its fault effects on the side.
struct VirtualTimeResponder {
    inner: TenantResponder,
    effects: SideChannel,
}

impl Respond for VirtualTimeResponder {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let mut resp = self.inner.handle(&to_tenant_request(request));
        *self.effects.lock().unwrap_or_else(|p| p.into_inner()) = (resp.latency_ms, resp.timeout);
        resp.latency_ms = 0;
        to_response_template(&resp)
    }
}

/// A tenant behind a local HTTP server.
pub struct HttpTenant {
    runtime: tokio::runtime::Runtime,
    server: Option<MockServer>,
    base_url: String,
    now: Arc<AtomicI64>,
    tenant: Arc<Mutex<Tenant>>,
    effects: SideChannel,
    agent: ureq::Agent,
}

impl HttpTenant {
    /// Serve `tenant` on a free loopback port.
    pub fn start(tenant: Tenant, start_ms: i64) -> std::io::Result<HttpTenant> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let (clock, now) = Clock::virtual_at(start_ms);
        let mut tenant = tenant;
        if tenant.start_ms().is_none() {
            tenant.set_start_ms(start_ms);
        }
        let responder = TenantResponder::new(tenant, clock);
        let shared = responder.tenant();
        let effects: SideChannel = Arc::new(Mutex::new((0, false)));
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let mock = Mock::given(any()).respond_with(VirtualTimeResponder {
            inner: responder,
            effects: effects.clone(),
        });
        let server = runtime.block_on(async {
            let server = MockServer::builder()
                .listener(listener)
                .disable_request_recording()
                .start()
                .await;
            mock.mount(&server).await;
            server
        });
        let base_url = server.uri();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Ok(HttpTenant {
            runtime,
            server: Some(server),
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
}

impl Drop for HttpTenant {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.runtime.block_on(async move { drop(server) });
        }
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
