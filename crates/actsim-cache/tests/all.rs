//! actsim-cache's integration tests as one test binary: each module is one test file of this
//! folder. One binary per crate links once instead of once per file, which is most of the
//! test build's time (BENCHMARKS.md, "Build profiles"). Run one file's tests with
//! `cargo test -p actsim-cache --test all FILE::` (e.g. `model::`).

mod model;
mod store;
