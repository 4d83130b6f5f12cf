//! The tenant over real HTTP (feature `http`): the HTTP server serves the same handler;
//! bad requests get their status and body without panics or hangs; fault latency and timeouts
//! happen in real time; a virtual clock drives token expiry.
//!
//! The client is a minimal HTTP/1.1 client on `std::net::TcpStream`, so that every byte sent
//! (wrong content types, 10 MB bodies) is under the test's control.

use crate::common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use actsim_tenant::http_server::{lock, TenantServer};
use actsim_tenant::{Clock, FaultConfig, FaultKind, Tenant, TenantConfig};
use common::{form_encode, CLIENT_ID, MGMT, NOW, SECRET, USER_PATH};
use serde_json::{json, Value};

/// A parsed HTTP response.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }
}

/// Sends one request on a fresh connection and reads the whole response, giving up after
/// `patience`.
fn send_with(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    patience: Duration,
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect_timeout(&addr, patience)?;
    stream.set_read_timeout(Some(patience))?;
    stream.set_write_timeout(Some(patience))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header terminator"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("bad status line"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Reply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    })
}

fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    send_with(addr, method, path, headers, body, Duration::from_secs(20))
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

fn token_body() -> String {
    form_encode(&[
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", SECRET),
        ("audience", MGMT),
    ])
}

fn get_token(addr: SocketAddr) -> String {
    let reply = send(
        addr,
        "POST",
        "/oauth/token",
        &[FORM],
        token_body().as_bytes(),
    );
    assert_eq!(
        reply.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()["access_token"].as_str().unwrap().to_string()
}

async fn start(config: TenantConfig, clock: Clock) -> TenantServer {
    TenantServer::start(Tenant::new(config).unwrap(), clock)
        .await
        .expect("server starts")
}

#[tokio::test]
async fn serves_tokens_users_jwks_and_discovery() {
    let server = start(TenantConfig::local_default(), Clock::System).await;
    let addr = server.address();
    assert_eq!(server.base_url(), format!("http://{addr}"));

    let token = get_token(addr);
    let auth = format!("Bearer {token}");
    let user = send(addr, "GET", USER_PATH, &[("Authorization", &auth)], b"");
    assert_eq!(user.status, 200);
    assert_eq!(user.header("content-type"), Some("application/json"));
    assert_eq!(user.json()["email"], "j+smith@example.com");

    let roles = send(
        addr,
        "GET",
        &format!("{USER_PATH}/roles"),
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(roles.json()[0]["name"], "admin");

    let jwks = send(addr, "GET", "/.well-known/jwks.json", &[], b"");
    assert_eq!(jwks.json(), lock(&server.tenant()).jwks());

    let discovery = send(addr, "GET", "/.well-known/openid-configuration", &[], b"");
    let doc = discovery.json();
    assert_eq!(doc["issuer"], "https://tenant.actsim.test/");
    assert_eq!(
        doc["token_endpoint"],
        format!("{}/oauth/token", server.base_url())
    );
    assert_eq!(
        doc["jwks_uri"],
        format!("{}/.well-known/jwks.json", server.base_url())
    );

    // The ledger is shared with the caller.
    let tenant = server.tenant();
    let tenant = lock(&tenant);
    assert_eq!(tenant.issued_tokens().len(), 1);
    assert!(tenant.start_ms().is_some());
}

#[tokio::test]
async fn bad_requests_get_their_status_and_body_without_panic_or_hang() {
    let server = start(TenantConfig::local_default(), Clock::System).await;
    let addr = server.address();
    let form = |pairs: &[(&str, &str)]| form_encode(pairs).into_bytes();
    let ten_mb = vec![b'a'; 10 * 1024 * 1024];
    // (what, headers, body, status, error, error_description prefix)
    type Case<'a> = (
        &'a str,
        Vec<(&'a str, &'a str)>,
        Vec<u8>,
        u16,
        &'a str,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            "missing grant_type",
            vec![FORM],
            form(&[
                ("client_id", CLIENT_ID),
                ("client_secret", SECRET),
                ("audience", MGMT),
            ]),
            400,
            "invalid_request",
            "Missing required parameter: grant_type",
        ),
        (
            "wrong secret",
            vec![FORM],
            form(&[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT_ID),
                ("client_secret", "wrong"),
                ("audience", MGMT),
            ]),
            401,
            "access_denied",
            "Unauthorized",
        ),
        (
            "unknown client",
            vec![FORM],
            form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "nobody"),
                ("client_secret", SECRET),
                ("audience", MGMT),
            ]),
            401,
            "access_denied",
            "Unauthorized",
        ),
        (
            "unknown audience",
            vec![FORM],
            form(&[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT_ID),
                ("client_secret", SECRET),
                ("audience", "https://nowhere.test/"),
            ]),
            403,
            "access_denied",
            "Service not enabled within domain: https://nowhere.test/",
        ),
        (
            "malformed JSON",
            vec![("Content-Type", "application/json")],
            b"{\"grant_type\": \"client_credentials\",".to_vec(),
            400,
            "invalid_request",
            "Invalid request body: malformed JSON",
        ),
        (
            "10 MB body",
            vec![FORM],
            ten_mb,
            413,
            "invalid_request",
            "Request body too large",
        ),
        (
            "wrong content type",
            vec![("Content-Type", "text/plain")],
            token_body().into_bytes(),
            400,
            "invalid_request",
            "Unsupported content type \"text/plain\"",
        ),
    ];
    for (what, headers, body, status, error, description) in cases {
        let started = Instant::now();
        let reply = send_with(
            addr,
            "POST",
            "/oauth/token",
            &headers,
            &body,
            Duration::from_secs(30),
        )
        .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(reply.status, status, "{what}");
        let json = reply.json();
        assert_eq!(json["error"], error, "{what}: {json}");
        let text = json["error_description"].as_str().unwrap();
        assert!(text.starts_with(description), "{what}: {text}");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{what} took too long"
        );
    }
    // A 10 MB PATCH to the Management API too.
    let token = get_token(addr);
    let auth = format!("Bearer {token}");
    let mut big = b"{\"user_metadata\":{\"x\":\"".to_vec();
    big.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    big.extend(b"\"}}");
    let reply = send(
        addr,
        "PATCH",
        USER_PATH,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        &big,
    );
    assert_eq!(reply.status, 413);
    // The server is still healthy and counted every token request.
    assert_eq!(
        send(addr, "GET", "/.well-known/jwks.json", &[], b"").status,
        200
    );
    assert_eq!(lock(&server.tenant()).token_requests(), 8);
}

fn fault(kind: FaultKind) -> FaultConfig {
    FaultConfig {
        name: None,
        kind,
        method: None,
        path_prefix: "/".to_string(),
        client_id: None,
        latency_ms: None,
        status: None,
        body: None,
        times: None,
        from: None,
        until: None,
    }
}

#[tokio::test]
async fn latency_error_and_fail_first_n_over_http() {
    let mut config = TenantConfig::local_default();
    config.faults = vec![
        FaultConfig {
            path_prefix: "/.well-known/jwks.json".into(),
            latency_ms: Some(400),
            ..fault(FaultKind::Latency)
        },
        FaultConfig {
            path_prefix: "/oauth/token".into(),
            status: Some(503),
            times: Some(2),
            ..fault(FaultKind::Error)
        },
    ];
    let server = start(config, Clock::System).await;
    let addr = server.address();

    let started = Instant::now();
    let reply = send(addr, "GET", "/.well-known/jwks.json", &[], b"");
    let elapsed = started.elapsed();
    assert_eq!(reply.status, 200);
    assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
    assert_eq!(reply.header("x-actsim-fault"), Some("faults[0]"));

    let statuses: Vec<u16> = (0..3)
        .map(|_| {
            send(
                addr,
                "POST",
                "/oauth/token",
                &[FORM],
                token_body().as_bytes(),
            )
            .status
        })
        .collect();
    assert_eq!(statuses, [503, 503, 200]);
}

#[tokio::test]
async fn timeout_fault_holds_the_request_beyond_the_client_deadline() {
    let mut config = TenantConfig::local_default();
    config.faults = vec![FaultConfig {
        path_prefix: "/oauth/token".into(),
        times: Some(1),
        latency_ms: Some(5_000),
        ..fault(FaultKind::Timeout)
    }];
    let server = start(config, Clock::System).await;
    let addr = server.address();
    let started = Instant::now();
    let result = send_with(
        addr,
        "POST",
        "/oauth/token",
        &[FORM],
        token_body().as_bytes(),
        Duration::from_millis(700),
    );
    let err = result.expect_err("no response within the client's patience");
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(4));
    // Other requests are served meanwhile, and the fault was only for the first.
    assert_eq!(
        send(
            addr,
            "POST",
            "/oauth/token",
            &[FORM],
            token_body().as_bytes()
        )
        .status,
        200
    );
    // A patient client eventually gets the 504.
    let mut config = TenantConfig::local_default();
    config.faults = vec![FaultConfig {
        latency_ms: Some(300),
        ..fault(FaultKind::Timeout)
    }];
    let server = start(config, Clock::System).await;
    let reply = send(server.address(), "GET", "/.well-known/jwks.json", &[], b"");
    assert_eq!(reply.status, 504);
}

#[tokio::test]
async fn a_virtual_clock_drives_expiry_and_quota_windows() {
    let mut config = TenantConfig::local_default();
    config.clients[0].quota = Some(actsim_tenant::ClientQuota {
        per_hour: Some(1),
        per_day: None,
        count_management_api: true,
    });
    let (clock, now) = Clock::virtual_at(NOW);
    let server = start(config, clock).await;
    let addr = server.address();
    let token = get_token(addr);
    let claims = lock(&server.tenant()).issued_tokens()[0].clone();
    assert_eq!(claims.iat, NOW / 1000, "iat comes from the virtual clock");

    let quota = send(
        addr,
        "POST",
        "/oauth/token",
        &[FORM],
        token_body().as_bytes(),
    );
    assert_eq!(quota.status, 429);
    assert_eq!(
        quota.json(),
        json!({"error": "too_many_requests", "error_description": "Client quota exceeded"})
    );
    assert!(quota
        .header("auth0-client-quota-limit")
        .unwrap()
        .starts_with("b=per_hour;q=1;r=0;"));
    assert!(quota.header("retry-after").is_some());

    now.store(NOW + 25 * 3_600_000, Ordering::SeqCst);
    let auth = format!("Bearer {token}");
    let user = send(addr, "GET", USER_PATH, &[("Authorization", &auth)], b"");
    assert_eq!(user.status, 401);
    assert_eq!(
        user.json()["message"],
        "Expired token received for JSON Web Token validation"
    );
    // A new hour: the quota has room again.
    assert_eq!(
        send(
            addr,
            "POST",
            "/oauth/token",
            &[FORM],
            token_body().as_bytes()
        )
        .status,
        200
    );
}

/// Writes `raw` on a fresh connection (then, with `half_close`, ends the sending side, as a
/// client whose body was cut short) and reads the whole answer. `None` when the server closed
/// the connection without one.
fn send_raw(addr: SocketAddr, raw: &[u8], half_close: bool) -> Option<Reply> {
    let mut stream = TcpStream::connect(addr).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(raw).expect("writes");
    if half_close {
        stream.shutdown(std::net::Shutdown::Write).unwrap();
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some(Reply {
        status,
        headers,
        body: answer[split + 4..].to_vec(),
    })
}

/// Malformed requests sent as raw bytes: each gets its status (a bad chunk, a chunked body
/// after both content-length and transfer-encoding, a body cut short, a body that stops
/// arriving, an oversized body, a garbled head), `CONNECT` gets what the in-process tenant
/// answers, and the server answers a good request afterwards.
#[tokio::test]
async fn malformed_requests_get_400_and_the_server_goes_on() {
    let responder = actsim_tenant::http_server::TenantResponder::new(
        Tenant::new(TenantConfig::local_default()).unwrap(),
        Clock::System,
    );
    let limits = actsim_tenant::http_server::ServerLimits {
        header_timeout: Duration::from_secs(5),
        body_timeout: Duration::from_millis(300),
        max_body_bytes: 64 * 1024,
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let server = TenantServer::start_on(listener, responder, limits)
        .await
        .unwrap();
    let addr = server.address();
    let post = "POST /oauth/token HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n";
    let big = format!("{post}Content-Length: 70000\r\n\r\n{}", "a".repeat(70_000));
    // (what, raw bytes, half close, status, words of the message)
    let cases: Vec<(&str, String, bool, u16, &str)> = vec![
        (
            "bad chunk size",
            format!("{post}Transfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n"),
            false,
            400,
            "could not be read",
        ),
        (
            "chunk size overflowing 64 bits",
            format!("{post}Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n"),
            false,
            400,
            "could not be read",
        ),
        (
            "bad chunk after content-length and transfer-encoding",
            format!(
                "{post}Content-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\nXYZ\r\n\r\n"
            ),
            false,
            400,
            "",
        ),
        (
            "body cut short (connection half-closed)",
            format!("{post}Content-Length: 100\r\n\r\ngrant_type="),
            true,
            400,
            "could not be read",
        ),
        (
            "content-length larger than the body, connection held open",
            format!("{post}Content-Length: 100\r\n\r\ngrant_type="),
            false,
            400,
            "did not arrive within 300 ms",
        ),
        (
            "body over the server's limit",
            big,
            false,
            413,
            "larger than 65536 bytes",
        ),
        ("garbled head", "\u{1}\u{2} GARBAGE\r\n\r\n".to_string(), false, 400, ""),
    ];
    for (what, raw, half_close, status, words) in cases {
        let reply = send_raw(addr, raw.as_bytes(), half_close)
            .unwrap_or_else(|| panic!("{what}: no answer"));
        assert_eq!(reply.status, status, "{what}: {:?}", reply);
        if !words.is_empty() {
            let json = reply.json();
            assert_eq!(json["statusCode"], status, "{what}: {json}");
            let message = json["message"].as_str().unwrap_or_default();
            assert!(message.contains(words), "{what}: {message}");
        }
    }
    // CONNECT: the same answer as the in-process tenant gives the same request.
    let in_process = Tenant::new(TenantConfig::local_default()).unwrap().handle(
        &actsim_tenant::HttpRequest::new("CONNECT", "tenant.actsim.test:443"),
        NOW,
    );
    let reply = send_raw(
        addr,
        b"CONNECT tenant.actsim.test:443 HTTP/1.1\r\nHost: tenant.actsim.test:443\r\n\r\n",
        true,
    )
    .expect("CONNECT gets an answer");
    assert_eq!(reply.status, in_process.status);
    assert_eq!(reply.json(), in_process.json().unwrap());
    // Nothing reached the token endpoint's counters; a good request is answered.
    assert_eq!(lock(&server.tenant()).token_requests(), 0);
    get_token(addr);
    assert_eq!(lock(&server.tenant()).token_requests(), 1);
}
