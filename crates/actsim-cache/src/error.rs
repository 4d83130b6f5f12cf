//! The cache error codes ([`CacheErrorCode`]) with their exact production spelling, a
//! one-sentence explanation for users, and parsing from the production string.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An `api.cache` error code, as returned in `{type: "error", code}`.
///
/// `Display`, `as_str` and serde all use the exact production spelling
/// (e.g. `"CacheKeySizeExceeded"`).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    thiserror::Error,
)]
pub enum CacheErrorCode {
    /// The execution queued more side-effect commands than allowed. Produced by the JS layer
    /// (per-execution write cap), never by [`crate::CacheStore`].
    #[error("MaxSideEffectsExceeded")]
    MaxSideEffectsExceeded,
    /// The key is longer than `max_key_bytes` UTF-8 bytes.
    #[error("CacheKeySizeExceeded")]
    CacheKeySizeExceeded,
    /// The value is longer than `max_value_bytes` UTF-8 bytes.
    #[error("CacheValueSizeExceeded")]
    CacheValueSizeExceeded,
    /// The write would exceed the total-bytes or entry-count limit.
    #[error("CacheSizeExceeded")]
    CacheSizeExceeded,
    /// The computed expiry is not after `now`.
    #[error("ItemAlreadyExpired")]
    ItemAlreadyExpired,
    /// `ttl` / `expires_at` is not finite, not a safe integer, or (policy `Reject`) too far.
    #[error("InvalidExpiry")]
    InvalidExpiry,
    /// The backend failed to persist the record (fault injection in this model).
    #[error("FailedToSetCacheRecord")]
    FailedToSetCacheRecord,
    /// The backend failed to delete the record (fault injection in this model).
    #[error("FailedToDeleteCacheRecord")]
    FailedToDeleteCacheRecord,
    /// `delete` of a key that is absent or expired.
    #[error("CacheKeyDoesNotExist")]
    CacheKeyDoesNotExist,
}

impl CacheErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [CacheErrorCode; 9] = [
        CacheErrorCode::MaxSideEffectsExceeded,
        CacheErrorCode::CacheKeySizeExceeded,
        CacheErrorCode::CacheValueSizeExceeded,
        CacheErrorCode::CacheSizeExceeded,
        CacheErrorCode::ItemAlreadyExpired,
        CacheErrorCode::InvalidExpiry,
        CacheErrorCode::FailedToSetCacheRecord,
        CacheErrorCode::FailedToDeleteCacheRecord,
        CacheErrorCode::CacheKeyDoesNotExist,
    ];

    /// The exact production spelling of the code.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::MaxSideEffectsExceeded => "MaxSideEffectsExceeded",
            Self::CacheKeySizeExceeded => "CacheKeySizeExceeded",
            Self::CacheValueSizeExceeded => "CacheValueSizeExceeded",
            Self::CacheSizeExceeded => "CacheSizeExceeded",
            Self::ItemAlreadyExpired => "ItemAlreadyExpired",
            Self::InvalidExpiry => "InvalidExpiry",
            Self::FailedToSetCacheRecord => "FailedToSetCacheRecord",
            Self::FailedToDeleteCacheRecord => "FailedToDeleteCacheRecord",
            Self::CacheKeyDoesNotExist => "CacheKeyDoesNotExist",
        }
    }

    /// One sentence for users: what causes this code (with production limits) and the fix.
    pub fn explain(&self) -> &'static str {
        match self {
            Self::MaxSideEffectsExceeded => {
                "the execution queued more side effects (such as cache writes) than one execution \
                 may make; write fewer keys per execution, e.g. combine values into one record"
            }
            Self::CacheKeySizeExceeded => {
                "the key is longer than 64 bytes (UTF-8, so non-ASCII characters count double or \
                 more); shorten it, e.g. hash the long parts of the key"
            }
            Self::CacheValueSizeExceeded => {
                "the value is longer than 4096 bytes (UTF-8); store less, e.g. only the fields you \
                 need instead of a whole response"
            }
            Self::CacheSizeExceeded => {
                "the trigger's cache is full (all keys plus values over 8192 bytes, or 20 \
                 entries); store fewer or smaller records and delete those you no longer need"
            }
            Self::ItemAlreadyExpired => {
                "the computed expiry is not in the future (ttl 0 or negative, or expires_at in \
                 the past); pass a positive ttl in milliseconds or a future expires_at"
            }
            Self::InvalidExpiry => {
                "ttl or expires_at is not a finite number or is out of range; pass a finite ttl in \
                 milliseconds (at most 24 hours) or expires_at as milliseconds since the epoch"
            }
            Self::FailedToSetCacheRecord => {
                "the runtime could not store the record (a transient backend failure); treat the \
                 cache as optional and continue without it"
            }
            Self::FailedToDeleteCacheRecord => {
                "the runtime could not delete the record (a transient backend failure); retry in \
                 a later execution or let the record expire"
            }
            Self::CacheKeyDoesNotExist => {
                "delete was called for a key that is not cached (never set, expired or evicted); \
                 ignore this error or check with get first"
            }
        }
    }
}

/// Error returned when parsing a string that is not a production cache error code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown cache error code {input:?}")]
pub struct ParseCacheErrorCodeError {
    /// The string that failed to parse.
    pub input: String,
}

impl FromStr for CacheErrorCode {
    type Err = ParseCacheErrorCodeError;

    /// Parses the exact (case-sensitive) production spelling.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|code| code.as_str() == s)
            .ok_or_else(|| ParseCacheErrorCodeError {
                input: s.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_display_parse_and_serde_agree() {
        let expected = [
            "MaxSideEffectsExceeded",
            "CacheKeySizeExceeded",
            "CacheValueSizeExceeded",
            "CacheSizeExceeded",
            "ItemAlreadyExpired",
            "InvalidExpiry",
            "FailedToSetCacheRecord",
            "FailedToDeleteCacheRecord",
            "CacheKeyDoesNotExist",
        ];
        for (code, name) in CacheErrorCode::ALL.into_iter().zip(expected) {
            assert_eq!(code.as_str(), name);
            assert_eq!(code.to_string(), name);
            assert_eq!(name.parse::<CacheErrorCode>(), Ok(code));
            assert_eq!(serde_json::to_string(&code).unwrap(), format!("\"{name}\""));
            assert_eq!(
                serde_json::from_str::<CacheErrorCode>(&format!("\"{name}\"")).unwrap(),
                code
            );
        }
    }

    #[test]
    fn all_lists_each_code_once() {
        let mut sorted = CacheErrorCode::ALL.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 9);
    }

    #[test]
    fn parse_is_exact() {
        for bad in ["", "cachekeysizeexceeded", "CacheKeySizeExceeded ", "Nope"] {
            let err = bad.parse::<CacheErrorCode>().unwrap_err();
            assert_eq!(err.input, bad);
            assert!(err.to_string().contains("unknown cache error code"));
        }
    }

    #[test]
    fn explanations_are_single_nonempty_sentences() {
        for code in CacheErrorCode::ALL {
            let text = code.explain();
            assert!(text.len() > 20, "{code}: {text}");
            assert!(!text.contains('\n'), "{code}");
            assert!(text.contains(';'), "{code} should say cause; fix");
        }
        assert!(CacheErrorCode::CacheKeySizeExceeded
            .explain()
            .contains("64 bytes"));
    }
}
