//! Reading what users give the CLI: durations and instants. Secrets and event files are read by
//! actsim-sim's `inputs` module (shared with scenarios); their errors become diagnostics here.

pub mod duration;
pub mod instant;
