//! The record of what the token endpoint did: every issued token in issue order, and a count of
//! all token requests (successful or not).

use serde::Serialize;

/// One access token issued by `/oauth/token`.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct IssuedToken {
    /// The client the token was issued to.
    pub client_id: String,
    /// The token's audience.
    pub audience: String,
    /// The token's scopes, space-separated.
    pub scope: String,
    /// Issued-at, seconds since the Unix epoch.
    pub iat: i64,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
}

/// Issued tokens and request counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    issued: Vec<IssuedToken>,
    token_requests: u64,
}

impl Ledger {
    /// Tokens issued so far, in issue order.
    pub fn issued(&self) -> &[IssuedToken] {
        &self.issued
    }

    /// Number of `POST /oauth/token` requests seen, including failed ones.
    pub fn token_requests(&self) -> u64 {
        self.token_requests
    }

    /// Number of tokens issued to `client_id`.
    pub fn issued_to(&self, client_id: &str) -> usize {
        self.issued
            .iter()
            .filter(|t| t.client_id == client_id)
            .count()
    }

    pub(crate) fn count_request(&mut self) {
        self.token_requests = self.token_requests.saturating_add(1);
    }

    pub(crate) fn record(&mut self, token: IssuedToken) {
        self.issued.push(token);
    }
}
