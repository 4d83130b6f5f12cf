//! Caveat warnings: patterns in an action's behaviour that production punishes, each with a
//! one-line fix. The detector watches executions, token requests and resumes; warnings go to the
//! trace as they happen and are summarised in reports.

use serde::Serialize;

/// The kinds of caveat actsim recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// `api.cache.set` with a ttl equal to a token's `expires_in`: seconds where milliseconds
    /// are expected.
    TtlInSeconds,
    /// A failed `api.cache.set` whose result the action never looked at.
    UnreadFailedSet,
    /// A key, value or the whole cache near or over a limit.
    NearLimit,
    /// A cached JWT expires before the cache record does.
    JwtOutlivesRecord,
    /// The same instance asked for another token for the same client and audience while an
    /// earlier one was still valid.
    RepeatedTokenRequest,
    /// A key cached (or read) before a redirect was missing after the flow resumed.
    MissedAfterResume,
}

impl WarningKind {
    /// Every kind, in display order.
    pub const ALL: [WarningKind; 6] = [
        WarningKind::TtlInSeconds,
        WarningKind::UnreadFailedSet,
        WarningKind::NearLimit,
        WarningKind::JwtOutlivesRecord,
        WarningKind::RepeatedTokenRequest,
        WarningKind::MissedAfterResume,
    ];

    /// The snake_case name used in traces, metrics (`warnings.<name>`) and docs.
    pub fn as_str(self) -> &'static str {
        match self {
            WarningKind::TtlInSeconds => "ttl_in_seconds",
            WarningKind::UnreadFailedSet => "unread_failed_set",
            WarningKind::NearLimit => "near_limit",
            WarningKind::JwtOutlivesRecord => "jwt_outlives_record",
            WarningKind::RepeatedTokenRequest => "repeated_token_request",
            WarningKind::MissedAfterResume => "missed_after_resume",
        }
    }
}

/// One warning.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Warning {
    /// Which caveat.
    pub kind: WarningKind,
    /// Virtual time.
    pub t: i64,
    /// The login (simulations) or execution (run), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login: Option<u64>,
    /// The instance, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<u32>,
    /// What happened.
    pub message: String,
    /// The one-line fix.
    pub fix: String,
}

/// How often a kind of warning occurred, with its first occurrence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WarningSummary {
    /// Which caveat.
    pub kind: WarningKind,
    /// How many times.
    pub count: u64,
    /// The first one.
    pub first: Warning,
}
