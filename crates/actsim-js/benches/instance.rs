//! Criterion benchmarks of one instance, without the simulator or the CLI around it (figures
//! in BENCHMARKS.md): creating a fresh instance (runtime, realm, prelude), with and without
//! dropping it in the timed part; the same plus loading the action's module and its first
//! execution (a one-claim action; bench/actions/requires-only.js, whose module loads the
//! `auth0` and `jwt-decode` stand-ins and whose handler sets one claim; and the cache-hit
//! action, which loads the same modules and also decodes the cached token and reads the
//! virtual `Date`); and a warm execution of the cache-hit handler
//! (`bench/actions/cache-hit.js`) with the token already cached. "drop not timed" uses
//! criterion's `iter_with_large_drop`: the instances are freed after the timed loop.
//!
//! `cargo bench -p actsim-js --bench instance`

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use actsim_cache::{CacheLimits, CacheStore, SetOptions};
use actsim_js::{
    ActionSource, Clock, ExecutionSpec, Instance, InstanceConfig, Phase, PreparedEvent,
    SharedCache, Trigger,
};
use criterion::{criterion_group, criterion_main, Criterion};

/// The allocator of the `actsim` binary (mimalloc behind `malloc`, which Rust's `System`
/// allocator and QuickJS call), so that the figures are those of the shipped program.
#[global_allocator]
static GLOBAL: std::alloc::System = std::alloc::System;
use mimalloc as _;

const START_MS: i64 = 1_767_258_000_000;
const MINIMAL: &str = "exports.onExecutePostLogin = async (event, api) => {\n  api.idToken.setCustomClaim('https://actsim.dev/checked', true);\n};\n";

fn repo_file(path: &str) -> String {
    let full = format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn spec(event: &PreparedEvent, cache: &SharedCache) -> ExecutionSpec {
    let secrets: BTreeMap<String, String> = [
        ("domain", "dev-actsim.eu.auth0.com"),
        ("clientID", "abcdefghijklmnopqrstuvwxyz012345"),
        ("clientSecret", "not-a-real-secret"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    ExecutionSpec {
        trigger: Trigger::PostLogin,
        phase: Phase::Execute,
        event: event.clone(),
        secrets: secrets.into(),
        cache: cache.clone(),
    }
}

/// A token shaped like the mock tenant's (RS256, about 800 bytes) that expires in 2100.
fn long_lived_token() -> String {
    use base64::Engine;
    let enc = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let header = enc(r#"{"typ":"JWT","alg":"RS256","kid":"actsim-dev-key-1"}"#);
    let payload = enc(
        r#"{"iss":"https://dev-actsim.eu.auth0.com/","sub":"abcdefghijklmnopqrstuvwxyz012345@clients","aud":"https://dev-actsim.eu.auth0.com/api/v2/","iat":1767258000,"exp":4102444800,"scope":"read:users update:users read:roles","gty":"client-credentials","azp":"abcdefghijklmnopqrstuvwxyz012345"}"#,
    );
    format!("{header}.{payload}.{}", "s".repeat(342))
}

fn run_once(instance: &mut Instance, spec: ExecutionSpec) {
    instance.start(spec).expect("the execution starts");
    let reports = instance.take_finished();
    assert!(
        reports.len() == 1 && !reports[0].failed(),
        "the execution completes: {reports:?}"
    );
}

fn benches(c: &mut Criterion) {
    let event: PreparedEvent =
        serde_json::from_str::<serde_json::Value>(&repo_file("fixtures/events/post-login.json"))
            .expect("the fixture event is JSON")
            .into();
    let clock = Clock::new(START_MS);
    let new_cache =
        || -> SharedCache { Rc::new(RefCell::new(CacheStore::new(CacheLimits::default()))) };

    let fresh = |name: &str, source: &str| {
        Instance::new(
            ActionSource::new(name, source),
            clock.clone(),
            InstanceConfig::default(),
        )
        .expect("the instance starts")
    };
    // A cache holding a long-lived token, so that cache-hit.js never fetches one.
    let cached_token_cache = || {
        let cache = new_cache();
        cache
            .borrow_mut()
            .set(
                "management-api-token",
                &long_lived_token(),
                &SetOptions {
                    ttl: Some(86_400_000.0),
                    expires_at: None,
                },
                START_MS,
            )
            .expect("the token fits");
        cache
    };
    let cache_hit_source = repo_file("bench/actions/cache-hit.js");

    c.bench_function("instance: new + drop", |b| {
        b.iter(|| fresh("minimal.js", MINIMAL))
    });

    c.bench_function("instance: new + first execution + drop", |b| {
        let cache = new_cache();
        b.iter(|| {
            let mut instance = fresh("minimal.js", MINIMAL);
            run_once(&mut instance, spec(&event, &cache));
        })
    });

    c.bench_function("instance: new (drop not timed)", |b| {
        b.iter_with_large_drop(|| fresh("minimal.js", MINIMAL))
    });

    c.bench_function("instance: new + first execution (drop not timed)", |b| {
        let cache = new_cache();
        b.iter_with_large_drop(|| {
            let mut instance = fresh("minimal.js", MINIMAL);
            run_once(&mut instance, spec(&event, &cache));
            instance
        })
    });

    // The issue's "fresh instance (runtime + realm + action loaded)" for the article's
    // action: its module, with the `auth0` and `jwt-decode` stand-ins, loads on the first
    // execution (as in production), whose handler then only sets one claim.
    let requires_only_source = repo_file("bench/actions/requires-only.js");
    c.bench_function(
        "instance: new + the article's modules loaded (requires-only.js, drop not timed)",
        |b| {
            let cache = new_cache();
            b.iter_with_large_drop(|| {
                let mut instance = fresh("requires-only.js", &requires_only_source);
                run_once(&mut instance, spec(&event, &cache));
                instance
            })
        },
    );

    c.bench_function(
        "instance: new + first execution of cache-hit.js (drop not timed)",
        |b| {
            let cache = cached_token_cache();
            b.iter_with_large_drop(|| {
                let mut instance = fresh("cache-hit.js", &cache_hit_source);
                run_once(&mut instance, spec(&event, &cache));
                instance
            })
        },
    );

    c.bench_function("execution: cache-hit handler, warm instance", |b| {
        let cache = cached_token_cache();
        let mut instance = fresh("cache-hit.js", &cache_hit_source);
        b.iter(|| run_once(&mut instance, spec(&event, &cache)))
    });
}

criterion_group!(instance, benches);
criterion_main!(instance);
