//! The ranges every number of a scenario must lie in, so that no file can make the simulator
//! overflow its clock, loop at one instant, or allocate without bound. Each limit is far above
//! what a real scenario needs; docs/scenario.md lists them.

use crate::values::Dist;

/// The longest span of virtual time any duration may have: 3650 days (10 years).
pub const MAX_SPAN_MS: i64 = 3_650 * 86_400_000;

/// The latest virtual instant a scenario may reach: 9999-12-31T23:59:59.999Z.
pub const MAX_INSTANT_MS: i64 = 253_402_300_799_999;

/// The highest arrival rate: 1000 logins per second (the clock's resolution is 1 ms).
pub const MAX_RATE_PER_MS: f64 = 1.0;

/// The most logins one scenario may create (its `max_logins`, or what its rate and duration give).
pub const MAX_LOGINS: u64 = 10_000_000;

/// The most logins in one burst.
pub const MAX_BURST_SIZE: u32 = 100_000;

/// The most simulated users. A user costs nothing until their first login (their profile is
/// made from their number then), so this only keeps user numbers and ids within `u32`.
pub const MAX_USERS: u32 = 1_000_000_000;

/// Whether a duration (or a distribution's largest likely value) is within [`MAX_SPAN_MS`].
pub fn span_ok(ms: i64) -> bool {
    (0..=MAX_SPAN_MS).contains(&ms)
}

/// Whether every value `dist` can draw (an exponential's mean) is within [`MAX_SPAN_MS`].
pub fn dist_ok(dist: &Dist) -> bool {
    match *dist {
        Dist::Fixed(v) => span_ok(v),
        Dist::Uniform(lo, hi) => span_ok(lo) && span_ok(hi),
        Dist::Exponential(mean) => mean.is_finite() && mean > 0.0 && mean <= MAX_SPAN_MS as f64,
    }
}

/// The logins an arrival process creates over `duration_ms`, at most (before `max_logins`).
pub fn logins_upper_bound(bursts: Option<(u32, i64)>, rate_per_ms: f64, duration_ms: i64) -> f64 {
    match bursts {
        Some((size, every_ms)) => {
            f64::from(size) * ((duration_ms as f64 / every_ms.max(1) as f64).floor() + 1.0)
        }
        None => (rate_per_ms * duration_ms as f64).ceil() + 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_distributions_are_bounded() {
        assert!(span_ok(0) && span_ok(MAX_SPAN_MS));
        assert!(!span_ok(-1) && !span_ok(MAX_SPAN_MS + 1));
        assert!(dist_ok(&Dist::Uniform(0, 10)));
        assert!(!dist_ok(&Dist::Uniform(0, i64::MAX)));
        assert!(!dist_ok(&Dist::Exponential(f64::INFINITY)));
    }

    #[test]
    fn the_login_bound_counts_bursts_and_rates() {
        // 2 bursts of 10 in 1h every 30m, plus the one due at the start.
        assert_eq!(
            logins_upper_bound(Some((10, 1_800_000)), 0.0, 3_600_000),
            30.0
        );
        // 1000/s over 100 s: 100 000, plus one for rounding.
        assert_eq!(logins_upper_bound(None, 1.0, 100_000), 100_001.0);
    }
}
