//! The value types passed to and returned from the store: [`CacheRecord`] (what `get` and a
//! successful `set` return) and [`SetOptions`] (the raw JS `options` of `set`).

use serde::{Deserialize, Serialize};

/// A stored record, as `api.cache.get` returns it: `{value, expires_at}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CacheRecord {
    /// The cached string.
    pub value: String,
    /// Absolute expiry in milliseconds since the Unix epoch; the record is visible while
    /// `now_ms <= expires_at`.
    pub expires_at: i64,
}

impl CacheRecord {
    /// Bytes this record counts toward `max_total_bytes` when stored under `key` (each counted
    /// by [`byte_len`](crate::byte_len)).
    pub fn size_with_key(&self, key: &str) -> usize {
        crate::byte_len(key).saturating_add(crate::byte_len(&self.value))
    }

    /// Whether the record is visible at `now_ms` (`expires_at >= now_ms`, inclusive).
    pub fn is_live(&self, now_ms: i64) -> bool {
        self.expires_at >= now_ms
    }
}

/// The `options` argument of `api.cache.set`, as raw JavaScript numbers: they may be NaN,
/// infinite, negative or fractional, and are validated by the store.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SetOptions {
    /// `options.ttl`: lifetime in milliseconds from now.
    pub ttl: Option<f64>,
    /// `options.expires_at`: absolute expiry in milliseconds since the Unix epoch.
    pub expires_at: Option<f64>,
}

impl SetOptions {
    /// Options with only `ttl` (milliseconds).
    pub fn ttl(ttl_ms: f64) -> Self {
        Self {
            ttl: Some(ttl_ms),
            expires_at: None,
        }
    }

    /// Options with only `expires_at` (milliseconds since the Unix epoch).
    pub fn expires_at(expires_at_ms: f64) -> Self {
        Self {
            ttl: None,
            expires_at: Some(expires_at_ms),
        }
    }
}
