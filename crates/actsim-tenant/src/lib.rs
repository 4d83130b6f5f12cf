//! An in-process mock Auth0 tenant for the actsim emulator.
//!
//! [`Tenant::handle`] is a pure function of the tenant state, a request and the virtual time
//! `now_ms`: no sockets, no system clock, no randomness. The same inputs always produce
//! byte-identical responses, tokens included (RS256 signatures are deterministic).
//!
//! Endpoints:
//! - `POST /oauth/token`: client-credentials grant ([`token_endpoint`] documents statuses).
//! - `GET`/`PATCH /api/v2/users/{id}`: a Management API subset ([`management_api`]).
//! - `GET /.well-known/jwks.json`: the public signing key.
//! - anything else: 404 JSON.
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

#![warn(missing_docs)]

pub mod config;
pub mod error;
pub mod http;
pub mod jwt;
pub mod ledger;
pub mod management_api;
pub mod time_fmt;
pub mod token_endpoint;

use serde_json::Value;

pub use config::{ApiConfig, ClientConfig, ClientGrant, TenantConfig};
pub use error::{ConfigError, TenantError};
pub use http::{HttpRequest, HttpResponse};
pub use jwt::{AccessTokenClaims, DEV_KEY_ID};
pub use ledger::{IssuedToken, Ledger};

/// A running mock tenant: configuration, signing keys, token ledger and user store.
#[derive(Clone)]
pub struct Tenant {
    config: TenantConfig,
    keys: jwt::Keys,
    ledger: Ledger,
    users: Vec<Value>,
}

impl std::fmt::Debug for Tenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tenant")
            .field("domain", &self.config.domain)
            .field("clients", &self.config.clients.len())
            .field("users", &self.users.len())
            .field("ledger", &self.ledger)
            .finish_non_exhaustive()
    }
}

impl Tenant {
    /// Validates `config` (see [`TenantConfig::validate`]) and loads the development signing key.
    pub fn new(config: TenantConfig) -> Result<Tenant, TenantError> {
        config.validate()?;
        let keys = jwt::Keys::load()?;
        let users = config.users.clone();
        Ok(Tenant {
            config,
            keys,
            ledger: Ledger::default(),
            users,
        })
    }

    /// The configuration the tenant was built with. User changes made through the Management API
    /// are not reflected here; see [`Tenant::user`] and [`Tenant::users`].
    pub fn config(&self) -> &TenantConfig {
        &self.config
    }

    /// Serves one request at virtual time `now_ms` (milliseconds since the Unix epoch).
    ///
    /// Never panics; every outcome, including malformed input, is an HTTP response.
    pub fn handle(&mut self, req: &HttpRequest, now_ms: i64) -> HttpResponse {
        let path = req.path();
        match (req.method.as_str(), path) {
            ("POST", "/oauth/token") => {
                token_endpoint::handle(&self.config, &self.keys, &mut self.ledger, req, now_ms)
            }
            ("GET", "/.well-known/jwks.json") => HttpResponse::from_json(200, self.keys.jwks()),
            (_, p) if p.starts_with("/api/v2/") => {
                management_api::handle(&self.config, &self.keys, &mut self.users, req, now_ms)
            }
            _ => management_api::not_found(),
        }
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
            .iter()
            .find(|u| u.get("user_id").and_then(Value::as_str) == Some(id))
    }

    /// All users in their current state, in configuration order.
    pub fn users(&self) -> &[Value] {
        &self.users
    }
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
