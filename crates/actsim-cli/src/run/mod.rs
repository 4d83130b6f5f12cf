//! `actsim run`: one action, one event, every side effect shown.

pub mod driver;
pub mod render;
pub mod report;
