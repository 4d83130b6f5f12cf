//! Reading what users give the CLI: durations, instants, secrets files and event fixtures.

pub mod duration;
pub mod event;
pub mod instant;
pub mod secrets;
