//! actsim-cli's integration tests as one test binary: each module is one test file of this
//! folder. One binary per crate links once instead of once per file, which is most of the
//! test build's time (BENCHMARKS.md, "Build profiles"). Run one file's tests with
//! `cargo test -p actsim-cli --test all FILE::` (e.g. `explore::`).

mod common;
mod explore;
mod fast_paths;
mod hostile;
mod html_report;
mod init;
mod junit_json;
mod lesson_page;
mod lessons;
mod run_caching;
mod run_failures;
mod run_mocks;
mod run_triggers;
mod serve;
mod simulate;
mod watch;
