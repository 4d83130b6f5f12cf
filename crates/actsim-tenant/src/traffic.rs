//! Runtime state of quotas, the token rate limit and injected faults. Everything is computed from
//! `now_ms` and the order of requests: no clock, no randomness.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::config::{ClientConfig, TenantConfig};
use crate::http::HttpResponse;
use crate::limits::{FaultConfig, FaultKind, RateLimitConfig, DEFAULT_TIMEOUT_HOLD_MS};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// Counters of one client's quota windows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct QuotaCounter {
    hour: i64,
    hour_count: u64,
    day: i64,
    day_count: u64,
}

impl QuotaCounter {
    /// Starts new windows when `now_ms` is in a different UTC hour or day.
    fn roll(&mut self, now_ms: i64) {
        let hour = now_ms.div_euclid(HOUR_MS);
        let day = now_ms.div_euclid(DAY_MS);
        if hour != self.hour {
            self.hour = hour;
            self.hour_count = 0;
        }
        if day != self.day {
            self.day = day;
            self.day_count = 0;
        }
    }
}

/// One quota bucket's status, for the `Auth0-Client-Quota-Limit` header.
struct Bucket {
    name: &'static str,
    quota: u64,
    used: u64,
    /// Window end, ms since the epoch.
    reset_ms: i64,
}

impl Bucket {
    fn remaining(&self) -> u64 {
        self.quota.saturating_sub(self.used)
    }
    fn seconds_to_reset(&self, now_ms: i64) -> i64 {
        ceil_div(self.reset_ms.saturating_sub(now_ms), 1000).max(0)
    }
}

fn ceil_div(a: i64, b: i64) -> i64 {
    let q = a.div_euclid(b);
    if a.rem_euclid(b) == 0 {
        q
    } else {
        q + 1
    }
}

/// Token-bucket state of the rate limit (milli-requests, for exact integer refill).
#[derive(Clone, Debug, PartialEq, Eq)]
struct RateBucket {
    level_milli: u128,
    updated_ms: i64,
}

/// The result of checking one request against the faults.
#[derive(Debug, Default)]
pub(crate) struct FaultOutcome {
    /// Extra latency from `latency` faults.
    pub latency_ms: u64,
    /// Labels of the faults that applied, in order.
    pub labels: Vec<String>,
    /// The answer of an `error` or `timeout` fault, instead of the tenant's.
    pub answer: Option<HttpResponse>,
}

/// Mutable state behind quotas, the rate limit and faults.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Traffic {
    quotas: BTreeMap<String, QuotaCounter>,
    rate: Option<RateBucket>,
    fault_hits: Vec<u64>,
}

/// Result of a quota check that passed: the header to send, filled in after issuance.
pub(crate) struct QuotaPass {
    counted: bool,
}

impl Traffic {
    /// Takes one request from the rate-limit bucket. `Ok(headers)` when allowed (the
    /// `x-ratelimit-*` headers to add), `Err(429 response)` when the bucket is empty.
    pub(crate) fn take_rate_limit(
        &mut self,
        limit: Option<&RateLimitConfig>,
        now_ms: i64,
    ) -> Result<Vec<(String, String)>, HttpResponse> {
        let Some(limit) = limit else {
            return Ok(Vec::new());
        };
        let capacity = u128::from(limit.capacity()) * 1000;
        let rate = u128::from(limit.per_second.max(1));
        let bucket = self.rate.get_or_insert(RateBucket {
            level_milli: capacity,
            updated_ms: now_ms,
        });
        if now_ms > bucket.updated_ms {
            let elapsed = u128::from(now_ms.abs_diff(bucket.updated_ms));
            bucket.level_milli = capacity.min(bucket.level_milli.saturating_add(elapsed * rate));
            bucket.updated_ms = now_ms;
        }
        let allowed = bucket.level_milli >= 1000;
        if allowed {
            bucket.level_milli -= 1000;
        }
        let remaining = bucket.level_milli / 1000;
        let full_in_ms = (capacity - bucket.level_milli).div_ceil(rate);
        let reset_ms = now_ms.saturating_add(i64::try_from(full_in_ms).unwrap_or(i64::MAX));
        let headers = vec![
            (
                "x-ratelimit-limit".to_string(),
                limit.capacity().to_string(),
            ),
            ("x-ratelimit-remaining".to_string(), remaining.to_string()),
            (
                "x-ratelimit-reset".to_string(),
                ceil_div(reset_ms, 1000).to_string(),
            ),
        ];
        if allowed {
            return Ok(headers);
        }
        let next_in_ms = (1000 - bucket.level_milli).div_ceil(rate);
        let retry_after = i64::try_from(next_in_ms.div_ceil(1000))
            .unwrap_or(i64::MAX)
            .max(1);
        let mut resp = crate::token_endpoint::oauth_error(
            429,
            "too_many_requests",
            "Rate limit exceeded. Please retry after some time.",
        )
        .with_header("retry-after", retry_after.to_string());
        resp.headers.extend(headers);
        Err(resp)
    }

    fn buckets(counter: &QuotaCounter, client: &ClientConfig) -> Vec<Bucket> {
        let Some(quota) = &client.quota else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Some(q) = quota.per_hour {
            out.push(Bucket {
                name: "per_hour",
                quota: q,
                used: counter.hour_count,
                reset_ms: (counter.hour + 1).saturating_mul(HOUR_MS),
            });
        }
        if let Some(q) = quota.per_day {
            out.push(Bucket {
                name: "per_day",
                quota: q,
                used: counter.day_count,
                reset_ms: (counter.day + 1).saturating_mul(DAY_MS),
            });
        }
        out
    }

    fn quota_header(buckets: &[Bucket], now_ms: i64) -> String {
        buckets
            .iter()
            .map(|b| {
                format!(
                    "b={};q={};r={};t={}",
                    b.name,
                    b.quota,
                    b.remaining(),
                    b.seconds_to_reset(now_ms)
                )
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Checks `client`'s quota before issuing a token for `audience`. `Err(429)` when a bucket is
    /// used up.
    pub(crate) fn check_quota(
        &mut self,
        config: &TenantConfig,
        client: &ClientConfig,
        audience: &str,
        now_ms: i64,
    ) -> Result<QuotaPass, HttpResponse> {
        let Some(quota) = &client.quota else {
            return Ok(QuotaPass { counted: false });
        };
        if !quota.count_management_api && audience == config.management_audience() {
            return Ok(QuotaPass { counted: false });
        }
        let counter = self.quotas.entry(client.client_id.clone()).or_default();
        counter.roll(now_ms);
        let buckets = Self::buckets(counter, client);
        let exhausted: Vec<&Bucket> = buckets.iter().filter(|b| b.remaining() == 0).collect();
        let Some(worst) = exhausted.iter().max_by_key(|b| b.reset_ms) else {
            return Ok(QuotaPass { counted: true });
        };
        let retry_after = worst.seconds_to_reset(now_ms).max(1);
        Err(
            crate::token_endpoint::oauth_error(429, "too_many_requests", "Client quota exceeded")
                .with_header("retry-after", retry_after.to_string())
                .with_header("x-ratelimit-limit", worst.quota.to_string())
                .with_header("x-ratelimit-remaining", "0")
                .with_header(
                    "x-ratelimit-reset",
                    ceil_div(worst.reset_ms, 1000).to_string(),
                )
                .with_header(
                    "auth0-client-quota-limit",
                    Self::quota_header(&buckets, now_ms),
                ),
        )
    }

    /// Counts an issued token against the quota checked by [`Traffic::check_quota`]; returns the
    /// `Auth0-Client-Quota-Limit` value to send, if the token counted.
    pub(crate) fn record_quota(
        &mut self,
        pass: QuotaPass,
        client: &ClientConfig,
        now_ms: i64,
    ) -> Option<String> {
        if !pass.counted {
            return None;
        }
        let counter = self.quotas.entry(client.client_id.clone()).or_default();
        counter.roll(now_ms);
        counter.hour_count = counter.hour_count.saturating_add(1);
        counter.day_count = counter.day_count.saturating_add(1);
        Some(Self::quota_header(&Self::buckets(counter, client), now_ms))
    }

    /// Checks the request against every fault, in order.
    ///
    /// `client_of` is called at most once, and only when a fault matches on a client.
    pub(crate) fn apply_faults(
        &mut self,
        faults: &[FaultConfig],
        method: &str,
        path: &str,
        client_of: &mut dyn FnMut() -> Option<String>,
        now_ms: i64,
        start_ms: i64,
    ) -> FaultOutcome {
        let mut outcome = FaultOutcome::default();
        if self.fault_hits.len() < faults.len() {
            self.fault_hits.resize(faults.len(), 0);
        }
        let mut client: Option<Option<String>> = None;
        for (index, fault) in faults.iter().enumerate() {
            if fault.method.as_deref().is_some_and(|m| m != method)
                || !path.starts_with(&fault.path_prefix)
                || fault.from.is_some_and(|t| now_ms < t.resolve(start_ms))
                || fault.until.is_some_and(|t| now_ms >= t.resolve(start_ms))
            {
                continue;
            }
            if let Some(wanted) = &fault.client_id {
                let actual = client.get_or_insert_with(&mut *client_of);
                if actual.as_deref() != Some(wanted.as_str()) {
                    continue;
                }
            }
            let hits = &mut self.fault_hits[index];
            *hits = hits.saturating_add(1);
            if fault.times.is_some_and(|n| *hits > n) {
                continue;
            }
            let label = fault.label(index);
            match fault.kind {
                FaultKind::Latency => {
                    outcome.latency_ms = outcome
                        .latency_ms
                        .saturating_add(fault.latency_ms.unwrap_or(0));
                    outcome.labels.push(label);
                }
                FaultKind::Error => {
                    let status = fault.status.unwrap_or(500);
                    outcome.answer =
                        Some(error_response(status, fault.body.as_deref(), path, &label));
                    outcome.labels.push(label);
                    break;
                }
                FaultKind::Timeout => {
                    let mut resp = error_response(
                        504,
                        None,
                        path,
                        &format!("{label} (timeout: a real client gets no response)"),
                    );
                    resp.timeout = true;
                    resp.latency_ms = fault.latency_ms.unwrap_or(DEFAULT_TIMEOUT_HOLD_MS);
                    outcome.answer = Some(resp);
                    outcome.labels.push(label);
                    break;
                }
            }
        }
        outcome
    }
}

/// The standard reason phrase of the statuses a fault may use.
fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ if status < 500 => "Client Error",
        _ => "Server Error",
    }
}

/// The response of an `error` (or `timeout`) fault: the configured body, or an Auth0-style JSON
/// error (OAuth shape on `/oauth/token`, Management API shape elsewhere).
fn error_response(status: u16, body: Option<&str>, path: &str, label: &str) -> HttpResponse {
    if let Some(body) = body {
        let content_type = if serde_json::from_str::<Value>(body).is_ok() {
            "application/json"
        } else {
            "text/plain; charset=utf-8"
        };
        return HttpResponse {
            status,
            headers: vec![("content-type".to_string(), content_type.to_string())],
            body: body.as_bytes().to_vec(),
            ..HttpResponse::default()
        };
    }
    let message = format!("actsim injected fault {label}");
    if path.starts_with("/oauth/") {
        let error = match status {
            503 => "temporarily_unavailable",
            500..=599 => "server_error",
            429 => "too_many_requests",
            _ => "invalid_request",
        };
        crate::token_endpoint::oauth_error(status, error, &message)
    } else {
        HttpResponse::from_json(
            status,
            &json!({ "statusCode": status, "error": reason_phrase(status), "message": message }),
        )
    }
}
