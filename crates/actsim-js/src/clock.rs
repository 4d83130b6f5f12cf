//! The virtual clock shared by an instance's JS globals (`Date`, timers) and the cache:
//! actsim's one clock type, [`actsim_time::VirtualClock`].
//!
//! Real wall-clock time never enters a result: whoever drives the instances (the `run` command
//! or the simulator) moves this clock; JavaScript computation does not.

/// A handle to the virtual clock in milliseconds since the Unix epoch. Clones share the time.
pub type Clock = actsim_time::VirtualClock;
