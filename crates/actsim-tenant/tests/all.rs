//! actsim-tenant's integration tests as one test binary: each module is one test file of this
//! folder. One binary per crate links once instead of once per file, which is most of the
//! test build's time (BENCHMARKS.md, "Build profiles"). Run one file's tests with
//! `cargo test -p actsim-tenant --test all FILE::` (e.g. `config::`).

mod common;
mod config;
mod discovery_roles_email;
mod docs;
mod faults;
#[cfg(feature = "http")]
mod http_adapter;
mod jwks;
mod management_api;
mod management_lists;
mod quotas;
mod robustness;
mod signing_memo;
mod token_endpoint;
