//! Time sources for transports that serve the tenant.
//!
//! [`crate::Tenant::handle`] never reads a clock: its caller passes `now_ms`. A transport that
//! serves real clients (the HTTP server, `actsim serve`) asks a [`Clock`] for that value on
//! every request. The simulator drives a [`Clock::Virtual`] value itself;
//! `Clock::from(actsim_time::VirtualClock)` reads actsim's one virtual clock, the one the
//! JavaScript host reads.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Anything that can tell the time in milliseconds since the Unix epoch.
pub trait TimeSource: Send + Sync {
    /// The current time, in milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// Where a transport takes `now_ms` from.
///
/// ```
/// use actsim_tenant::clock::{Clock, TimeSource};
///
/// assert_eq!(Clock::Frozen(1_700_000_000_000).now_ms(), 1_700_000_000_000);
///
/// let (clock, handle) = Clock::virtual_at(1_000);
/// handle.store(61_000, std::sync::atomic::Ordering::SeqCst); // the simulator advances time
/// assert_eq!(clock.now_ms(), 61_000);
/// ```
#[derive(Clone, Default)]
pub enum Clock {
    /// The machine's real clock.
    #[default]
    System,
    /// Always this instant (ms since the Unix epoch).
    Frozen(i64),
    /// The real clock shifted by this many milliseconds (negative = in the past).
    Offset(i64),
    /// A shared value that someone else (a simulator, a test) sets; read on every request.
    Virtual(Arc<AtomicI64>),
    /// Any other time source.
    Custom(Arc<dyn TimeSource>),
}

impl Clock {
    /// A [`Clock::Virtual`] starting at `start_ms`, and the handle that moves it.
    pub fn virtual_at(start_ms: i64) -> (Clock, Arc<AtomicI64>) {
        let value = Arc::new(AtomicI64::new(start_ms));
        (Clock::Virtual(Arc::clone(&value)), value)
    }

    /// A short description for humans: `real clock`, `frozen at 2026-01-01T09:00:00.000Z`,
    /// `real clock + 3600000 ms`, `virtual clock`, `custom clock`.
    pub fn describe(&self) -> String {
        match self {
            Clock::System => "real clock".to_string(),
            Clock::Frozen(ms) => format!("frozen at {}", crate::time_fmt::iso8601_utc_millis(*ms)),
            Clock::Offset(ms) if *ms >= 0 => format!("real clock + {ms} ms"),
            Clock::Offset(ms) => format!("real clock - {} ms", ms.unsigned_abs()),
            Clock::Virtual(_) => "virtual clock".to_string(),
            Clock::Custom(_) => "custom clock".to_string(),
        }
    }
}

/// Milliseconds since the Unix epoch from the system clock (negative before 1970, saturating).
pub fn system_now_ms() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_millis()).map_or(i64::MIN, |ms| -ms),
    }
}

impl TimeSource for Clock {
    fn now_ms(&self) -> i64 {
        match self {
            Clock::System => system_now_ms(),
            Clock::Frozen(ms) => *ms,
            Clock::Offset(offset) => system_now_ms().saturating_add(*offset),
            Clock::Virtual(value) => value.load(Ordering::SeqCst),
            Clock::Custom(source) => source.now_ms(),
        }
    }
}

/// A transport reading actsim's virtual clock (the one the JavaScript host reads).
impl From<actsim_time::VirtualClock> for Clock {
    fn from(clock: actsim_time::VirtualClock) -> Self {
        Clock::Virtual(clock.shared())
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Clock::Virtual(value) => write!(f, "Virtual({})", value.load(Ordering::SeqCst)),
            other => f.write_str(&other.describe()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;
    impl TimeSource for Fixed {
        fn now_ms(&self) -> i64 {
            42
        }
    }

    #[test]
    fn each_kind_reads_its_source() {
        let before = system_now_ms();
        let real = Clock::System.now_ms();
        assert!(real >= before && real - before < 60_000);
        assert_eq!(Clock::Frozen(7).now_ms(), 7);
        let shifted = Clock::Offset(3_600_000).now_ms() - system_now_ms();
        assert!((3_590_000..=3_600_000).contains(&shifted), "{shifted}");
        let (clock, handle) = Clock::virtual_at(5);
        assert_eq!(clock.now_ms(), 5);
        handle.store(9, Ordering::SeqCst);
        assert_eq!(clock.clone().now_ms(), 9);
        assert_eq!(Clock::Custom(Arc::new(Fixed)).now_ms(), 42);
        assert_eq!(Clock::Offset(i64::MAX).now_ms(), i64::MAX);
        let shared = actsim_time::VirtualClock::new(11);
        let clock = Clock::from(shared.clone());
        shared.advance(1);
        assert_eq!(clock.now_ms(), 12);
    }

    #[test]
    fn descriptions() {
        assert_eq!(Clock::System.describe(), "real clock");
        assert_eq!(
            Clock::Frozen(0).describe(),
            "frozen at 1970-01-01T00:00:00.000Z"
        );
        assert_eq!(Clock::Offset(-5).describe(), "real clock - 5 ms");
        assert_eq!(format!("{:?}", Clock::virtual_at(3).0), "Virtual(3)");
    }
}
