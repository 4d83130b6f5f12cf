//! Limits and policy knobs of a cache store ([`CacheLimits`]), with the documented production
//! values as defaults, and the policies for the two behaviours production leaves unconfirmed
//! ([`OverMaxLifetime`], [`WhenFull`]).

use serde::{Deserialize, Serialize};

/// Largest integer a JavaScript number holds exactly (`Number.MAX_SAFE_INTEGER`, 2^53 - 1).
/// An expiry whose absolute value exceeds it is rejected with `InvalidExpiry`.
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// What `set` does when the resulting lifetime exceeds [`CacheLimits::max_lifetime_ms`].
/// Production behaviour is UNCONFIRMED; the docs only say items persist at most 24 hours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverMaxLifetime {
    /// Store the record anyway, with `expires_at = now + max_lifetime_ms` (default).
    #[default]
    Clamp,
    /// Refuse the write with `InvalidExpiry`.
    Reject,
}

/// What `set` does when a write would exceed the total-bytes or entry-count limit.
/// Production behaviour is UNCONFIRMED; the official harness returns `CacheSizeExceeded`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhenFull {
    /// Refuse the write with `CacheSizeExceeded` (default, as the harness).
    #[default]
    Reject,
    /// Evict other records, soonest `expires_at` first (ties: smaller key), until the write
    /// fits; `CacheSizeExceeded` if it cannot fit even with every other record evicted.
    EvictSoonestExpiring,
}

/// Limits and policy knobs of one cache store. `Default` gives the documented production
/// values (see the crate README for sources).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheLimits {
    /// Maximum key length in bytes, counted as [`byte_len`](crate::byte_len) counts them
    /// (production: 64).
    pub max_key_bytes: usize,
    /// Maximum value length in bytes, counted as [`byte_len`](crate::byte_len) counts them
    /// (production: 4096).
    pub max_value_bytes: usize,
    /// Maximum sum of key + value bytes over all live records (production docs: 8192).
    pub max_total_bytes: usize,
    /// Maximum number of live records (production docs: 20).
    pub max_entries: usize,
    /// Lifetime used when neither `ttl` nor `expires_at` is given (production: 15 minutes).
    pub default_ttl_ms: i64,
    /// Maximum lifetime of a record (production docs: 24 hours).
    pub max_lifetime_ms: i64,
    /// What to do with a lifetime above `max_lifetime_ms` (default: clamp).
    pub over_max_lifetime: OverMaxLifetime,
    /// What to do when the store is full (default: reject).
    pub when_full: WhenFull,
    /// Whether the live record being overwritten still counts toward `max_total_bytes`
    /// during the capacity check (default: true, as the official harness).
    pub count_replaced_entry: bool,
}

impl CacheLimits {
    /// Production maximum key length in bytes.
    pub const PRODUCTION_MAX_KEY_BYTES: usize = 64;
    /// Production maximum value length in bytes.
    pub const PRODUCTION_MAX_VALUE_BYTES: usize = 4096;
    /// Production maximum total of key + value bytes.
    pub const PRODUCTION_MAX_TOTAL_BYTES: usize = 8192;
    /// Production maximum number of entries per trigger.
    pub const PRODUCTION_MAX_ENTRIES: usize = 20;
    /// Production default lifetime: 15 minutes.
    pub const PRODUCTION_DEFAULT_TTL_MS: i64 = 15 * 60 * 1000;
    /// Production maximum lifetime: 24 hours.
    pub const PRODUCTION_MAX_LIFETIME_MS: i64 = 24 * 60 * 60 * 1000;
}

impl Default for CacheLimits {
    fn default() -> Self {
        Self {
            max_key_bytes: Self::PRODUCTION_MAX_KEY_BYTES,
            max_value_bytes: Self::PRODUCTION_MAX_VALUE_BYTES,
            max_total_bytes: Self::PRODUCTION_MAX_TOTAL_BYTES,
            max_entries: Self::PRODUCTION_MAX_ENTRIES,
            default_ttl_ms: Self::PRODUCTION_DEFAULT_TTL_MS,
            max_lifetime_ms: Self::PRODUCTION_MAX_LIFETIME_MS,
            over_max_lifetime: OverMaxLifetime::Clamp,
            when_full: WhenFull::Reject,
            count_replaced_entry: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_production_values() {
        let l = CacheLimits::default();
        assert_eq!(l.max_key_bytes, 64);
        assert_eq!(l.max_value_bytes, 4096);
        assert_eq!(l.max_total_bytes, 8192);
        assert_eq!(l.max_entries, 20);
        assert_eq!(l.default_ttl_ms, 900_000);
        assert_eq!(l.max_lifetime_ms, 86_400_000);
        assert_eq!(l.over_max_lifetime, OverMaxLifetime::Clamp);
        assert_eq!(l.when_full, WhenFull::Reject);
        assert!(l.count_replaced_entry);
    }

    #[test]
    fn deserialize_fills_missing_fields_with_defaults() {
        let l: CacheLimits =
            serde_json::from_str(r#"{"max_entries": 5, "when_full": "evict_soonest_expiring"}"#)
                .unwrap();
        assert_eq!(l.max_entries, 5);
        assert_eq!(l.when_full, WhenFull::EvictSoonestExpiring);
        assert_eq!(l.max_key_bytes, 64);
        let l: CacheLimits = serde_json::from_str(r#"{"over_max_lifetime": "reject"}"#).unwrap();
        assert_eq!(l.over_max_lifetime, OverMaxLifetime::Reject);
    }

    #[test]
    fn deserialize_rejects_unknown_fields_and_bad_policy_names() {
        assert!(serde_json::from_str::<CacheLimits>(r#"{"max_entrys": 5}"#).is_err());
        assert!(serde_json::from_str::<CacheLimits>(r#"{"when_full": "Reject"}"#).is_err());
    }

    #[test]
    fn serialize_round_trips() {
        let l = CacheLimits {
            when_full: WhenFull::EvictSoonestExpiring,
            count_replaced_entry: false,
            ..CacheLimits::default()
        };
        let json = serde_json::to_string(&l).unwrap();
        assert!(json.contains(r#""when_full":"evict_soonest_expiring""#));
        assert_eq!(serde_json::from_str::<CacheLimits>(&json).unwrap(), l);
    }
}
