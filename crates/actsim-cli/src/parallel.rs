//! Independent jobs on worker threads, results delivered in order.
//!
//! QuickJS runtimes cannot move between threads, so each worker runs whole simulations (and
//! makes its own runtimes); only plain data crosses threads: the job's index going in, its
//! result coming out. Results reach the caller in index order whatever the number of workers,
//! so output never depends on `--jobs`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;

/// The default number of workers: the machine's cores.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// What to run and when to stop taking new jobs.
pub struct Plan<'a> {
    /// Workers (at least 1).
    pub jobs: usize,
    /// Jobs 0..limit, or unbounded until `stop` says so.
    pub limit: Option<u64>,
    /// Asked before each new job; once true no job starts (jobs already started finish, so the
    /// jobs done are always 0..n for some n).
    pub stop: &'a (dyn Fn() -> bool + Sync),
}

/// Run `work(k)` for k = 0, 1, … on `plan.jobs` threads and hand each result to `ready` in
/// order of k, as soon as it and every earlier one are done.
pub fn run_in_order<R, W, F>(plan: Plan<'_>, work: W, mut ready: F)
where
    R: Send,
    W: Fn(u64) -> R + Sync,
    F: FnMut(u64, R),
{
    let next = AtomicU64::new(0);
    let halted = AtomicBool::new(false);
    let take = || -> Option<u64> {
        if halted.load(Ordering::SeqCst) {
            return None;
        }
        if (plan.stop)() {
            halted.store(true, Ordering::SeqCst);
            return None;
        }
        let k = next.fetch_add(1, Ordering::SeqCst);
        if plan.limit.is_some_and(|l| k >= l) {
            return None;
        }
        Some(k)
    };
    let (tx, rx) = mpsc::channel::<(u64, R)>();
    std::thread::scope(|scope| {
        for _ in 0..plan.jobs.max(1) {
            let tx = tx.clone();
            let (take, work) = (&take, &work);
            scope.spawn(move || {
                while let Some(k) = take() {
                    if tx.send((k, work(k))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut waiting: BTreeMap<u64, R> = BTreeMap::new();
        let mut expected = 0u64;
        for (k, r) in rx {
            waiting.insert(k, r);
            while let Some(r) = waiting.remove(&expected) {
                ready(expected, r);
                expected += 1;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_arrive_in_order_whatever_the_workers() {
        for jobs in [1, 2, 5] {
            let mut seen = Vec::new();
            run_in_order(
                Plan {
                    jobs,
                    limit: Some(50),
                    stop: &|| false,
                },
                // Later jobs finish first when they run at the same time.
                |k| {
                    std::thread::sleep(std::time::Duration::from_micros(50 - k));
                    k * k
                },
                |k, r| seen.push((k, r)),
            );
            let expected: Vec<(u64, u64)> = (0..50).map(|k| (k, k * k)).collect();
            assert_eq!(seen, expected, "jobs {jobs}");
        }
    }

    #[test]
    fn a_stop_leaves_a_prefix_of_jobs_done() {
        let started = AtomicU64::new(0);
        let mut seen = Vec::new();
        run_in_order(
            Plan {
                jobs: 3,
                limit: None,
                stop: &|| started.load(Ordering::SeqCst) >= 20,
            },
            |k| {
                started.fetch_add(1, Ordering::SeqCst);
                k
            },
            |k, _| seen.push(k),
        );
        assert!(seen.len() >= 20, "{}", seen.len());
        assert_eq!(seen, (0..seen.len() as u64).collect::<Vec<_>>());
    }
}
