//! The virtual clock shared by an instance's JS globals (`Date`, timers) and the cache.
//!
//! Real wall-clock time never enters a result: whoever drives the instances (the `run` command
//! or the simulator) moves this clock; JavaScript computation does not.

use std::cell::Cell;
use std::rc::Rc;

/// A handle to a virtual clock in milliseconds since the Unix epoch. Clones share the time.
#[derive(Clone, Debug)]
pub struct Clock(Rc<Cell<i64>>);

impl Clock {
    /// A clock set to `now_ms`.
    pub fn new(now_ms: i64) -> Self {
        Clock(Rc::new(Cell::new(now_ms)))
    }

    /// The current virtual time in ms since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        self.0.get()
    }

    /// Set the virtual time. Moving it backwards is allowed but unusual.
    pub fn set(&self, now_ms: i64) {
        self.0.set(now_ms);
    }

    /// Move the virtual time forward by `delta_ms`.
    pub fn advance(&self, delta_ms: i64) {
        self.0.set(self.0.get().saturating_add(delta_ms));
    }
}
