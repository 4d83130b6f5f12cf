//! Serves the pure [`Tenant::handle`] over real HTTP/1.1 (cargo feature `http`), on hyper
//! directly, hardened against malformed requests.
//!
//! [`HttpServer`] accepts connections on a bound listener and hands each request, converted to
//! an [`HttpRequest`], to a [`Handler`]. Whatever a client sends, it gets an HTTP answer or a
//! closed connection, never a panicking task: an unreadable head gets hyper's own 400 (431 for
//! oversized headers); a body that cannot be read (a bad chunk size, a chunked body after both
//! `content-length` and `transfer-encoding`, a connection closed before the body ended) gets
//! 400; a body that stops arriving gets 400 after [`ServerLimits::body_timeout`] instead of
//! holding the connection; a body over [`ServerLimits::max_body_bytes`] gets 413. Requests in
//! authority form (`CONNECT host:443`) reach the handler with that authority as their path, so
//! the tenant answers them exactly as it does in process (404).
//!
//! [`TenantResponder`] reads the time from its [`Clock`], calls the same [`Tenant::handle`]
//! that the in-process transport uses, and [`TenantServer`] serves it. A fault's
//! [`HttpResponse::latency_ms`] becomes a real delay; a [`HttpResponse::timeout`] response is
//! held for its `latency_ms` (10 minutes by default) before the 504 goes out, long after any
//! reasonable client has given up.
//!
//! ```no_run
//! # async fn demo() {
//! use actsim_tenant::http_server::TenantServer;
//! use actsim_tenant::{Clock, Tenant, TenantConfig};
//!
//! let tenant = Tenant::new(TenantConfig::local_default()).unwrap();
//! let server = TenantServer::start(tenant, Clock::System).await.unwrap();
//! println!("token endpoint: {}/oauth/token", server.base_url());
//! let issued = server.tenant().lock().unwrap().issued_tokens().len();
//! # }
//! ```

use std::convert::Infallible;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::json;

use crate::clock::{Clock, TimeSource};
use crate::{HttpRequest, HttpResponse, Tenant};

/// Answers one converted request. It runs on the server's task: keep it short.
pub type Handler = Arc<dyn Fn(&HttpRequest) -> HttpResponse + Send + Sync>;

/// Called after each request with the request, the tenant's response and the `now_ms` it was
/// handled at (e.g. to log traffic). It runs while the tenant is locked: keep it short.
pub type Observer = Arc<dyn Fn(&HttpRequest, &HttpResponse, i64) + Send + Sync>;

/// How long and how much the server waits for and reads of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerLimits {
    /// How long a request's head may take to arrive (hyper then closes the connection).
    pub header_timeout: Duration,
    /// How long a request's body may take to arrive once its head is read; past it the request
    /// gets 400 (a `content-length` larger than the body sent must not hold the connection).
    pub body_timeout: Duration,
    /// The largest body read; a larger one gets 413 (the tenant itself reads at most 1 MiB of
    /// it, so this only bounds the server's memory).
    pub max_body_bytes: usize,
}

impl Default for ServerLimits {
    /// 10 s for the head, 5 s for the body, 16 MiB of body.
    fn default() -> ServerLimits {
        ServerLimits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(5),
            max_body_bytes: 16 * 1024 * 1024,
        }
    }
}

/// An HTTP/1.1 server answering every request with a [`Handler`], on a thread of its own (so
/// that callers may block, e.g. on a synchronous client, while it serves). Dropping it stops
/// accepting connections, closes the open ones and ends the thread.
pub struct HttpServer {
    address: SocketAddr,
    stop: tokio::sync::watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for HttpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpServer")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl HttpServer {
    /// Serves `handler` on the bound `listener`, from a new thread.
    pub fn start(
        listener: TcpListener,
        handler: Handler,
        limits: ServerLimits,
    ) -> std::io::Result<HttpServer> {
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let listener = {
            let _in_runtime = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let thread = std::thread::Builder::new()
            .name("actsim-http".into())
            .spawn(move || {
                runtime.block_on(accept_loop(listener, handler, Arc::new(limits), stopped));
            })?;
        Ok(HttpServer {
            address,
            stop,
            thread: Some(thread),
        })
    }

    /// The socket address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `http://ADDRESS`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    handler: Handler,
    limits: Arc<ServerLimits>,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let stream = tokio::select! {
            biased;
            _ = stopped.changed() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: wait a little and accept again.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let handler = Arc::clone(&handler);
        let limits = Arc::clone(&limits);
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let header_timeout = limits.header_timeout;
            let service = service_fn(move |request| {
                let handler = Arc::clone(&handler);
                let limits = Arc::clone(&limits);
                async move { Ok::<_, Infallible>(respond(request, &handler, &limits).await) }
            });
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                // A connection error (a malformed head, a reset) only ends this connection.
                _ = connection => {}
                _ = stopped.changed() => {}
            }
        });
    }
}

/// Reads the request's body within the limits, converts it and answers with `handler`'s
/// response (after its latency).
async fn respond(
    request: Request<Incoming>,
    handler: &Handler,
    limits: &ServerLimits,
) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let read = Limited::new(body, limits.max_body_bytes).collect();
    let body = match tokio::time::timeout(limits.body_timeout, read).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.is::<LengthLimitError>() => {
            return refusal(
                413,
                "Payload Too Large",
                &format!(
                    "the request body is larger than {} bytes",
                    limits.max_body_bytes
                ),
            )
        }
        Ok(Err(e)) => {
            return refusal(
                400,
                "Bad Request",
                &format!("the request body could not be read: {}", error_chain(&*e)),
            )
        }
        Err(_) => {
            return refusal(
                400,
                "Bad Request",
                &format!(
                    "the request body did not arrive within {} ms (is its content-length larger than the body?)",
                    limits.body_timeout.as_millis()
                ),
            )
        }
    };
    // Origin form keeps its path and query; authority form (CONNECT) has none, and its
    // authority is what the tenant sees as the path (as an in-process request would carry it).
    let path_and_query = match parts.uri.path_and_query() {
        Some(pq) => pq.as_str().to_string(),
        None => parts.uri.to_string(),
    };
    let request = HttpRequest {
        method: parts.method.as_str().to_string(),
        path_and_query,
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_string(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
    };
    let response = handler(&request);
    if response.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(response.latency_ms)).await;
    }
    to_hyper_response(&response)
}

/// A response the server gives itself (the request never reached the handler), shaped as the
/// tenant's own errors are, and closing the connection (the rest of the request is unknown).
fn refusal(status: u16, error: &str, message: &str) -> Response<Full<Bytes>> {
    let body = json!({ "statusCode": status, "error": error, "message": message });
    let mut response = to_hyper_response(&HttpResponse::from_json(status, &body));
    response
        .headers_mut()
        .insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// `e` and its sources, joined by `: `.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        let more = inner.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = inner.source();
    }
    text
}

/// Converts a tenant response: status (500 when it is not a valid HTTP status), headers (any
/// that are not valid HTTP are dropped) and body. `content-length` and `date` are hyper's.
fn to_hyper_response(resp: &HttpResponse) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(resp.body.clone())));
    *response.status_mut() =
        StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    for (name, value) in &resp.headers {
        if name.eq_ignore_ascii_case("content-length")
            || name.eq_ignore_ascii_case("transfer-encoding")
        {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }
    response
}

/// A responder backed by a shared [`Tenant`]: the time from its [`Clock`], then
/// [`Tenant::handle`].
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

    /// This responder as a server [`Handler`].
    pub fn into_handler(self) -> Handler {
        Arc::new(move |req: &HttpRequest| self.handle(req))
    }
}

/// A tenant served on a local [`HttpServer`]. Dropping it stops the server.
pub struct TenantServer {
    server: HttpServer,
    tenant: Arc<Mutex<Tenant>>,
}

impl std::fmt::Debug for TenantServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantServer")
            .field("address", &self.server.address())
            .finish_non_exhaustive()
    }
}

impl TenantServer {
    /// Serves `tenant` on `127.0.0.1` at a free port, with time from `clock` (the server runs
    /// on a thread of its own).
    pub async fn start(tenant: Tenant, clock: Clock) -> std::io::Result<TenantServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        TenantServer::start_on(
            listener,
            TenantResponder::new(tenant, clock),
            ServerLimits::default(),
        )
        .await
    }

    /// Serves `responder` on an already bound `listener` within `limits`. Sets the tenant's
    /// start instant (for fault windows given as offsets) to the clock's current time, unless
    /// it is already set. Requests are not recorded, so a long-running server does not grow.
    pub async fn start_on(
        listener: TcpListener,
        responder: TenantResponder,
        limits: ServerLimits,
    ) -> std::io::Result<TenantServer> {
        {
            let mut tenant = lock(&responder.tenant);
            if tenant.start_ms().is_none() {
                tenant.set_start_ms(responder.clock.now_ms());
            }
        }
        let tenant = responder.tenant();
        let server = HttpServer::start(listener, responder.into_handler(), limits)?;
        Ok(TenantServer { server, tenant })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The socket address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.server.address()
    }

    /// The served tenant (lock it with [`lock`] to read the ledger or users).
    pub fn tenant(&self) -> Arc<Mutex<Tenant>> {
        Arc::clone(&self.tenant)
    }
}
