//! Throwaway timing of fresh instances: `Instance::new` and drop of a trivial action, with and
//! without one execution. CPU time of this thread (less sensitive to other load than wall time).
//!
//! `cargo run --release -p actsim-js --example instance_bench [N] [ROUNDS]`; with `ONLY=new` or
//! `ONLY=exec` it only creates (and runs once) N instances, for instruction counts:
//! `valgrind --tool=cachegrind --cache-sim=no` at two values of N.
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use actsim_js::*;

const CODE: &str = "exports.onExecutePostLogin = async () => {};";

#[repr(C)]
struct Timespec {
    sec: i64,
    nsec: i64,
}
extern "C" {
    fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
}
/// CPU time of the calling thread, in µs.
fn cpu_us() -> f64 {
    let mut ts = Timespec { sec: 0, nsec: 0 };
    // SAFETY: CLOCK_THREAD_CPUTIME_ID (3) with a valid out pointer.
    unsafe { clock_gettime(3, &mut ts) };
    ts.sec as f64 * 1e6 + ts.nsec as f64 / 1e3
}

fn spec(cache: &SharedCache) -> ExecutionSpec {
    ExecutionSpec {
        trigger: Trigger::PostLogin,
        phase: Phase::Execute,
        event: serde_json::json!({"user": {"user_id": "auth0|1"}, "request": {"ip": "1.2.3.4"}})
            .into(),
        secrets: BTreeMap::new(),
        cache: cache.clone(),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(500);
    let rounds: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let clock = Clock::new(1_767_258_000_000);
    let cache: SharedCache = Rc::new(RefCell::new(actsim_cache::CacheStore::new(
        Default::default(),
    )));
    let new = || {
        Instance::new(
            ActionSource::new("action.js", CODE),
            clock.clone(),
            InstanceConfig::default(),
        )
        .unwrap()
    };
    if let Ok(mode) = std::env::var("ONLY") {
        // For instruction counts (valgrind): N instances and nothing else.
        for _ in 0..n {
            let mut i = new();
            if mode == "exec" {
                i.start(spec(&cache)).unwrap();
                assert_eq!(i.take_finished().len(), 1);
            }
            drop(i);
        }
        return;
    }
    for _ in 0..50 {
        drop(new());
    }
    // [new, drop, new, exec, drop] per round, µs per instance
    let mut rows: Vec<[f64; 5]> = Vec::new();
    for _ in 0..rounds {
        let mut r = [0.0; 5];
        for _ in 0..n {
            let t0 = cpu_us();
            let i = new();
            let t1 = cpu_us();
            drop(i);
            let t2 = cpu_us();
            r[0] += t1 - t0;
            r[1] += t2 - t1;
        }
        for _ in 0..n {
            let t0 = cpu_us();
            let mut i = new();
            let t1 = cpu_us();
            i.start(spec(&cache)).unwrap();
            let f = i.take_finished();
            assert!(f.len() == 1 && !f[0].failed(), "{f:?}");
            let t2 = cpu_us();
            drop(i);
            let t3 = cpu_us();
            r[2] += t1 - t0;
            r[3] += t2 - t1;
            r[4] += t3 - t2;
        }
        for x in &mut r {
            *x /= n as f64;
        }
        println!(
            "new+drop {:5.0} µs (new {:5.0}, drop {:4.0}) | new+exec+drop {:5.0} µs (new {:5.0}, exec {:4.0}, drop {:4.0})",
            r[0] + r[1], r[0], r[1], r[2] + r[3] + r[4], r[2], r[3], r[4]
        );
        rows.push(r);
    }
    let best = |f: &dyn Fn(&[f64; 5]) -> f64| rows.iter().map(f).fold(f64::MAX, f64::min);
    println!(
        "best round: new+drop {:.0} µs, new+exec+drop {:.0} µs (thread CPU time, N={n})",
        best(&|r| r[0] + r[1]),
        best(&|r| r[2] + r[3] + r[4])
    );
}
