//! `actsim serve`: the mock tenant over real HTTP (or HTTPS with `--tls`) on 127.0.0.1, for
//! SDKs, curl and apps under development. The same handler as `actsim run`'s in-process tenant,
//! served over HTTP/1.1 by `actsim_tenant::http_server` (malformed requests get 400, a body that
//! stops arriving gets 400 after 5 s, never a hung or crashed task); with `--tls`, a TLS front
//! ([`crate::serve_tls`]) on the public port passes requests to that server.

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::TcpListener;
use std::sync::Arc;

use actsim_tenant::http_server::{lock, Observer, ServerLimits, TenantResponder, TenantServer};
use actsim_tenant::time_fmt::{iso8601_utc_millis, parse_duration_ms, parse_rfc3339_ms};
use actsim_tenant::{Clock, HttpRequest, HttpResponse, Tenant, TenantConfig};
use clap::Args;

use crate::diagnostics::{read_file, CliError};
use crate::output::outln;

/// The port `actsim serve` listens on when `--port` is not given.
pub const DEFAULT_PORT: u16 = 4455;

/// Arguments of `actsim serve`.
#[derive(Debug, Args)]
#[command(after_help = SERVE_EXAMPLES)]
pub struct ServeArgs {
    /// TCP port on 127.0.0.1; 0 picks a free one (the URL is printed).
    #[arg(long, default_value_t = DEFAULT_PORT, value_name = "N")]
    pub port: u16,

    /// Mock tenant configuration (TOML): clients, APIs, users, roles, quotas, rate limit,
    /// faults. Default: the bundled local tenant (fixtures/tenants/local.toml). Format:
    /// docs/tenant.md.
    #[arg(long, value_name = "FILE")]
    pub tenant: Option<String>,

    /// Freeze the tenant's clock at this instant (RFC 3339): token iat/exp, expiry checks,
    /// quota windows and fault windows all use it.
    #[arg(long, value_name = "ISO", conflicts_with = "offset")]
    pub freeze: Option<String>,

    /// Run the tenant's clock this far from the real one, e.g. 25h or -30m (tokens then look
    /// issued in the future or the past).
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub offset: Option<String>,

    /// Serve HTTPS with a certificate made at start (its authority is written to --ca-file;
    /// trust it with NODE_EXTRA_CA_CERTS or curl --cacert). The issuer, discovery and the
    /// Management API audience then use https://127.0.0.1:PORT, so SDKs given that as their
    /// domain work unchanged.
    #[arg(long)]
    pub tls: bool,

    /// Where --tls writes the certificate authority (PEM) clients trust. Default: a file in the
    /// temporary directory, named with the port.
    #[arg(long, value_name = "FILE", requires = "tls")]
    pub ca_file: Option<String>,

    /// The base URL clients use, when it is not the served one (e.g. behind your own proxy):
    /// tokens carry iss = URL/, discovery lists URL's endpoints, and URL/api/v2/ is accepted
    /// as the Management API audience. Default: the https:// URL with --tls; without --tls,
    /// none (tokens say iss = https://{domain}/, as production).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,

    /// Do not log requests.
    #[arg(long)]
    pub quiet: bool,
}

const SERVE_EXAMPLES: &str = "\
Examples (from the repository root):
  # The local tenant on http://127.0.0.1:4455 (real clock):
  actsim serve

  # Any free port, a tenant with quotas and faults, and a frozen clock:
  actsim serve --port 0 --tenant my-tenant.toml --freeze 2026-01-01T09:00:00Z

  # HTTPS for SDKs that build URLs from a domain (node-auth0 v3/v4, openid-client):
  actsim serve --tls --ca-file /tmp/actsim-ca.pem
  NODE_EXTRA_CA_CERTS=/tmp/actsim-ca.pem node app.js   # domain: '127.0.0.1:4455'

Without --tls, tokens carry iss = https://{domain}/ while the server is http://127.0.0.1:PORT:
point your SDK's requests for https://{domain} at the printed URL (node-auth0 v4: the `fetch`
option). With --tls, issuer, discovery and tokens all use https://127.0.0.1:PORT.
Ctrl-C stops the server (exit status 0). Details: docs/tenant.md.";

/// Run `actsim serve` until SIGINT or SIGTERM; returns the exit status.
pub fn execute(args: ServeArgs) -> Result<i32, CliError> {
    let mut config = load_tenant(args.tenant.as_deref())?;
    let clock = clock_from(&args)?;
    let listener = TcpListener::bind(("127.0.0.1", args.port)).map_err(|e| {
        CliError::usage(
            format!("cannot listen on 127.0.0.1:{}: {e}", args.port),
            Some("pick another port with --port N, or --port 0 for any free one"),
        )
    })?;
    let port = listener
        .local_addr()
        .map_err(|e| CliError::usage(format!("cannot read the listening port: {e}"), None))?
        .port();
    let tls = if args.tls {
        Some(prepare_tls(&args, &config, port)?)
    } else {
        None
    };
    let public_url = match (&args.public_url, &tls) {
        (Some(url), _) => Some(check_public_url(url)?),
        (None, Some(_)) => Some(format!("https://127.0.0.1:{port}")),
        (None, None) => None,
    };
    if let Some(url) = &public_url {
        config = config.with_public_url(url.clone());
    }
    let mut tenant = Tenant::new(config.clone()).map_err(|e| {
        CliError::usage(
            format!(
                "{}: {e}",
                args.tenant.as_deref().unwrap_or("the local tenant")
            ),
            Some("docs/tenant.md describes every field"),
        )
    })?;
    // ACTSIM_FAST_PATHS=off writes every answer from the user's values here too.
    tenant.keep_user_texts(actsim_js::FastPaths::process_default().on());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::usage(format!("cannot start the async runtime: {e}"), None))?;
    let mut responder = TenantResponder::new(tenant, clock.clone());
    if !args.quiet {
        responder = responder.with_observer(request_logger());
    }
    let quiet = args.quiet;
    let server = runtime.block_on(async {
        let (server, base) = match &tls {
            None => {
                let server = TenantServer::start_on(listener, responder, ServerLimits::default())
                    .await
                    .map_err(|e| CliError::usage(format!("cannot serve: {e}"), None))?;
                let base = server.base_url();
                (server, base)
            }
            Some(tls) => {
                // The tenant's HTTP server listens on a private port; the TLS front takes the
                // public one.
                let inner = TcpListener::bind("127.0.0.1:0").map_err(|e| {
                    CliError::usage(format!("cannot listen on 127.0.0.1: {e}"), None)
                })?;
                let server = TenantServer::start_on(inner, responder, ServerLimits::default())
                    .await
                    .map_err(|e| CliError::usage(format!("cannot serve: {e}"), None))?;
                listener
                    .set_nonblocking(true)
                    .map_err(|e| CliError::usage(format!("cannot use the socket: {e}"), None))?;
                let public = tokio::net::TcpListener::from_std(listener)
                    .map_err(|e| CliError::usage(format!("cannot use the socket: {e}"), None))?;
                let backend = server.address();
                let certificates = Arc::clone(&tls.certificates);
                let on_error: Arc<dyn Fn(String) + Send + Sync> = Arc::new(move |message| {
                    if !quiet {
                        let mut out = std::io::stdout().lock();
                        let _ = writeln!(out, "{message}");
                        let _ = out.flush();
                    }
                });
                tokio::spawn(async move {
                    crate::serve_tls::serve(public, backend, &certificates, on_error).await;
                });
                (server, format!("https://127.0.0.1:{port}"))
            }
        };
        // Handlers are installed before the banner says Ctrl-C works, so no early signal is lost.
        let stop = StopSignals::install();
        let mut text = banner(&config, &base, &clock);
        if let Some(tls) = &tls {
            text = text.replace(
                "Press Ctrl-C to stop.",
                &tls_banner(&tls.ca_file, &base, &config),
            );
        }
        print_text(&text);
        stop.wait().await;
        Ok::<_, CliError>(server)
    })?;
    let (requests, issued) = {
        let tenant = server.tenant();
        let tenant = lock(&tenant);
        (tenant.token_requests(), tenant.issued_tokens().len())
    };
    drop(server);
    if let Some(tls) = &tls {
        if tls.remove_on_exit {
            let _ = std::fs::remove_file(&tls.ca_file);
        }
    }
    outln!("actsim serve: stopped ({requests} token requests, {issued} tokens issued)");
    Ok(0)
}

/// What `--tls` needs: the certificates and where their authority was written.
struct TlsSetup {
    certificates: Arc<crate::serve_tls::Certificates>,
    ca_file: String,
    /// The file is actsim's own temporary file (removed at exit).
    remove_on_exit: bool,
}

fn prepare_tls(args: &ServeArgs, config: &TenantConfig, port: u16) -> Result<TlsSetup, CliError> {
    let names = vec![
        "127.0.0.1".to_string(),
        "localhost".to_string(),
        config.domain.clone(),
    ];
    let certificates = crate::serve_tls::generate(&names)
        .map_err(|e| CliError::usage(format!("--tls: {e}"), None))?;
    let (ca_file, remove_on_exit) = match &args.ca_file {
        Some(path) => (path.clone(), false),
        None => (
            std::env::temp_dir()
                .join(format!("actsim-serve-{port}-ca.pem"))
                .to_string_lossy()
                .into_owned(),
            true,
        ),
    };
    std::fs::write(&ca_file, &certificates.ca_pem).map_err(|e| {
        CliError::usage(
            format!("--tls: cannot write the certificate authority to {ca_file}: {e}"),
            Some("choose a writable file with --ca-file FILE"),
        )
    })?;
    Ok(TlsSetup {
        certificates: Arc::new(certificates),
        ca_file,
        remove_on_exit,
    })
}

/// Checks `--public-url`: `http://` or `https://`, a host, no path, query or fragment.
fn check_public_url(url: &str) -> Result<String, CliError> {
    let trimmed = url.trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"));
    match rest {
        Some(host)
            if !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b)) =>
        {
            Ok(trimmed.to_string())
        }
        _ => Err(CliError::usage(
            format!("--public-url {url:?} is not a base URL"),
            Some("give scheme and host, e.g. --public-url https://localhost:8443 (no path)"),
        )),
    }
}

/// The lines `--tls` adds to the banner: where the authority is and how clients trust it.
fn tls_banner(ca_file: &str, base: &str, config: &TenantConfig) -> String {
    let host = base.trim_start_matches("https://");
    let q = shell_quote(ca_file);
    format!(
        "TLS: a certificate made for this run, signed by a new local authority written to\n  {ca_file}\n\
         Trust it (only for this server; never add it to a system store):\n\
         \x20 Node.js   export NODE_EXTRA_CA_CERTS={q}\n\
         \x20 curl      curl --cacert {q} {base}/.well-known/openid-configuration\n\
         SDKs: domain '{host}' (node-auth0 v3/v4 ManagementClient/AuthenticationClient), or\n\
         discovery at {base}/ (openid-client). Management API audience: {base}/api/v2/ or {}\n\n\
         Press Ctrl-C to stop.\n",
        config.management_audience()
    )
}

/// The tenant in the TOML file at `path`, or the bundled local tenant; errors point at the line.
pub(crate) fn load_tenant(path: Option<&str>) -> Result<TenantConfig, CliError> {
    let Some(path) = path else {
        return Ok(TenantConfig::local_default());
    };
    let source = read_file(path)?;
    TenantConfig::from_toml_str_validated(&source).map_err(|e| match e.span.clone() {
        Some(span) => CliError::in_file(
            path,
            &source,
            span,
            format!("{path}: {}", e.message),
            "here",
            Some("docs/tenant.md describes every field; fixtures/tenants/local.toml is a complete tenant".into()),
        ),
        None => CliError::usage(format!("{path}: {}", e.message), None),
    })
}

fn clock_from(args: &ServeArgs) -> Result<Clock, CliError> {
    if let Some(at) = &args.freeze {
        let ms =
            parse_rfc3339_ms(at).map_err(|e| CliError::usage(format!("--freeze: {e}"), None))?;
        return Ok(Clock::Frozen(ms));
    }
    if let Some(offset) = &args.offset {
        let ms = parse_duration_ms(offset)
            .map_err(|e| CliError::usage(format!("--offset: {e}"), None))?;
        return Ok(Clock::Offset(ms));
    }
    Ok(Clock::System)
}

/// Logs `TIME  METHOD PATH → STATUS  details` for each request (never bodies or headers, which
/// hold secrets and tokens).
fn request_logger() -> Observer {
    Arc::new(|req: &HttpRequest, resp: &HttpResponse, now_ms: i64| {
        let mut line = format!(
            "{}  {} {} → {}",
            iso8601_utc_millis(now_ms),
            req.method,
            req.path(),
            resp.status
        );
        if let Some(error) = resp
            .json()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
        {
            let _ = write!(line, " {error}");
        }
        if let Some(fault) = resp.header("x-actsim-fault") {
            let _ = write!(line, "  [fault: {fault}]");
        }
        if resp.latency_ms > 0 && !resp.timeout {
            let _ = write!(line, "  (+{} ms)", resp.latency_ms);
        }
        if resp.timeout {
            let _ = write!(line, "  (held {} ms: timeout)", resp.latency_ms);
        }
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    })
}

/// Quotes `s` for a POSIX shell when it holds anything but safe characters.
fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/@%+=,".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Percent-encodes a path segment (RFC 3986 unreserved characters stay).
fn encode_segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What `actsim serve` prints once it listens.
pub fn banner(config: &TenantConfig, base: &str, clock: &Clock) -> String {
    let mut s = String::new();
    let mgmt = config.management_audience();
    let _ = writeln!(
        s,
        "actsim serve: mock Auth0 tenant {} on {base} ({})",
        config.domain,
        clock.describe()
    );
    let _ = writeln!(s);
    let _ = writeln!(s, "  base URL        {base}");
    let _ = writeln!(s, "  token endpoint  {base}/oauth/token");
    let _ = writeln!(s, "  JWKS            {base}/.well-known/jwks.json");
    let _ = writeln!(
        s,
        "  discovery       {base}/.well-known/openid-configuration"
    );
    let _ = writeln!(s, "  issuer (iss)    {}", config.issuer());
    let _ = writeln!(s, "  audience        {mgmt}  (Management API)");
    for api in config.apis.iter().filter(|a| a.identifier != mgmt) {
        let _ = writeln!(s, "  audience        {}", api.identifier);
    }
    let _ = writeln!(s);
    if config.clients.is_empty() {
        let _ = writeln!(
            s,
            "No clients: add [[clients]] to the tenant file to get tokens."
        );
    } else {
        let _ = writeln!(
            s,
            "Clients (a local development tenant: these secrets are not secret):"
        );
        for c in &config.clients {
            let name = if c.name.is_empty() {
                String::new()
            } else {
                format!("  ({})", c.name)
            };
            let _ = writeln!(
                s,
                "  client_id {}  client_secret {}{name}",
                c.client_id, c.client_secret
            );
            for g in &c.grants {
                let _ = writeln!(s, "    grant {}  {}", g.audience, g.scopes.join(" "));
            }
            if let Some(q) = &c.quota {
                let mut parts = Vec::new();
                if let Some(h) = q.per_hour {
                    parts.push(format!("{h}/hour"));
                }
                if let Some(d) = q.per_day {
                    parts.push(format!("{d}/day"));
                }
                let _ = writeln!(s, "    quota {}", parts.join(", "));
            }
        }
    }
    if let Some(limit) = &config.token_rate_limit {
        let _ = writeln!(
            s,
            "Rate limit on /oauth/token: {}/s (burst {})",
            limit.per_second,
            limit.capacity()
        );
    }
    if !config.faults.is_empty() {
        let _ = writeln!(s, "Injected faults: {}", config.faults.len());
    }
    let client = config.clients.iter().find(|c| !c.grants.is_empty());
    if let Some(client) = client {
        let grant = client
            .grants
            .iter()
            .find(|g| g.audience == mgmt)
            .unwrap_or(&client.grants[0]);
        let token_cmd = format!(
            "curl -s {base}/oauth/token -d grant_type=client_credentials -d client_id={} -d client_secret={} --data-urlencode audience={}",
            shell_quote(&client.client_id),
            shell_quote(&client.client_secret),
            shell_quote(&grant.audience)
        );
        let _ = writeln!(s);
        let _ = writeln!(s, "Get a token:");
        let _ = writeln!(s, "  {token_cmd}");
        let user = config
            .users
            .first()
            .and_then(|u| u.get("user_id"))
            .and_then(|v| v.as_str());
        if let (Some(user), true) = (user, grant.audience == mgmt) {
            let _ = writeln!(s);
            let _ = writeln!(s, "Keep it in $TOKEN and read a user:");
            let _ = writeln!(
                s,
                "  TOKEN=$({token_cmd} | sed -E 's/.*\"access_token\":\"([^\"]+)\".*/\\1/')"
            );
            let _ = writeln!(
                s,
                "  curl -s -H \"Authorization: Bearer $TOKEN\" {base}/api/v2/users/{}",
                encode_segment(user)
            );
        }
    }
    let _ = writeln!(s);
    if config.public_url.is_none() {
        let _ = writeln!(
            s,
            "SDKs build URLs from the domain: send their requests for https://{} to {base}",
            config.domain
        );
        let _ = writeln!(
            s,
            "(node-auth0 v4: the `fetch` option; or use --tls; see docs/tenant.md). Tokens still say iss = {}.",
            config.issuer()
        );
    } else {
        let _ = writeln!(
            s,
            "Issuer, discovery and tokens use the public URL {}; the Management API audience is also {}",
            config.issuer(),
            config.public_management_audience().unwrap_or_default()
        );
    }
    let _ = writeln!(
        s,
        "WARNING: tokens are signed with actsim's public development key. Never trust them outside local testing."
    );
    let _ = writeln!(s);
    let _ = writeln!(s, "Press Ctrl-C to stop.");
    s
}

fn print_text(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// SIGINT and, on Unix, SIGTERM handlers, installed as soon as this is created.
struct StopSignals {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl StopSignals {
    /// Install the handlers now (the default action of SIGINT no longer kills the process).
    fn install() -> StopSignals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            StopSignals {
                interrupt: signal(SignalKind::interrupt()).ok(),
                terminate: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        {
            StopSignals {}
        }
    }

    /// Resolves on the first SIGINT or SIGTERM.
    async fn wait(self) {
        #[cfg(unix)]
        {
            let StopSignals {
                interrupt,
                terminate,
            } = self;
            let on = |signal: Option<tokio::signal::unix::Signal>| async move {
                match signal {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = on(interrupt) => {}
                _ = on(terminate) => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_encoding() {
        assert_eq!(shell_quote("actsim-local-m2m"), "actsim-local-m2m");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(encode_segment("auth0|5f7c"), "auth0%7C5f7c");
    }

    #[test]
    fn banner_lists_clients_and_a_curl_command() {
        let text = banner(
            &TenantConfig::local_default(),
            "http://127.0.0.1:4455",
            &Clock::System,
        );
        assert!(
            text.contains("base URL        http://127.0.0.1:4455\n"),
            "{text}"
        );
        assert!(text.contains("client_id actsim-local-m2m  client_secret local-secret-change-me"));
        assert!(text.contains("curl -s http://127.0.0.1:4455/oauth/token -d grant_type=client_credentials -d client_id=actsim-local-m2m -d client_secret=local-secret-change-me --data-urlencode audience=https://tenant.actsim.test/api/v2/"));
        assert!(text.contains("/api/v2/users/auth0%7C5f7c8ec7c33c6c004bbafe82"));
        assert!(text.contains("WARNING"));
    }
}
