//! Serves the pure [`Tenant::handle`] over real HTTP on a wiremock [`MockServer`]
//! (cargo feature `http`).
//!
//! [`TenantResponder`] is a wiremock [`Respond`] implementation: for each request it reads the
//! time from its [`Clock`], converts the request, calls the same [`Tenant::handle`] that the
//! in-process transport uses, and converts the response back. A fault's
//! [`HttpResponse::latency_ms`] becomes a real delay; a [`HttpResponse::timeout`] response is
//! held for its `latency_ms` (10 minutes by default) before the 504 goes out, long after any
//! reasonable client has given up.
//!
//! ```no_run
//! # async fn demo() {
//! use actsim_tenant::wiremock_adapter::TenantServer;
//! use actsim_tenant::{Clock, Tenant, TenantConfig};
//!
//! let tenant = Tenant::new(TenantConfig::local_default()).unwrap();
//! let server = TenantServer::start(tenant, Clock::System).await.unwrap();
//! println!("token endpoint: {}/oauth/token", server.base_url());
//! let issued = server.tenant().lock().unwrap().issued_tokens().len();
//! # }
//! ```

use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use wiremock::http::{HeaderName, HeaderValue};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::clock::{Clock, TimeSource};
use crate::{HttpRequest, HttpResponse, Tenant};

/// Called after each request with the request, the tenant's response and the `now_ms` it was
/// handled at (e.g. to log traffic). It runs while the tenant is locked: keep it short.
pub type Observer = Arc<dyn Fn(&HttpRequest, &HttpResponse, i64) + Send + Sync>;

/// A wiremock responder backed by a shared [`Tenant`].
#[derive(Clone)]
pub struct TenantResponder {
    tenant: Arc<Mutex<Tenant>>,
    clock: Clock,
    observer: Option<Observer>,
}

impl std::fmt::Debug for TenantResponder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantResponder")
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

/// Locks the tenant, recovering from a poisoned lock (the handler never panics, but an
/// observer might).
pub fn lock(tenant: &Mutex<Tenant>) -> MutexGuard<'_, Tenant> {
    tenant
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl TenantResponder {
    /// A responder owning `tenant`, reading the time from `clock`.
    pub fn new(tenant: Tenant, clock: Clock) -> TenantResponder {
        TenantResponder::from_shared(Arc::new(Mutex::new(tenant)), clock)
    }

    /// A responder over a tenant shared with the caller (who can read its ledger).
    pub fn from_shared(tenant: Arc<Mutex<Tenant>>, clock: Clock) -> TenantResponder {
        TenantResponder {
            tenant,
            clock,
            observer: None,
        }
    }

    /// Calls `observer` after every request.
    pub fn with_observer(mut self, observer: Observer) -> TenantResponder {
        self.observer = Some(observer);
        self
    }

    /// The shared tenant.
    pub fn tenant(&self) -> Arc<Mutex<Tenant>> {
        Arc::clone(&self.tenant)
    }

    /// The time source.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// A wiremock [`Mock`] that answers every request with this responder; mount it on a
    /// [`MockServer`] with [`Mock::mount`].
    pub fn into_mock(self) -> Mock {
        Mock::given(any()).respond_with(self)
    }

    /// Handles one converted request at the clock's current time.
    pub fn handle(&self, req: &HttpRequest) -> HttpResponse {
        let now_ms = self.clock.now_ms();
        let mut tenant = lock(&self.tenant);
        let resp = tenant.handle(req, now_ms);
        if let Some(observer) = &self.observer {
            observer(req, &resp, now_ms);
        }
        resp
    }
}

impl Respond for TenantResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        to_response_template(&self.handle(&to_tenant_request(request)))
    }
}

/// Converts a wiremock request: method, origin-form path and query, headers (values decoded
/// lossily as UTF-8; `Host` included, so discovery can build URLs) and body.
pub fn to_tenant_request(request: &Request) -> HttpRequest {
    let mut path_and_query = request.url.path().to_string();
    if let Some(query) = request.url.query() {
        path_and_query.push('?');
        path_and_query.push_str(query);
    }
    HttpRequest {
        method: request.method.as_str().to_string(),
        path_and_query,
        headers: request
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_string(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: request.body.clone(),
    }
}

/// Converts a tenant response: status, headers (any that are not valid HTTP are dropped), body,
/// and `latency_ms` as the response delay.
pub fn to_response_template(resp: &HttpResponse) -> ResponseTemplate {
    let status = if (100..=999).contains(&resp.status) {
        resp.status
    } else {
        500
    };
    let mut template = ResponseTemplate::new(status);
    for (name, value) in &resp.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            template = template.append_header(name, value);
        }
    }
    template = template.set_body_bytes(resp.body.clone());
    if resp.latency_ms > 0 {
        template = template.set_delay(Duration::from_millis(resp.latency_ms));
    }
    template
}

/// A tenant served on a local wiremock server. Dropping it stops the server.
pub struct TenantServer {
    server: MockServer,
    tenant: Arc<Mutex<Tenant>>,
}

impl std::fmt::Debug for TenantServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantServer")
            .field("address", self.server.address())
            .finish_non_exhaustive()
    }
}

impl TenantServer {
    /// Serves `tenant` on `127.0.0.1` at a free port, with time from `clock`. Must be called
    /// within a tokio runtime (the server itself runs on its own thread).
    pub async fn start(tenant: Tenant, clock: Clock) -> std::io::Result<TenantServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        Ok(TenantServer::start_on(listener, TenantResponder::new(tenant, clock)).await)
    }

    /// Serves `responder` on an already bound `listener`. Sets the tenant's start instant (for
    /// fault windows given as offsets) to the clock's current time, unless it is already set.
    /// Requests are not recorded, so a long-running server does not grow.
    pub async fn start_on(listener: TcpListener, responder: TenantResponder) -> TenantServer {
        {
            let mut tenant = lock(&responder.tenant);
            if tenant.start_ms().is_none() {
                tenant.set_start_ms(responder.clock.now_ms());
            }
        }
        let tenant = responder.tenant();
        let server = MockServer::builder()
            .listener(listener)
            .disable_request_recording()
            .start()
            .await;
        responder.into_mock().mount(&server).await;
        TenantServer { server, tenant }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.server.uri()
    }

    /// The socket address the server listens on.
    pub fn address(&self) -> SocketAddr {
        *self.server.address()
    }

    /// The served tenant (lock it with [`lock`] to read the ledger or users).
    pub fn tenant(&self) -> Arc<Mutex<Tenant>> {
        Arc::clone(&self.tenant)
    }

    /// The underlying wiremock server.
    pub fn server(&self) -> &MockServer {
        &self.server
    }
}
