//! Resolution of a record's `expires_at` from the raw `ttl` / `expires_at` options: steps 4–8
//! of the `set` validation order (see [`crate::CacheStore::set`]).
//!
//! All arithmetic is done on `i128` with saturation, so any finite `f64` input (even `1e300`)
//! is handled without overflow or panic; out-of-range results end as `InvalidExpiry` or
//! `ItemAlreadyExpired` exactly as the JavaScript number arithmetic would.

use crate::{CacheErrorCode, CacheLimits, OverMaxLifetime, SetOptions, MAX_SAFE_INTEGER};

/// `Math.floor(x)` for a finite `x`, as an integer. Values beyond the `i128` range saturate,
/// which keeps their ordering against any reachable `now` and lands them in the same error.
fn floor_to_i128(x: f64) -> i128 {
    // Float-to-int `as` casts saturate in Rust; `x` is finite here.
    x.floor() as i128
}

/// Computes the expiry of a record written at `now_ms` with `opts`, or the error code.
pub(crate) fn resolve_expiry(
    opts: &SetOptions,
    limits: &CacheLimits,
    now_ms: i64,
) -> Result<i64, CacheErrorCode> {
    let now = i128::from(now_ms);
    let mut expires: Option<i128> = None;

    // Step 4: ttl.
    if let Some(ttl) = opts.ttl {
        if !ttl.is_finite() {
            return Err(CacheErrorCode::InvalidExpiry);
        }
        expires = Some(now.saturating_add(floor_to_i128(ttl)));
    }
    // Step 5: expires_at; with both, the earlier wins.
    if let Some(at) = opts.expires_at {
        if !at.is_finite() {
            return Err(CacheErrorCode::InvalidExpiry);
        }
        let at = floor_to_i128(at);
        expires = Some(expires.map_or(at, |e| e.min(at)));
    }
    // Step 6: default lifetime.
    let mut expires =
        expires.unwrap_or_else(|| now.saturating_add(i128::from(limits.default_ttl_ms)));

    // Step 7: must be in the future.
    if expires <= now {
        return Err(CacheErrorCode::ItemAlreadyExpired);
    }
    // Step 8: safe integer, then maximum lifetime.
    if expires.unsigned_abs() > MAX_SAFE_INTEGER.unsigned_abs().into() {
        return Err(CacheErrorCode::InvalidExpiry);
    }
    let max_lifetime = i128::from(limits.max_lifetime_ms);
    if expires - now > max_lifetime {
        match limits.over_max_lifetime {
            OverMaxLifetime::Reject => return Err(CacheErrorCode::InvalidExpiry),
            OverMaxLifetime::Clamp => expires = now + max_lifetime,
        }
        // Only reachable with a non-positive configured max lifetime.
        if expires <= now {
            return Err(CacheErrorCode::ItemAlreadyExpired);
        }
    }
    // `now < expires <= MAX_SAFE_INTEGER`, so this always fits; map defensively anyway.
    i64::try_from(expires).map_err(|_| CacheErrorCode::InvalidExpiry)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000;

    fn resolve(ttl: Option<f64>, expires_at: Option<f64>) -> Result<i64, CacheErrorCode> {
        resolve_expiry(
            &SetOptions { ttl, expires_at },
            &CacheLimits::default(),
            NOW,
        )
    }

    #[test]
    fn huge_values_do_not_overflow() {
        use CacheErrorCode::*;
        assert_eq!(resolve(Some(1e300), None), Err(InvalidExpiry));
        assert_eq!(resolve(Some(f64::MAX), None), Err(InvalidExpiry));
        assert_eq!(resolve(Some(-1e300), None), Err(ItemAlreadyExpired));
        assert_eq!(resolve(Some(-f64::MAX), None), Err(ItemAlreadyExpired));
        assert_eq!(resolve(None, Some(1e300)), Err(InvalidExpiry));
        assert_eq!(resolve(None, Some(-1e300)), Err(ItemAlreadyExpired));
        assert_eq!(resolve(Some(1e300), Some(1e301)), Err(InvalidExpiry));
        // A huge ttl is fine when a sane expires_at is earlier.
        assert_eq!(resolve(Some(1e300), Some((NOW + 5) as f64)), Ok(NOW + 5));
    }

    #[test]
    fn extreme_now_does_not_overflow() {
        let limits = CacheLimits::default();
        for now in [i64::MIN, i64::MIN + 1, -1, 0, i64::MAX - 1, i64::MAX] {
            for ttl in [None, Some(1.0), Some(-1.0), Some(1e300), Some(-1e300)] {
                let r = resolve_expiry(
                    &SetOptions {
                        ttl,
                        expires_at: None,
                    },
                    &limits,
                    now,
                );
                if let Ok(e) = r {
                    assert!(e > now && e.abs() <= MAX_SAFE_INTEGER);
                }
            }
        }
    }

    #[test]
    fn safe_integer_boundary() {
        let limits = CacheLimits {
            max_lifetime_ms: i64::MAX,
            ..CacheLimits::default()
        };
        let at = |x: f64| resolve_expiry(&SetOptions::expires_at(x), &limits, NOW);
        assert_eq!(at(MAX_SAFE_INTEGER as f64), Ok(MAX_SAFE_INTEGER));
        assert_eq!(
            at(9_007_199_254_740_992.0),
            Err(CacheErrorCode::InvalidExpiry)
        );
    }

    #[test]
    fn non_positive_max_lifetime_with_clamp_is_already_expired() {
        let limits = CacheLimits {
            max_lifetime_ms: 0,
            ..CacheLimits::default()
        };
        assert_eq!(
            resolve_expiry(&SetOptions::ttl(10.0), &limits, NOW),
            Err(CacheErrorCode::ItemAlreadyExpired)
        );
    }
}
