//! actsim's virtual clock: milliseconds since the Unix epoch that only whoever drives a run
//! moves. The JavaScript host's `Date`, timers and cache TTLs read it (`actsim_js::Clock` is this
//! type), and the mock tenant's transports can read the same value
//! (`actsim_tenant::Clock::from(clock)`): one clock for everything in a simulation.
//!
//! Real wall-clock time never enters it; JavaScript computation does not move it.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// A handle to a virtual clock in milliseconds since the Unix epoch. Clones share the time
/// (also across threads, for transports that serve the tenant over real HTTP).
#[derive(Clone, Debug)]
pub struct VirtualClock(Arc<AtomicI64>);

impl VirtualClock {
    /// A clock set to `now_ms`.
    pub fn new(now_ms: i64) -> Self {
        VirtualClock(Arc::new(AtomicI64::new(now_ms)))
    }

    /// The current virtual time in ms since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Set the virtual time. Moving it backwards is allowed but unusual.
    pub fn set(&self, now_ms: i64) {
        self.0.store(now_ms, Ordering::Relaxed);
    }

    /// Move the virtual time forward by `delta_ms`.
    pub fn advance(&self, delta_ms: i64) {
        self.set(self.now_ms().saturating_add(delta_ms));
    }

    /// The shared value itself, for readers that take an `Arc<AtomicI64>`.
    pub fn shared(&self) -> Arc<AtomicI64> {
        Arc::clone(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_time() {
        let clock = VirtualClock::new(1_000);
        let other = clock.clone();
        other.advance(500);
        assert_eq!(clock.now_ms(), 1_500);
        clock.set(10);
        assert_eq!(other.now_ms(), 10);
        clock.advance(i64::MAX);
        assert_eq!(other.now_ms(), i64::MAX);
        clock.shared().store(7, Ordering::SeqCst);
        assert_eq!(other.now_ms(), 7);
    }
}
