//! actsim-js's integration tests as one test binary: each module is one test file of this
//! folder. One binary per crate links once instead of once per file, which is most of the
//! test build's time (BENCHMARKS.md, "Build profiles"). Run one file's tests with
//! `cargo test -p actsim-js --test all FILE::` (e.g. `api_commands::`).

mod api_commands;
mod builtins;
mod cache;
mod catalog;
mod common;
mod compat_globals;
mod compat_modules;
mod console;
mod determinism;
mod event_fields;
mod failures;
mod fast_paths;
mod fetch_and_timers;
mod lazy_globals;
mod lone_surrogates;
mod module_lifecycle;
mod node_modules;
mod node_parity;
mod real_packages;
mod require_resolution;
mod sandbox;
mod trigger_apis;
mod triggers;
