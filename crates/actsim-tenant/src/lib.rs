//! An in-process mock Auth0 tenant for the actsim emulator.
//!
//! [`Tenant::handle`] is a pure function of the tenant state, a request and the virtual time
//! `now_ms`: no sockets, no system clock, no randomness. The same inputs always produce
//! byte-identical responses, tokens included (RS256 signatures are deterministic).
//!
//! Endpoints:
//! - `POST /oauth/token`: client-credentials grant ([`token_endpoint`] documents statuses),
//!   with per-client quotas and a tenant rate limit ([`limits`]).
//! - a Management API subset ([`management_api`]): users (list and search, get, PATCH, by
//!   email), roles, a user's roles and permissions, role assignment.
//! - `GET /.well-known/jwks.json`: the public signing key.
//! - `GET /.well-known/openid-configuration`: discovery ([`discovery`]).
//! - anything else: 404 JSON.
//!
//! Injected faults ([`limits::FaultConfig`]) apply before routing. They can add latency
//! ([`HttpResponse::latency_ms`]) or mark a response as a timeout ([`HttpResponse::timeout`]),
//! which the transport carries out: [`clock`] gives transports their `now_ms`, and the
//! `http_server` module (cargo feature `http`) serves the tenant over real HTTP.
//!
//! ```
//! use actsim_tenant::{HttpRequest, Tenant, TenantConfig};
//!
//! let mut tenant = Tenant::new(TenantConfig::local_default()).unwrap();
//! let req = HttpRequest::new("POST", "/oauth/token")
//!     .with_header("content-type", "application/x-www-form-urlencoded")
//!     .with_body(
//!         "grant_type=client_credentials&client_id=actsim-local-m2m\
//!          &client_secret=local-secret-change-me\
//!          &audience=https%3A%2F%2Ftenant.actsim.test%2Fapi%2Fv2%2F",
//!     );
//! let resp = tenant.handle(&req, 1_700_000_000_000);
//! assert_eq!(resp.status, 200);
//! let token = resp.json().unwrap()["access_token"].as_str().unwrap().to_string();
//!
//! let get = HttpRequest::new("GET", "/api/v2/users/auth0%7C5f7c8ec7c33c6c004bbafe82")
//!     .with_header("authorization", format!("Bearer {token}"));
//! assert_eq!(tenant.handle(&get, 1_700_000_060_000).status, 200);
//! assert_eq!(tenant.token_requests(), 1);
//! ```
//!
//! **Security:** tokens are signed with a development RSA key committed to the repository
//! ([`jwt::DEV_SIGNING_KEY_PEM`]). It is public and insecure, for local emulation only.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod clock;
pub mod config;
pub mod discovery;
pub mod error;
pub mod http;
#[cfg(feature = "http")]
pub mod http_server;
mod json_text;
pub mod jwt;
pub mod ledger;
pub mod limits;
pub mod management_api;
pub mod time_fmt;
pub mod token_endpoint;
mod traffic;
pub mod user_search;
mod user_store;

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::Value;

pub use clock::{Clock, TimeSource};
pub use config::{
    ApiConfig, ClientConfig, ClientGrant, ExcessScopes, RoleConfig, RolePermission, TenantConfig,
};
pub use error::{ConfigError, TenantError};
pub use http::{HttpRequest, HttpResponse};
pub use jwt::{AccessTokenClaims, DEV_KEY_ID};
pub use ledger::{IssuedToken, Ledger};
pub use limits::{ClientQuota, FaultConfig, FaultKind, FaultTime, RateLimitConfig};

/// A running mock tenant: configuration, signing keys, token ledger, user store, and the
/// counters of quotas, the rate limit and faults.
#[derive(Clone)]
pub struct Tenant {
    config: TenantConfig,
    keys: jwt::Keys,
    ledger: Ledger,
    users: user_store::UserStore,
    user_roles: BTreeMap<String, Vec<String>>,
    traffic: traffic::Traffic,
    start_ms: Option<i64>,
}

impl std::fmt::Debug for Tenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tenant")
            .field("domain", &self.config.domain)
            .field("clients", &self.config.clients.len())
            .field("users", &self.users.all().len())
            .field("ledger", &self.ledger)
            .finish_non_exhaustive()
    }
}

impl Tenant {
    /// Validates `config` (see [`TenantConfig::validate`]) and loads the development signing key.
    pub fn new(config: TenantConfig) -> Result<Tenant, TenantError> {
        config.validate()?;
        let keys = jwt::Keys::load()?;
        let mut users = config.users.clone();
        let mut user_roles = BTreeMap::new();
        for user in &mut users {
            let ids = config.user_role_ids(user)?;
            if let Value::Object(map) = user {
                map.shift_remove("roles");
                if let Some(Value::String(id)) = map.get("user_id") {
                    user_roles.insert(id.clone(), ids);
                }
            }
        }
        Ok(Tenant {
            config,
            keys,
            ledger: Ledger::default(),
            users: user_store::UserStore::new(users),
            user_roles,
            traffic: traffic::Traffic::default(),
            start_ms: None,
        })
    }

    /// Sets the tenant's start instant, which fault windows given as offsets (`from = "+10m"`)
    /// count from. Without it, the `now_ms` of the first request handled is the start.
    pub fn set_start_ms(&mut self, start_ms: i64) {
        self.start_ms = Some(start_ms);
    }

    /// The start instant, once set or once the first request was handled.
    pub fn start_ms(&self) -> Option<i64> {
        self.start_ms
    }

    /// Keep each user's JSON text between Management API answers (`true`, the default), or
    /// write every answer from the user's values (`false`, for comparison: the answers are the
    /// same bytes either way). A user's text is kept from its first `GET` or `PATCH`.
    pub fn keep_user_texts(&mut self, on: bool) {
        self.users.keep_texts(on);
    }

    /// The configuration the tenant was built with. User changes made through the Management API
    /// are not reflected here; see [`Tenant::user`] and [`Tenant::users`].
    pub fn config(&self) -> &TenantConfig {
        &self.config
    }

    /// Serves one request at virtual time `now_ms` (milliseconds since the Unix epoch).
    ///
    /// Never panics; every outcome, including malformed input, is an HTTP response. Faults are
    /// checked first (see [`limits::FaultConfig`]); their latency and timeout marker are set on
    /// the response for the transport to carry out, and their labels are listed in an
    /// `x-actsim-fault` header.
    pub fn handle(&mut self, req: &HttpRequest, now_ms: i64) -> HttpResponse {
        let start_ms = *self.start_ms.get_or_insert(now_ms);
        let path = req.path();
        let outcome = if self.config.faults.is_empty() {
            traffic::FaultOutcome::default()
        } else {
            let mut client_of = || {
                if path == "/oauth/token" {
                    token_endpoint::client_id_of(req)
                } else {
                    bearer_azp(req)
                }
            };
            self.traffic.apply_faults(
                &self.config.faults,
                &req.method,
                path,
                &mut client_of,
                now_ms,
                start_ms,
            )
        };
        let mut resp = match outcome.answer {
            Some(answer) => {
                self.ledger.count_fault();
                if req.method == "POST" && path == "/oauth/token" {
                    self.ledger.count_request();
                }
                answer
            }
            None => self.route(req, now_ms),
        };
        resp.latency_ms = resp.latency_ms.saturating_add(outcome.latency_ms);
        if !outcome.labels.is_empty() {
            resp = resp.with_header("x-actsim-fault", outcome.labels.join(", "));
        }
        resp
    }

    fn route(&mut self, req: &HttpRequest, now_ms: i64) -> HttpResponse {
        let path = req.path();
        match (req.method.as_str(), path) {
            ("POST", "/oauth/token") => token_endpoint::handle(
                &self.config,
                &self.keys,
                &mut self.ledger,
                &mut self.traffic,
                req,
                now_ms,
            ),
            ("GET", "/.well-known/jwks.json") => HttpResponse::from_json(200, self.keys.jwks()),
            ("GET", "/.well-known/openid-configuration") => {
                let base = match &self.config.public_url {
                    Some(url) => url.trim_end_matches('/').to_string(),
                    None => discovery::base_url(&self.config, req),
                };
                HttpResponse::from_json(200, &discovery::document(&self.config, &base))
            }
            (_, p) if p.starts_with("/api/v2/") => management_api::handle(
                &self.config,
                &self.keys,
                management_api::Store {
                    users: &mut self.users,
                    user_roles: &mut self.user_roles,
                },
                req,
                now_ms,
            ),
            _ => management_api::not_found(),
        }
    }

    /// The ids of the roles assigned to user `id` (empty for an unknown user).
    pub fn user_role_ids(&self, id: &str) -> &[String] {
        self.user_roles.get(id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Tokens issued so far, in issue order.
    pub fn issued_tokens(&self) -> &[IssuedToken] {
        self.ledger.issued()
    }

    /// Number of `POST /oauth/token` requests, including failed ones.
    pub fn token_requests(&self) -> u64 {
        self.ledger.token_requests()
    }

    /// The full ledger (issued tokens and counters).
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The JSON Web Key Set: `{"keys":[{kty:"RSA", kid, use:"sig", alg:"RS256", n, e}]}` with
    /// base64url (unpadded) `n` and `e`.
    pub fn jwks(&self) -> Value {
        self.keys.jwks().clone()
    }

    /// The current state of the user with `user_id == id`.
    pub fn user(&self, id: &str) -> Option<&Value> {
        self.users
            .position(id)
            .and_then(|position| self.users.get(position))
    }

    /// All users in their current state: the configured ones in configuration order, then
    /// those added with [`Tenant::add_user`] in the order they were added.
    pub fn users(&self) -> &[Value] {
        self.users.all()
    }

    /// Adds `user` (a profile with a `user_id`) as a configured user would be: its `roles`
    /// (names or ids) are assigned and removed from the profile. A user whose `user_id` is
    /// already known is kept as it is and `Ok(false)` returned; an unknown role is an error and
    /// nothing is added. The simulator adds each simulated user at their first login, so that a
    /// scenario with a million users holds only those who logged in.
    pub fn add_user(&mut self, user: Value) -> Result<bool, TenantError> {
        let Some(id) = user
            .get("user_id")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            return Ok(false);
        };
        if self.user(&id).is_some() {
            return Ok(false);
        }
        let roles = self.config.user_role_ids(&user)?;
        let mut user = user;
        if let Value::Object(map) = &mut user {
            map.shift_remove("roles");
        }
        self.user_roles.insert(id, roles);
        self.users.push(user);
        Ok(true)
    }
}

/// The `azp` claim of the request's bearer token, read without verification (for matching
/// faults on a client only).
fn bearer_azp(req: &HttpRequest) -> Option<String> {
    let header = req.header("authorization")?.trim();
    let (scheme, token) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let payload = token.trim().split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("azp")?.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_can_move_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Tenant>();
    }

    #[test]
    fn debug_output_does_not_dump_keys() {
        let t = Tenant::new(TenantConfig::local_default()).unwrap();
        let s = format!("{t:?}");
        assert!(s.contains("tenant.actsim.test"));
        assert!(!s.contains("PRIVATE"));
    }
}
