//! actsim-sim's integration tests as one test binary: each module is one test file of this
//! folder. One binary per crate links once instead of once per file, which is most of the
//! test build's time (BENCHMARKS.md, "Build profiles"). Run one file's tests with
//! `cargo test -p actsim-sim --test all FILE::` (e.g. `determinism::`).

mod common;
mod determinism;
mod engine_steps;
mod expectations;
mod http_transport;
mod lazy_users;
mod model;
mod perturb;
mod placement;
mod quota;
mod redirects;
mod scenario_errors;
mod triggers;
mod warning_rules;
mod warnings;
