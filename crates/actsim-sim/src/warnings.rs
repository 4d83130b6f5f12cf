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

/// Watches what executions do and raises warnings. One detector per simulation (or `run`).
#[derive(Debug, Default)]
pub struct Detector {
    limits: actsim_cache::CacheLimits,
    /// `expires_in` values (seconds) of token responses seen by each instance.
    expires_in_seen: BTreeMap<u32, BTreeSet<i64>>,
    /// The latest token per instance, client and audience: when it was issued (ms) and its
    /// `exp` (seconds).
    tokens: BTreeMap<(u32, String, String), (i64, i64)>,
    /// Keys each login cached or read successfully before it yielded, while the login is in
    /// flight (tens of thousands wait at a redirect).
    before_yield: crate::yield_keys::YieldKeys,
    /// Every warning, in order.
    all: Vec<Warning>,
}

use std::collections::{BTreeMap, BTreeSet};

use actsim_js::{CacheOpKind, ExecutionReport};

/// How close to a limit counts as "near": three quarters of it.
const NEAR: f64 = 0.75;

/// How much of a token's life may be left when the same instance asks for a new one without a
/// `repeated_token_request` warning: refreshing early by a safety margin is correct code. The
/// slack is 5 minutes or a quarter of the token's lifetime, whichever is larger, so the fix the
/// warning suggests (`ttl: (expires_in - 60) * 1000`) never triggers it, for any lifetime.
pub fn repeated_token_slack_ms(lifetime_ms: i64) -> i64 {
    (5 * 60_000).max(lifetime_ms / 4)
}

impl Detector {
    /// A detector for caches with `limits`.
    pub fn new(limits: actsim_cache::CacheLimits) -> Detector {
        Detector {
            limits,
            ..Detector::default()
        }
    }

    fn raise(&mut self, w: Warning) -> Warning {
        self.all.push(w.clone());
        w
    }

    /// A token response (JSON body of `/oauth/token`) reached `instance`.
    pub fn token_response(&mut self, instance: u32, body: &str) {
        if let Some(expires_in) = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get("expires_in").and_then(serde_json::Value::as_i64))
        {
            self.expires_in_seen
                .entry(instance)
                .or_default()
                .insert(expires_in);
        }
    }

    /// The tenant issued a token (`exp` in seconds) for a request from `instance` at `now_ms`.
    pub fn token_issued(
        &mut self,
        now_ms: i64,
        instance: u32,
        login: Option<u64>,
        client: &str,
        audience: &str,
        exp: i64,
    ) -> Option<Warning> {
        let key = (instance, client.to_string(), audience.to_string());
        let (issued_ms, previous) = self.tokens.insert(key, (now_ms, exp))?;
        let left_ms = previous * 1000 - now_ms;
        if left_ms <= repeated_token_slack_ms(previous * 1000 - issued_ms) {
            return None;
        }
        Some(self.raise(Warning {
            kind: WarningKind::RepeatedTokenRequest,
            t: now_ms,
            login,
            instance: Some(instance),
            message: format!(
                "instance {instance} requested another token for {client} ({audience}) while its previous one was valid for {} more",
                human_ms(left_ms)
            ),
            fix: "keep the token until it expires: api.cache.set(key, token, { ttl: (expires_in - 60) * 1000 }) or a module-scope client".into(),
        }))
    }

    /// An execution ended on `instance`; `cache_total_bytes` is its cache's size afterwards.
    pub fn execution(
        &mut self,
        instance: u32,
        login: Option<u64>,
        report: &ExecutionReport,
        cache_total_bytes: usize,
    ) -> Vec<Warning> {
        let mut out = Vec::new();
        let seen = self
            .expires_in_seen
            .get(&instance)
            .cloned()
            .unwrap_or_default();
        let continuing = report.handler == "onContinuePostLogin";
        for op in &report.cache_ops {
            let at = op.at_ms;
            if op.op == CacheOpKind::Set {
                let stored = op.result == "success";
                if let Some(ttl) = op.ttl.filter(|t| stored && t.is_finite() && *t > 0.0) {
                    let ttl = ttl as i64;
                    if let Some(e) = seen.iter().find(|e| **e >= ttl && **e - ttl <= 600) {
                        out.push(self.raise(Warning {
                            kind: WarningKind::TtlInSeconds,
                            t: at,
                            login,
                            instance: Some(instance),
                            message: format!(
                                "api.cache.set('{}') with ttl {ttl}: the token's expires_in is {e} seconds, but ttl is in milliseconds, so the record lives {}",
                                op.key,
                                human_ms(ttl)
                            ),
                            fix: "multiply by 1000: { ttl: (expires_in - 60) * 1000 }".into(),
                        }));
                    }
                }
                let key_bytes = actsim_js::node_utf8_len(&op.key);
                let value_bytes = op.value_bytes.unwrap_or(0);
                let near_key = key_bytes as f64 > NEAR * self.limits.max_key_bytes as f64;
                let near_value = value_bytes as f64 > NEAR * self.limits.max_value_bytes as f64;
                if near_key || near_value {
                    let (what, size, max) = if near_key {
                        ("key", key_bytes, self.limits.max_key_bytes)
                    } else {
                        ("value", value_bytes, self.limits.max_value_bytes)
                    };
                    let over = size > max;
                    out.push(self.raise(Warning {
                        kind: WarningKind::NearLimit,
                        t: at,
                        login,
                        instance: Some(instance),
                        message: format!(
                            "api.cache.set('{}'): the {what} is {size} bytes, {} the {max}-byte limit",
                            short(&op.key),
                            if over { "over" } else { "near" }
                        ),
                        fix: if near_key {
                            "use a short fixed key, or hash the variable parts (e.g. a SHA-256 prefix of client and audience)".into()
                        } else {
                            "cache less: only the fields you need, not whole responses".into()
                        },
                    }));
                }
                if op.result == "CacheSizeExceeded" {
                    let record = key_bytes + value_bytes;
                    let why = if record > self.limits.max_total_bytes {
                        format!("this record alone ({record} bytes) is bigger than the whole cache ({} bytes)", self.limits.max_total_bytes)
                    } else {
                        format!(
                            "the trigger's cache is full ({} entries / {} bytes at most)",
                            self.limits.max_entries, self.limits.max_total_bytes
                        )
                    };
                    out.push(self.raise(Warning {
                        kind: WarningKind::NearLimit,
                        t: at,
                        login,
                        instance: Some(instance),
                        message: format!("api.cache.set('{}') failed with CacheSizeExceeded: {why}", short(&op.key)),
                        fix: "cache shared data under a few fixed keys; keep per-user data in user or transaction metadata".into(),
                    }));
                }
                if let (Some(jwt_exp), Some(expires_at)) = (op.jwt_exp, op.expires_at) {
                    if expires_at > jwt_exp * 1000 {
                        out.push(self.raise(Warning {
                            kind: WarningKind::JwtOutlivesRecord,
                            t: at,
                            login,
                            instance: Some(instance),
                            message: format!(
                                "api.cache.set('{}') keeps a JWT until {} after it expires: reads in that window get an expired token (401 from the API)",
                                short(&op.key),
                                human_ms(expires_at - jwt_exp * 1000)
                            ),
                            fix: "end the record before the token: { expires_at: exp * 1000 - 60000 } or check exp after get".into(),
                        }));
                    }
                }
            }
            if continuing && op.op == CacheOpKind::Get && op.result == "miss" {
                let cached_before = login.is_some_and(|l| self.before_yield.contains(l, &op.key));
                if cached_before {
                    out.push(self.raise(Warning {
                        kind: WarningKind::MissedAfterResume,
                        t: at,
                        login,
                        instance: Some(instance),
                        message: format!(
                            "'{}' was cached before the redirect but is missing after the resume on instance {instance}: the flow continued on an instance with a different cache",
                            short(&op.key)
                        ),
                        fix: "pass per-login data through api.transaction.setMetadata, and be ready to fetch shared data again after a resume".into(),
                    }));
                }
            }
            if !continuing {
                let kept = (op.op == CacheOpKind::Set && op.result == "success")
                    || (op.op == CacheOpKind::Get && op.result == "hit");
                if let (true, Some(l)) = (kept, login) {
                    self.before_yield.insert(l, &op.key);
                }
            }
        }
        for (key, code) in &report.unread_failed_sets {
            out.push(self.raise(Warning {
                kind: WarningKind::UnreadFailedSet,
                t: report.finished_at_ms,
                login,
                instance: Some(instance),
                message: format!("api.cache.set('{}') failed with {code} and the action never looked at the result", short(key)),
                fix: "check the result: const r = api.cache.set(...); if (r.type === 'error') console.log(r.code)".into(),
            }));
        }
        let total_near = cache_total_bytes as f64 > NEAR * self.limits.max_total_bytes as f64;
        if total_near
            && report
                .cache_ops
                .iter()
                .any(|o| o.op == CacheOpKind::Set && o.result == "success")
        {
            out.push(self.raise(Warning {
                kind: WarningKind::NearLimit,
                t: report.finished_at_ms,
                login,
                instance: Some(instance),
                message: format!(
                    "instance {instance}'s cache holds {cache_total_bytes} of {} bytes: the next writes will fail with CacheSizeExceeded",
                    self.limits.max_total_bytes
                ),
                fix: "cache less data under fewer keys".into(),
            }));
        }
        out
    }

    /// Forget what a finished login cached before yielding.
    pub fn login_ended(&mut self, login: u64) {
        self.before_yield.remove(login);
    }

    /// Every warning so far, in order.
    pub fn all(&self) -> &[Warning] {
        &self.all
    }

    /// Counts by kind with the first occurrence, in [`WarningKind::ALL`] order.
    pub fn summaries(&self) -> Vec<WarningSummary> {
        WarningKind::ALL
            .iter()
            .filter_map(|kind| {
                let mut of_kind = self.all.iter().filter(|w| w.kind == *kind);
                let first = of_kind.next()?.clone();
                Some(WarningSummary {
                    kind: *kind,
                    count: 1 + of_kind.count() as u64,
                    first,
                })
            })
            .collect()
    }
}

/// A key shortened for messages.
fn short(key: &str) -> String {
    if key.chars().count() <= 48 {
        key.to_string()
    } else {
        format!(
            "{}… ({} bytes)",
            key.chars().take(40).collect::<String>(),
            actsim_js::node_utf8_len(key)
        )
    }
}

/// A duration for messages: `86 s`, `15 min`, `23 h 59 min`.
fn human_ms(ms: i64) -> String {
    let s = ms / 1000;
    if s < 120 {
        format!("{s} s")
    } else if s < 7200 {
        format!("{} min", s / 60)
    } else {
        format!("{} h {} min", s / 3600, (s % 3600) / 60)
    }
}
