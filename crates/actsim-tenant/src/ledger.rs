//! The record of what the token endpoint did: every issued token in issue order, a count of all
//! token requests (successful or not), and counts of refusals (rate limit, quota) and injected
//! faults.

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
    rate_limited: u64,
    quota_exceeded: u64,
    faults_injected: u64,
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

    /// Token requests refused with 429 by the tenant's rate limit.
    pub fn rate_limited(&self) -> u64 {
        self.rate_limited
    }

    /// Token requests refused with 429 because the client's quota was used up.
    pub fn quota_exceeded(&self) -> u64 {
        self.quota_exceeded
    }

    /// Requests (to any endpoint) answered by an `error` or `timeout` fault instead of the
    /// tenant.
    pub fn faults_injected(&self) -> u64 {
        self.faults_injected
    }

    pub(crate) fn count_rate_limited(&mut self) {
        self.rate_limited = self.rate_limited.saturating_add(1);
    }

    pub(crate) fn count_quota_exceeded(&mut self) {
        self.quota_exceeded = self.quota_exceeded.saturating_add(1);
    }

    pub(crate) fn count_fault(&mut self) {
        self.faults_injected = self.faults_injected.saturating_add(1);
    }

    pub(crate) fn count_request(&mut self) {
        self.token_requests = self.token_requests.saturating_add(1);
    }

    pub(crate) fn record(&mut self, token: IssuedToken) {
        self.issued.push(token);
    }
}
