//! Error types: [`ConfigError`] for parsing a tenant file and [`TenantError`] for a configuration
//! that parses but cannot be served.

use std::ops::Range;

/// A tenant configuration could not be parsed.
///
/// Carries the parser's message and, when the parser knows it, the byte range in the source text
/// that the error points at, so that a caller can render `file:line:column` (see
/// [`ConfigError::line_col`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    /// Human-readable description of the problem (no position information).
    pub message: String,
    /// Byte range into the parsed source that the error refers to, if known.
    pub span: Option<Range<usize>>,
}

impl ConfigError {
    /// Builds an error from a message and an optional byte span.
    pub fn new(message: impl Into<String>, span: Option<Range<usize>>) -> ConfigError {
        ConfigError {
            message: message.into(),
            span,
        }
    }

    /// 1-based `(line, column)` of the start of [`ConfigError::span`] within `src`.
    ///
    /// The column counts characters (not bytes). Returns `None` when there is no span or the span
    /// does not fall inside `src`.
    pub fn line_col(&self, src: &str) -> Option<(usize, usize)> {
        let start = self.span.as_ref()?.start;
        let before = src.get(..start)?;
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..)?.chars().count() + 1;
        Some((line, column))
    }
}

/// A parsed [`crate::TenantConfig`] that cannot be turned into a [`crate::Tenant`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TenantError {
    /// `domain` is empty.
    #[error("tenant domain must not be empty")]
    EmptyDomain,
    /// `domain` is not a bare host name (it contains a scheme, a slash or whitespace).
    #[error("tenant domain {0:?} must be a bare host name such as \"tenant.actsim.test\" (no scheme, slash or whitespace)")]
    InvalidDomain(String),
    /// A client has an empty `client_id`.
    #[error("client #{index} has an empty client_id")]
    EmptyClientId {
        /// Zero-based position of the client in `clients`.
        index: usize,
    },
    /// Two clients share a `client_id`.
    #[error("duplicate client_id {0:?}")]
    DuplicateClient(String),
    /// Two entries in `apis` share an identifier. (The Management API may appear once in `apis`,
    /// to set its token lifetime.)
    #[error("duplicate API identifier {0:?}")]
    DuplicateApi(String),
    /// An API has an empty identifier.
    #[error("API #{index} has an empty identifier")]
    EmptyApiIdentifier {
        /// Zero-based position of the API in `apis`.
        index: usize,
    },
    /// A client grant names an audience that is neither the Management API nor a configured API.
    #[error("client {client_id:?} has a grant for unknown audience {audience:?} (known: the Management API and `apis`)")]
    UnknownGrantAudience {
        /// The client holding the grant.
        client_id: String,
        /// The audience that no API has.
        audience: String,
    },
    /// A client has two grants for the same audience.
    #[error("client {client_id:?} has more than one grant for audience {audience:?}")]
    DuplicateGrant {
        /// The client holding the grants.
        client_id: String,
        /// The repeated audience.
        audience: String,
    },
    /// A token lifetime is outside 1..=2,592,000 seconds (Auth0's documented maximum is 30 days).
    #[error("token lifetime {seconds} s for {what} is outside 1..=2592000 seconds")]
    InvalidLifetime {
        /// Which lifetime: "tenant" or the API identifier.
        what: String,
        /// The configured value.
        seconds: u64,
    },
    /// A user is not a JSON object with a non-empty string `user_id`.
    #[error("user #{index} must be an object with a non-empty string \"user_id\"")]
    InvalidUser {
        /// Zero-based position of the user in `users`.
        index: usize,
    },
    /// Two users share a `user_id`.
    #[error("duplicate user_id {0:?}")]
    DuplicateUser(String),
    /// A client's quota is unusable.
    #[error("client {client_id:?}: invalid quota: {reason}")]
    InvalidQuota {
        /// The client.
        client_id: String,
        /// What is wrong.
        reason: String,
    },
    /// `token_rate_limit` is unusable (`per_second` or `burst` is 0).
    #[error("token_rate_limit: {0}")]
    InvalidRateLimit(String),
    /// A fault is inconsistent (missing or misplaced fields, unknown client, bad window).
    #[error("fault {fault}: {reason}")]
    InvalidFault {
        /// The fault's label (`name` or `faults[<index>]`).
        fault: String,
        /// What is wrong.
        reason: String,
    },
    /// A role has an empty `id` or `name`.
    #[error("role #{index} must have a non-empty id and name")]
    InvalidRole {
        /// Zero-based position of the role in `roles`.
        index: usize,
    },
    /// Two roles share an id or a name.
    #[error("duplicate role id or name {0:?}")]
    DuplicateRole(String),
    /// A user's `roles` is not an array of strings, or names a role that does not exist.
    #[error("user {user_id:?}: {reason}")]
    InvalidUserRoles {
        /// The user.
        user_id: String,
        /// What is wrong.
        reason: String,
    },
    /// The embedded signing key could not be loaded, or no JWT crypto backend is available.
    #[error("signing key unavailable: {0}")]
    Key(String),
}
