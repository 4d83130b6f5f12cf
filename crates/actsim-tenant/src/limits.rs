//! Configuration of what makes the tenant refuse or fail requests: per-client token quotas, the
//! tenant's rate limit on `POST /oauth/token`, and injected faults. The runtime counters live in
//! [`crate::traffic`].

use serde::{Deserialize, Serialize};

use crate::error::TenantError;
use crate::time_fmt::{parse_duration_ms, parse_rfc3339_ms};

/// A client's token quota (Auth0's fine-grained M2M token quotas): at most `per_hour` tokens in
/// each UTC clock hour and `per_day` in each UTC day. Windows start at the top of the hour and
/// at midnight UTC, computed from `now_ms`. Only issued tokens count; refused requests do not.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ClientQuota {
    /// Tokens per UTC hour; no hourly limit when absent.
    #[serde(default)]
    pub per_hour: Option<u64>,
    /// Tokens per UTC day; no daily limit when absent.
    #[serde(default)]
    pub per_day: Option<u64>,
    /// Whether tokens for the Management API count (default `true`). Auth0's monthly M2M
    /// allotment does not count Management API tokens; set `false` to model that.
    #[serde(default = "yes")]
    pub count_management_api: bool,
}

fn yes() -> bool {
    true
}

/// The tenant's rate limit on `POST /oauth/token`: a token bucket holding `burst` requests that
/// refills at `per_second` requests per second (Auth0's free tier: 30 and 30). Every request
/// that finds the bucket empty gets 429.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Refill rate, requests per second (at least 1).
    pub per_second: u64,
    /// Bucket size; `per_second` when absent.
    #[serde(default)]
    pub burst: Option<u64>,
}

impl RateLimitConfig {
    /// The bucket size: `burst`, or `per_second`.
    pub fn capacity(&self) -> u64 {
        self.burst.unwrap_or(self.per_second)
    }
}

/// What an injected fault does.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Add `latency_ms` before the (normal) response. Latency faults add up.
    Latency,
    /// Answer `status` (400–599) with `body` instead of handling the request.
    Error,
    /// Never answer: the response is marked [`crate::HttpResponse::timeout`]. A real HTTP
    /// transport holds the request for `latency_ms` (default 10 minutes) and then answers 504.
    Timeout,
}

/// An instant in a fault's time window: absolute, or relative to the tenant's start
/// ([`crate::Tenant::start_ms`]).
///
/// In TOML: an RFC 3339 string (`"2026-01-01T09:00:00Z"`) or a signed duration (`"+10m"`,
/// `"90s"`, `"1h30m"`).
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(try_from = "String", into = "String")]
pub enum FaultTime {
    /// Milliseconds since the Unix epoch.
    At(i64),
    /// Milliseconds after the tenant's start.
    AfterStart(i64),
}

impl FaultTime {
    /// The instant in ms since the Unix epoch, given the tenant's start.
    pub fn resolve(self, start_ms: i64) -> i64 {
        match self {
            FaultTime::At(ms) => ms,
            FaultTime::AfterStart(ms) => start_ms.saturating_add(ms),
        }
    }
}

impl TryFrom<String> for FaultTime {
    type Error = String;

    fn try_from(text: String) -> Result<FaultTime, String> {
        let t = text.trim();
        let looks_like_instant = t.len() >= 10 && t.as_bytes().get(4) == Some(&b'-');
        if looks_like_instant {
            parse_rfc3339_ms(t).map(FaultTime::At)
        } else {
            parse_duration_ms(t)
                .map(FaultTime::AfterStart)
                .map_err(|e| {
                    format!("{e}, or an RFC 3339 instant such as \"2026-01-01T09:00:00Z\"")
                })
        }
    }
}

impl From<FaultTime> for String {
    fn from(t: FaultTime) -> String {
        match t {
            FaultTime::At(ms) => crate::time_fmt::iso8601_utc_millis(ms),
            FaultTime::AfterStart(ms) if ms < 0 => format!("-{}ms", ms.unsigned_abs()),
            FaultTime::AfterStart(ms) => format!("+{ms}ms"),
        }
    }
}

/// Default hold time of a `timeout` fault on a real HTTP transport: 10 minutes.
pub const DEFAULT_TIMEOUT_HOLD_MS: u64 = 600_000;

/// Largest `latency_ms` a fault may declare: 1 hour.
pub const MAX_FAULT_LATENCY_MS: u64 = 3_600_000;

/// An injected fault: which requests it matches, and what it does to them.
///
/// A request matches when its method equals `method` (any method when absent), its path starts
/// with `path_prefix`, its client is `client_id` (when set: the `client_id` of a token request,
/// body or HTTP Basic, or the `azp` of the bearer token of an API call), and `now_ms` is in
/// `[from, until)`. With `times = N`, only the first N matching requests are affected. Faults
/// are checked in file order: every matching `latency` fault adds its latency, and the first
/// matching `error` or `timeout` fault answers instead of the tenant.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FaultConfig {
    /// A label for reports and the `x-actsim-fault` response header; `faults[<index>]` when
    /// absent.
    #[serde(default)]
    pub name: Option<String>,
    /// What the fault does.
    pub kind: FaultKind,
    /// HTTP method to match (exact, e.g. `POST`); any when absent.
    #[serde(default)]
    pub method: Option<String>,
    /// Path prefix to match, e.g. `/oauth/token` or `/api/v2/users/`; default `/` (everything).
    #[serde(default = "root")]
    pub path_prefix: String,
    /// Client to match (must be a configured client); any when absent.
    #[serde(default)]
    pub client_id: Option<String>,
    /// `latency`: milliseconds added. `timeout`: how long a real HTTP transport holds the request
    /// before answering 504 (default 600000). Not allowed for `error`.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// `error` only: the status to answer, 400–599.
    #[serde(default)]
    pub status: Option<u16>,
    /// `error` only: the body (sent as `application/json` when it parses as JSON, else
    /// `text/plain`). Default: an Auth0-style JSON error for the status.
    #[serde(default)]
    pub body: Option<String>,
    /// Affect only the first N matching requests ("fail the first N").
    #[serde(default)]
    pub times: Option<u64>,
    /// Start of the active window (inclusive); always active before `until` when absent.
    #[serde(default)]
    pub from: Option<FaultTime>,
    /// End of the active window (exclusive); active forever after `from` when absent.
    #[serde(default)]
    pub until: Option<FaultTime>,
}

fn root() -> String {
    "/".to_string()
}

impl FaultConfig {
    /// The label: `name`, or `faults[<index>]`.
    pub fn label(&self, index: usize) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("faults[{index}]"))
    }

    pub(crate) fn validate(
        &self,
        index: usize,
        known_client: &dyn Fn(&str) -> bool,
    ) -> Result<(), TenantError> {
        let bad = |why: String| TenantError::InvalidFault {
            fault: self.label(index),
            reason: why,
        };
        if !self.path_prefix.starts_with('/') {
            return Err(bad(format!(
                "path_prefix {:?} must start with '/'",
                self.path_prefix
            )));
        }
        if let Some(method) = &self.method {
            if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(bad(format!(
                    "method {method:?} must be an upper-case HTTP method such as \"POST\""
                )));
            }
        }
        if let Some(client) = &self.client_id {
            if !known_client(client) {
                return Err(bad(format!(
                    "client_id {client:?} is not a configured client"
                )));
            }
        }
        if self.times == Some(0) {
            return Err(bad("times must be at least 1".to_string()));
        }
        if let (Some(from), Some(until)) = (self.from, self.until) {
            let ordered = match (from, until) {
                (FaultTime::At(a), FaultTime::At(b))
                | (FaultTime::AfterStart(a), FaultTime::AfterStart(b)) => a < b,
                _ => true,
            };
            if !ordered {
                return Err(bad("`from` must be before `until`".to_string()));
            }
        }
        match self.kind {
            FaultKind::Latency => {
                match self.latency_ms {
                    None => return Err(bad("a latency fault needs latency_ms".to_string())),
                    Some(ms) if ms > MAX_FAULT_LATENCY_MS => {
                        return Err(bad(format!(
                            "latency_ms {ms} is over the maximum {MAX_FAULT_LATENCY_MS}"
                        )))
                    }
                    Some(_) => {}
                }
                if self.status.is_some() || self.body.is_some() {
                    return Err(bad("status and body are for `error` faults".to_string()));
                }
            }
            FaultKind::Error => {
                match self.status {
                    Some(400..=599) => {}
                    Some(s) => return Err(bad(format!("status {s} must be between 400 and 599"))),
                    None => return Err(bad("an error fault needs status".to_string())),
                }
                if self.latency_ms.is_some() {
                    return Err(bad(
                        "latency_ms is not allowed on an error fault; add a separate latency fault"
                            .to_string(),
                    ));
                }
            }
            FaultKind::Timeout => {
                if self.latency_ms.is_some_and(|ms| ms > MAX_FAULT_LATENCY_MS) {
                    return Err(bad(format!(
                        "latency_ms is over the maximum {MAX_FAULT_LATENCY_MS}"
                    )));
                }
                if self.status.is_some() || self.body.is_some() {
                    return Err(bad("status and body are for `error` faults".to_string()));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_times_parse_and_print() {
        assert_eq!(
            FaultTime::try_from("2026-01-01T09:00:00Z".to_string()),
            Ok(FaultTime::At(1_767_258_000_000))
        );
        assert_eq!(
            FaultTime::try_from("+10m".to_string()),
            Ok(FaultTime::AfterStart(600_000))
        );
        assert_eq!(
            FaultTime::try_from("90s".to_string()),
            Ok(FaultTime::AfterStart(90_000))
        );
        assert!(FaultTime::try_from("soon".to_string()).is_err());
        assert!(FaultTime::try_from("2026-13-01T00:00:00Z".to_string()).is_err());
        assert_eq!(String::from(FaultTime::AfterStart(-5)), "-5ms");
        assert_eq!(FaultTime::AfterStart(5).resolve(10), 15);
        assert_eq!(FaultTime::At(5).resolve(10), 5);
    }
}
