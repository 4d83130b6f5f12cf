//! End-to-end tests of `actsim serve` with real clients: the real binary on a free port, curl,
//! and Node.js with the real `auth0` (v3 and v4), `jose` and `openid-client` packages from
//! tests/node-clients, over plain HTTP and over `--tls`.
//!
//! Tests that need a tool the machine lacks print `SKIPPED: …` to stderr and return (and fail
//! under CI=true).

use crate::common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

const CLIENT_ID: &str = "actsim-local-m2m";
const SECRET: &str = "local-secret-change-me";
const MGMT: &str = "https://tenant.actsim.test/api/v2/";
const USER_PATH: &str = "/api/v2/users/auth0%7C5f7c8ec7c33c6c004bbafe82";

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A running `actsim serve`: killed on drop if the test did not stop it.
struct Served {
    child: Child,
    base_url: String,
    /// Every stdout line so far (a thread keeps draining the pipe).
    lines: Arc<Mutex<Vec<String>>>,
    line_rx: Receiver<String>,
}

impl Served {
    /// Starts `actsim serve --port 0 ARGS…` and waits for the base URL line.
    fn start(args: &[&str]) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_actsim"))
            .current_dir(repo_root())
            .env("NO_COLOR", "1")
            .args(["serve", "--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("actsim starts");
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, line_rx) = channel();
        {
            let lines = Arc::clone(&lines);
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    lines.lock().unwrap().push(line.clone());
                    let _ = tx.send(line);
                }
            });
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        // The banner is complete at "Press Ctrl-C to stop.".
        let mut base_url = String::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match line_rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(url) = line.strip_prefix("  base URL        ") {
                        base_url = url.trim().to_string();
                    }
                    if line == "Press Ctrl-C to stop." {
                        break;
                    }
                }
                Err(e) => {
                    let _ = child.kill();
                    let out = child.wait_with_output().unwrap();
                    panic!(
                        "no base URL from actsim serve ({e:?});\nstdout: {:?}\nstderr: {}",
                        lines.lock().unwrap(),
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            }
        }
        assert!(
            base_url.starts_with("http://127.0.0.1:") || base_url.starts_with("https://127.0.0.1:"),
            "base URL {base_url}"
        );
        Served {
            child,
            base_url,
            lines,
            line_rx,
        }
    }

    fn stdout(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    /// Waits for a stdout line containing `needle` (request log lines come after the response).
    fn wait_for_line(&self, needle: &str) -> String {
        if let Some(line) = self
            .lines
            .lock()
            .unwrap()
            .iter()
            .find(|l| l.contains(needle))
        {
            return line.clone();
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match self
                .line_rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                    panic!("no line with {needle:?} in:\n{}", self.stdout())
                }
            }
        }
    }

    /// Sends SIGINT (what Ctrl-C sends) and returns the exit status and stderr.
    fn interrupt(mut self) -> (Option<i32>, String) {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        let code = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status.code();
            }
            assert!(
                Instant::now() < deadline,
                "actsim serve did not stop on SIGINT"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut stderr = String::new();
        if let Some(mut err) = self.child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut err, &mut stderr);
        }
        (code, stderr)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Prints `SKIPPED: why` where the test harness does not hide it; fails under CI=true.
fn skip(why: &str) {
    common::skip_or_fail(why);
}

/// Runs curl with `args` (plus -s and a 30 s limit) and returns (HTTP status, headers, body).
fn curl(args: &[&str]) -> (u16, String, String) {
    let out = Command::new("curl")
        .args(["-s", "--max-time", "30", "-D", "-", "-o", "-"])
        .args(args)
        .output()
        .expect("curl runs");
    assert!(
        out.status.success(),
        "curl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (mut head, mut body) = text.split_once("\r\n\r\n").expect("headers and body");
    // Interim responses (100 Continue for large bodies) come first.
    while head.starts_with("HTTP/1.1 1") {
        (head, body) = body.split_once("\r\n\r\n").expect("a final response");
    }
    let status = head
        .lines()
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    (status, head.to_ascii_lowercase(), body.to_string())
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

fn token_args(base: &str) -> Vec<String> {
    vec![
        format!("{base}/oauth/token"),
        "-d".into(),
        "grant_type=client_credentials".into(),
        "-d".into(),
        format!("client_id={CLIENT_ID}"),
        "-d".into(),
        format!("client_secret={SECRET}"),
        "--data-urlencode".into(),
        format!("audience={MGMT}"),
    ]
}

fn as_strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The claims of a JWT, decoded without verification.
fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("three parts");
    let mut bits: u32 = 0;
    let mut n = 0;
    let mut bytes = Vec::new();
    for c in payload.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => panic!("not base64url"),
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            bytes.push((bits >> n) as u8);
        }
    }
    serde_json::from_slice(&bytes).unwrap()
}

fn system_now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn curl_gets_a_token_and_reads_a_user_then_ctrl_c_stops_cleanly() {
    if !have("curl") {
        return skip("curl is not installed; the curl test of actsim serve did not run");
    }
    let served = Served::start(&[]);
    let base = served.base_url.clone();
    let banner = served.stdout();
    for expected in [
        "client_id actsim-local-m2m  client_secret local-secret-change-me",
        "audience        https://tenant.actsim.test/api/v2/",
        "issuer (iss)    https://tenant.actsim.test/",
        &format!("curl -s {base}/oauth/token -d grant_type=client_credentials"),
        "WARNING",
    ] {
        assert!(banner.contains(expected), "{expected:?} not in:\n{banner}");
    }

    // The exact command the banner prints works as printed (run by a shell).
    let printed = banner
        .lines()
        .skip_while(|l| *l != "Get a token:")
        .nth(1)
        .expect("a curl line after 'Get a token:'")
        .trim()
        .to_string();
    let out = Command::new("sh")
        .args(["-c", &format!("{printed} --max-time 30")])
        .output()
        .unwrap();
    let printed_reply = json(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(printed_reply["token_type"], "Bearer");

    // Form body with client_secret_post.
    let (status, headers, body) = curl(&as_strs(&token_args(&base)));
    assert_eq!(status, 200, "{body}");
    assert!(headers.contains("cache-control: no-store"), "{headers}");
    let reply = json(&body);
    assert_eq!(reply["expires_in"], 86400);
    let token = reply["access_token"].as_str().unwrap().to_string();
    let c = claims(&token);
    assert_eq!(c["iss"], "https://tenant.actsim.test/");
    assert_eq!(c["aud"], MGMT);
    assert!(
        (c["iat"].as_i64().unwrap() - system_now_s()).abs() < 120,
        "real clock by default: {c}"
    );

    // The Management API with that token.
    let (status, _, body) = curl(&[
        "-H",
        &format!("Authorization: Bearer {token}"),
        &format!("{base}{USER_PATH}"),
    ]);
    assert_eq!(status, 200, "{body}");
    let user = json(&body);
    assert_eq!(user["user_id"], "auth0|5f7c8ec7c33c6c004bbafe82");
    assert_eq!(user["email"], "j+smith@example.com");

    // HTTP Basic client authentication and a JSON body.
    let (status, _, body) = curl(&[
        "-u",
        &format!("{CLIENT_ID}:{SECRET}"),
        "-H",
        "Content-Type: application/json",
        "--data",
        &format!(r#"{{"grant_type":"client_credentials","audience":"{MGMT}"}}"#),
        &format!("{base}/oauth/token"),
    ]);
    assert_eq!(status, 200, "{body}");

    // No token: 401 with Auth0's body.
    let (status, _, body) = curl(&[&format!("{base}{USER_PATH}")]);
    assert_eq!(status, 401);
    assert_eq!(json(&body)["message"], "Missing authentication");

    // Requests are logged (without secrets).
    served.wait_for_line(&format!("GET {USER_PATH} → 401"));
    assert!(!served.stdout().contains(&format!("Bearer {token}")));

    let (code, stderr) = served.interrupt();
    assert_eq!(code, Some(0), "exit status after SIGINT; stderr: {stderr}");
}

#[test]
fn ctrl_c_prints_a_summary_and_exits_zero() {
    let served = Served::start(&["--quiet"]);
    let lines = Arc::clone(&served.lines);
    let (code, stderr) = served.interrupt();
    assert_eq!(code, Some(0), "{stderr}");
    // The reader thread may still be collecting the last line.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = lines.lock().unwrap().join("\n");
        if out.contains("actsim serve: stopped (0 token requests, 0 tokens issued)") {
            break;
        }
        assert!(Instant::now() < deadline, "no summary in:\n{out}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn bad_requests_over_http_get_their_status_and_body() {
    if !have("curl") {
        return skip("curl is not installed; the bad-request test of actsim serve did not run");
    }
    let served = Served::start(&["--quiet"]);
    let base = served.base_url.clone();
    let url = format!("{base}/oauth/token");
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.txt");
    std::fs::write(&big, vec![b'a'; 10 * 1024 * 1024]).unwrap();
    let big_arg = format!("@{}", big.display());
    let cases: Vec<(&str, Vec<String>, u16, &str, &str)> = vec![
        (
            "missing grant_type",
            vec!["-d".into(), format!("client_id={CLIENT_ID}")],
            400,
            "invalid_request",
            "Missing required parameter: grant_type",
        ),
        (
            "wrong secret",
            vec![
                "-d".into(),
                "grant_type=client_credentials".into(),
                "-d".into(),
                format!("client_id={CLIENT_ID}"),
                "-d".into(),
                "client_secret=nope".into(),
            ],
            401,
            "access_denied",
            "Unauthorized",
        ),
        (
            "unknown client",
            vec![
                "-d".into(),
                "grant_type=client_credentials".into(),
                "-d".into(),
                "client_id=ghost".into(),
                "-d".into(),
                "client_secret=x".into(),
            ],
            401,
            "access_denied",
            "Unauthorized",
        ),
        (
            "unknown audience",
            vec![
                "-d".into(),
                "grant_type=client_credentials".into(),
                "-d".into(),
                format!("client_id={CLIENT_ID}"),
                "-d".into(),
                format!("client_secret={SECRET}"),
                "--data-urlencode".into(),
                "audience=https://elsewhere.test/".into(),
            ],
            403,
            "access_denied",
            "Service not enabled within domain: https://elsewhere.test/",
        ),
        (
            // Auth0's answer (docs/tenant.md cites where it is shown): 403, naming the scopes
            // the client grant lacks, and no token with the granted subset.
            "scope beyond the grant",
            vec![
                "-d".into(),
                "grant_type=client_credentials".into(),
                "-d".into(),
                format!("client_id={CLIENT_ID}"),
                "-d".into(),
                format!("client_secret={SECRET}"),
                "--data-urlencode".into(),
                format!("audience={MGMT}"),
                "--data-urlencode".into(),
                "scope=read:users delete:users create:users".into(),
            ],
            403,
            "access_denied",
            "Client has not been granted scopes: delete:users create:users",
        ),
        (
            "malformed JSON",
            vec![
                "-H".into(),
                "Content-Type: application/json".into(),
                "--data".into(),
                "{\"grant_type\":".into(),
            ],
            400,
            "invalid_request",
            "Invalid request body: malformed JSON",
        ),
        (
            "10 MB body",
            vec!["--data-binary".into(), big_arg],
            413,
            "invalid_request",
            "Request body too large",
        ),
        (
            "wrong content type",
            vec![
                "-H".into(),
                "Content-Type: text/xml".into(),
                "--data".into(),
                "<grant_type>client_credentials</grant_type>".into(),
            ],
            400,
            "invalid_request",
            "Unsupported content type \"text/xml\"",
        ),
    ];
    for (what, args, status, error, description) in cases {
        let mut all = as_strs(&args);
        all.push(&url);
        let started = Instant::now();
        let (got, _, body) = curl(&all);
        assert_eq!(got, status, "{what}: {body}");
        let reply = json(&body);
        assert_eq!(reply["error"], error, "{what}");
        let text = reply["error_description"].as_str().unwrap();
        assert!(text.starts_with(description), "{what}: {text}");
        assert!(started.elapsed() < Duration::from_secs(30), "{what}");
    }
    // Still serving, and nothing went to stderr (no panic).
    let (status, _, _) = curl(&[&format!("{base}/.well-known/jwks.json")]);
    assert_eq!(status, 200);
    let (code, stderr) = served.interrupt();
    assert_eq!(code, Some(0));
    assert!(!stderr.contains("panicked"), "{stderr}");
}

const LIMITED_TENANT: &str = r#"
domain = "limits.actsim.test"

[[clients]]
client_id = "quota-client"
client_secret = "quota-secret"

[[clients.grants]]
audience = "https://limits.actsim.test/api/v2/"
scopes = ["read:users"]

[clients.quota]
per_hour = 2

[[faults]]
name = "flaky-jwks"
kind = "error"
path_prefix = "/.well-known/jwks.json"
status = 503
times = 1

[[faults]]
name = "slow-discovery"
kind = "latency"
path_prefix = "/.well-known/openid-configuration"
latency_ms = 300
"#;

#[test]
fn tenant_file_quota_faults_and_a_frozen_clock() {
    if !have("curl") {
        return skip("curl is not installed; the quota/fault test of actsim serve did not run");
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("limited.toml");
    std::fs::write(&file, LIMITED_TENANT).unwrap();
    let served = Served::start(&[
        "--tenant",
        file.to_str().unwrap(),
        "--freeze",
        "2026-01-01T09:59:00Z",
    ]);
    let base = served.base_url.clone();
    assert!(served
        .stdout()
        .contains("frozen at 2026-01-01T09:59:00.000Z"));
    assert!(served.stdout().contains("quota 2/hour"));
    let args = [
        format!("{base}/oauth/token"),
        "-d".into(),
        "grant_type=client_credentials".into(),
        "-d".into(),
        "client_id=quota-client".into(),
        "-d".into(),
        "client_secret=quota-secret".into(),
        "--data-urlencode".into(),
        "audience=https://limits.actsim.test/api/v2/".into(),
    ];
    let (status, headers, body) = curl(&as_strs(&args));
    assert_eq!(status, 200, "{body}");
    assert!(
        headers.contains("auth0-client-quota-limit: b=per_hour;q=2;r=1;t=60"),
        "{headers}"
    );
    let token = json(&body)["access_token"].as_str().unwrap().to_string();
    assert_eq!(claims(&token)["iat"], 1_767_261_540, "the frozen instant");
    assert_eq!(curl(&as_strs(&args)).0, 200);
    let (status, headers, body) = curl(&as_strs(&args));
    assert_eq!(status, 429);
    assert_eq!(
        json(&body),
        serde_json::json!({"error": "too_many_requests", "error_description": "Client quota exceeded"})
    );
    for h in [
        "retry-after: 60",
        "x-ratelimit-limit: 2",
        "x-ratelimit-remaining: 0",
        "x-ratelimit-reset: 1767261600",
        "auth0-client-quota-limit: b=per_hour;q=2;r=0;t=60",
    ] {
        assert!(headers.contains(h), "{h} not in {headers}");
    }
    served.wait_for_line("POST /oauth/token → 429 too_many_requests");

    // Fail-first-1 on the JWKS, then normal.
    assert_eq!(curl(&[&format!("{base}/.well-known/jwks.json")]).0, 503);
    assert_eq!(curl(&[&format!("{base}/.well-known/jwks.json")]).0, 200);
    served.wait_for_line("[fault: flaky-jwks]");
    // Real latency on discovery.
    let started = Instant::now();
    let (status, headers, _) = curl(&[&format!("{base}/.well-known/openid-configuration")]);
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(headers.contains("x-actsim-fault: slow-discovery"));
    let (code, _) = served.interrupt();
    assert_eq!(code, Some(0));
}

#[test]
fn offset_clock_shifts_token_times() {
    if !have("curl") {
        return skip("curl is not installed; the --offset test of actsim serve did not run");
    }
    let served = Served::start(&["--offset", "-2h", "--quiet"]);
    let (status, _, body) = curl(&as_strs(&token_args(&served.base_url)));
    assert_eq!(status, 200);
    let iat = claims(json(&body)["access_token"].as_str().unwrap())["iat"]
        .as_i64()
        .unwrap();
    let shift = system_now_s() - iat;
    assert!(
        (7_140..=7_260).contains(&shift),
        "iat is 2 h in the past: {shift}"
    );
}

fn run_actsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_actsim"))
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn bad_flags_and_tenant_files_exit_2_with_a_diagnostic() {
    let out = run_actsim(&["serve", "--port", "0", "--freeze", "tomorrow"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--freeze"));

    let out = run_actsim(&[
        "serve",
        "--freeze",
        "2026-01-01T00:00:00Z",
        "--offset",
        "1h",
    ]);
    assert_eq!(out.status.code(), Some(2), "conflicting clocks");

    let out = run_actsim(&["serve", "--port", "0", "--offset", "soon"]);
    assert_eq!(out.status.code(), Some(2));

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(
        &file,
        "domain = \"d.test\"\nclients = []\n\n[[faults]]\nkind = \"latency\"\nlatencyms = 5\n",
    )
    .unwrap();
    let out = run_actsim(&["serve", "--port", "0", "--tenant", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("latencyms"), "{stderr}");
    assert!(
        stderr.contains("bad.toml:6"),
        "points at the line: {stderr}"
    );

    std::fs::write(
        &file,
        "domain = \"d.test\"\nclients = []\n\n[[faults]]\nkind = \"latency\"\n",
    )
    .unwrap();
    let out = run_actsim(&["serve", "--port", "0", "--tenant", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("a latency fault needs"), "{stderr}");

    // A port in use.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = run_actsim(&["serve", "--port", &port]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--port 0"));
}

/// node-auth0 v4 and jose against `actsim serve` (tests/node-clients/check-serve.mjs).
#[test]
fn node_auth0_v4_and_jose_against_actsim_serve() {
    let dir = repo_root().join("tests/node-clients");
    if !have("node") {
        return skip("node is not installed; the node-auth0/jose test of actsim serve did not run");
    }
    if !Path::new(&dir.join("node_modules/auth0")).is_dir()
        || !Path::new(&dir.join("node_modules/jose")).is_dir()
    {
        return skip(
            "tests/node-clients/node_modules is missing (run `npm ci` in tests/node-clients, as .ci/run does); the node-auth0/jose test of actsim serve did not run",
        );
    }
    let served = Served::start(&["--quiet"]);
    let out = Command::new("node")
        .current_dir(&dir)
        .args(["check-serve.mjs", &served.base_url])
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "node failed:\nstdout: {stdout}\nstderr: {stderr}"
    );
    let r = json(stdout.trim());
    assert_eq!(r["tokenResponse"]["status"], 200);
    assert_eq!(r["tokenResponse"]["token_type"], "Bearer");
    assert_eq!(r["tokenResponse"]["expires_in"], 86400);
    assert_eq!(
        r["tokenResponse"]["scope"],
        "read:users update:users read:roles"
    );
    // node-auth0 surfaces the refusal of a scope beyond the grant as Auth0's error.
    assert_eq!(r["excessScope"]["name"], "AuthApiError", "{stdout}");
    assert_eq!(r["excessScope"]["statusCode"], 403);
    assert_eq!(r["excessScope"]["error"], "access_denied");
    assert_eq!(
        r["excessScope"]["error_description"],
        "Client has not been granted scopes: delete:users"
    );
    assert_eq!(r["discovery"]["issuer"], "https://tenant.actsim.test/");
    assert_eq!(
        r["discovery"]["jwks_uri"],
        format!("{}/.well-known/jwks.json", served.base_url)
    );
    // jose verified the signature against the served JWKS, and the claims.
    assert_eq!(r["verified"]["alg"], "RS256");
    assert_eq!(r["verified"]["kid"], "actsim-dev-key-1");
    assert_eq!(r["verified"]["iss"], "https://tenant.actsim.test/");
    assert_eq!(r["verified"]["aud"], MGMT);
    assert_eq!(r["verified"]["sub"], "actsim-local-m2m@clients");
    assert_eq!(r["verified"]["gty"], "client-credentials");
    assert_eq!(r["verified"]["lifetime"], 86400);
    assert_eq!(r["forgedError"], "JWSSignatureVerificationFailed");
    // ManagementClient.users.get through the rewriting fetch.
    assert_eq!(r["user"]["status"], 200);
    assert_eq!(r["user"]["user_id"], "auth0|5f7c8ec7c33c6c004bbafe82");
    assert_eq!(r["user"]["email"], "j+smith@example.com");
    assert_eq!(r["roles"], serde_json::json!(["admin"]));
    assert_eq!(r["missing"]["name"], "ManagementApiError");
    assert_eq!(r["missing"]["statusCode"], 404);
    assert_eq!(r["missing"]["errorCode"], "inexistent_user");
    assert_eq!(
        r["requests"],
        serde_json::json!([
            "POST /oauth/token",
            // The refused request for a scope beyond the grant.
            "POST /oauth/token",
            "POST /oauth/token",
            "GET /api/v2/users/auth0%7C5f7c8ec7c33c6c004bbafe82",
            "GET /api/v2/users/auth0%7C5f7c8ec7c33c6c004bbafe82/roles",
            "GET /api/v2/users/auth0%7Cdoes-not-exist"
        ])
    );
    let (code, _) = served.interrupt();
    assert_eq!(code, Some(0));
}

/// Whether tests/node-clients has these packages installed.
fn node_packages(names: &[&str]) -> bool {
    let dir = repo_root().join("tests/node-clients/node_modules");
    names.iter().all(|n| dir.join(n).is_dir())
}

/// node-auth0 v3 and v4 and openid-client against `actsim serve --tls`, trusting its
/// authority through NODE_EXTRA_CA_CERTS and addressing it as their domain, with no rewriting
/// (tests/node-clients/check-serve-tls.mjs); curl checks the certificate and discovery.
#[test]
fn tls_serves_node_auth0_v3_v4_and_openid_client_by_domain() {
    if !have("node") || !have("curl") {
        return skip("node or curl is not installed; the --tls test of actsim serve did not run");
    }
    if !node_packages(&["auth0", "auth0-v3", "openid-client"]) {
        return skip(
            "tests/node-clients/node_modules lacks auth0, auth0-v3 or openid-client (run `npm ci` in tests/node-clients, as .ci/run does); the --tls test of actsim serve did not run",
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let ca_path = ca.to_str().unwrap();
    let served = Served::start(&["--tls", "--ca-file", ca_path]);
    let base = served.base_url.clone();
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    let banner = served.stdout();
    assert!(
        banner.contains(&format!("export NODE_EXTRA_CA_CERTS={ca_path}")),
        "{banner}"
    );
    assert!(
        banner.contains(&format!("issuer (iss)    {base}/")),
        "{banner}"
    );
    let pem = std::fs::read_to_string(&ca).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");

    // curl verifies the chain against the written authority; without it, it refuses.
    let (status, _, body) = curl(&[
        "--cacert",
        ca_path,
        &format!("{base}/.well-known/openid-configuration"),
    ]);
    assert_eq!(status, 200, "{body}");
    let doc = json(&body);
    assert_eq!(doc["issuer"], format!("{base}/"));
    assert_eq!(doc["authorization_endpoint"], format!("{base}/authorize"));
    assert_eq!(doc["token_endpoint"], format!("{base}/oauth/token"));
    let untrusted = Command::new("curl")
        .args([
            "-s",
            "--max-time",
            "30",
            &format!("{base}/.well-known/jwks.json"),
        ])
        .output()
        .unwrap();
    assert!(
        !untrusted.status.success(),
        "curl must reject an untrusted certificate"
    );

    let out = Command::new("node")
        .current_dir(repo_root().join("tests/node-clients"))
        .env("NODE_EXTRA_CA_CERTS", &ca)
        .args(["check-serve-tls.mjs", &base])
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "node failed:\nstdout: {stdout}\nstderr: {stderr}\nserver: {}",
        served.stdout()
    );
    let r = json(stdout.trim());
    // node-auth0 v3: getAccessToken, and getUsers with a Lucene query and totals.
    assert_eq!(r["v3"]["tokenParts"], 3);
    assert_eq!(r["v3"]["total"], 1);
    assert_eq!(
        r["v3"]["emails"],
        serde_json::json!(["j+smith@example.com"])
    );
    // node-auth0 v4: users.getAll with a wildcard, an empty result, and a 400 for a range.
    assert_eq!(r["v4"]["status"], 200);
    assert_eq!(r["v4"]["names"], serde_json::json!(["Jane Smith"]));
    assert_eq!(r["v4"]["none"], 0);
    assert_eq!(r["v4"]["badQuery"]["statusCode"], 400);
    // openid-client: discovery accepted the issuer; a client-credentials grant through it.
    assert_eq!(r["openid"]["issuer"], format!("{base}/"));
    assert_eq!(
        r["openid"]["authorization_endpoint"],
        format!("{base}/authorize")
    );
    assert_eq!(r["openid"]["token_endpoint"], format!("{base}/oauth/token"));
    assert_eq!(r["openid"]["token_type"], "bearer");
    assert_eq!(r["openid"]["scope"], "read:users update:users read:roles");
    // One issuer everywhere: tokens carry the URL the clients used.
    assert_eq!(r["tokenIss"], format!("{base}/"));
    served.wait_for_line("GET /api/v2/users → 200");
    served.wait_for_line("GET /api/v2/users → 400");
    let (code, _) = served.interrupt();
    assert_eq!(code, Some(0));
}

/// A plain-HTTP client on the `--tls` port is logged, and the server keeps serving.
#[test]
fn tls_port_survives_plain_http_and_writes_a_default_ca_file() {
    if !have("curl") {
        return skip(
            "curl is not installed; the --tls plain-HTTP test of actsim serve did not run",
        );
    }
    let served = Served::start(&["--tls"]);
    let base = served.base_url.clone();
    let banner = served.stdout();
    let ca_line = banner
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Node.js   export NODE_EXTRA_CA_CERTS=")
        })
        .expect("a NODE_EXTRA_CA_CERTS line")
        .to_string();
    assert!(Path::new(&ca_line).is_file(), "{ca_line}");
    let plain = base.replace("https://", "http://");
    let out = Command::new("curl")
        .args([
            "-s",
            "--max-time",
            "10",
            &format!("{plain}/.well-known/jwks.json"),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    served.wait_for_line("TLS handshake with");
    let (status, _, _) = curl(&[
        "--cacert",
        &ca_line,
        &format!("{base}/.well-known/jwks.json"),
    ]);
    assert_eq!(status, 200);
    let (code, _) = served.interrupt();
    assert_eq!(code, Some(0));
    assert!(
        !Path::new(&ca_line).exists(),
        "the temporary CA file is removed at exit"
    );
}

/// Sends `raw` bytes to `base` (http://127.0.0.1:PORT) on a fresh connection, ends the sending
/// side when `half_close`, and returns the status of the answer (0 when the server closed the
/// connection without one) and the whole answer.
fn raw_request(base: &str, raw: &[u8], half_close: bool) -> (u16, String) {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(raw).expect("writes");
    if half_close {
        stream.shutdown(std::net::Shutdown::Write).unwrap();
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// Malformed requests over real loopback TCP get 400 (CONNECT gets the tenant's 404, as in
/// process; an HTTP/2 preface a closed connection), a body that never arrives does not hold the
/// server, a good request is answered afterwards, and nothing panics.
#[test]
fn malformed_requests_get_400_without_a_panic() {
    let served = Served::start(&[]);
    let base = served.base_url.clone();
    let post = "POST /oauth/token HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n";
    // A body that stops arriving: answered after the server's 5 s body timeout, while the
    // other cases go on.
    let held = {
        let base = base.clone();
        let raw = format!("{post}Content-Length: 100\r\n\r\ngrant_type=");
        std::thread::spawn(move || raw_request(&base, raw.as_bytes(), false))
    };
    let cases: Vec<(&str, String, bool, u16)> = vec![
        (
            "bad chunk size",
            format!("{post}Transfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n"),
            false,
            400,
        ),
        (
            "bad chunk after content-length and transfer-encoding",
            format!(
                "{post}Content-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\nXYZ\r\n\r\n"
            ),
            false,
            400,
        ),
        (
            "body cut short",
            format!("{post}Content-Length: 100\r\n\r\ngrant_type="),
            true,
            400,
        ),
        (
            "CONNECT",
            "CONNECT tenant.actsim.test:443 HTTP/1.1\r\nHost: tenant.actsim.test:443\r\n\r\n"
                .to_string(),
            true,
            404,
        ),
        (
            "garbled head",
            "\u{1}\u{2} GARBAGE\r\n\r\n".to_string(),
            false,
            400,
        ),
        // A client speaking HTTP/2 with prior knowledge: the server speaks HTTP/1.1 only and
        // closes the connection without an answer (status 0 here).
        (
            "HTTP/2 preface",
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_string(),
            false,
            0,
        ),
    ];
    for (what, raw, half_close, status) in cases {
        let (got, answer) = raw_request(&base, raw.as_bytes(), half_close);
        assert_eq!(got, status, "{what}: {answer}");
    }
    let (got, answer) = held.join().unwrap();
    assert_eq!(got, 400, "held body: {answer}");
    assert!(answer.contains("did not arrive within 5000 ms"), "{answer}");
    let (got, answer) = raw_request(
        &base,
        b"GET /.well-known/jwks.json HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        false,
    );
    assert_eq!(got, 200, "{answer}");
    assert!(answer.contains("\"keys\""), "{answer}");
    let (code, stderr) = served.interrupt();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("malformed"), "{stderr}");
}
