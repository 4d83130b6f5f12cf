//! The instance pool: simulated instances (one JS runtime per bound action, created lazily, and
//! one cache store per trigger), their lifecycle, and the placement policies that pick where an
//! execution, or a resume after a redirect, runs.

use std::cell::RefCell;
use std::rc::Rc;

use actsim_cache::CacheStore;
use actsim_js::{SeededRng, SharedCache};

use crate::driver::Runtime;

use crate::scenario::Policy;

/// One simulated instance.
pub struct SimInstance {
    /// 1-based, in creation order.
    pub number: u32,
    /// When it came up.
    pub created_at: i64,
    /// False once it is gone.
    pub alive: bool,
    /// True while it drains before going away (no new placements).
    pub retiring: bool,
    /// Why it is retiring (`max_age`, `idle`).
    pub retire_reason: &'static str,
    /// One runtime per bound action, created on first use.
    pub runtimes: Vec<Option<Box<dyn Runtime>>>,
    /// Its cache store for the trigger.
    pub cache: SharedCache,
    /// Executions running on it now.
    pub active: u32,
    /// Whether it has run anything (the first execution pays the cold start).
    pub used: bool,
    /// Executions wait until this time (cold start).
    pub ready_at: i64,
    /// Last time an execution ended here.
    pub last_activity: i64,
    /// Changes on every activity, so that stale idle checks are ignored.
    pub idle_token: u64,
    /// When it went away and why.
    pub ended: Option<(i64, &'static str)>,
}

impl SimInstance {
    /// A fresh instance with an empty cache.
    pub fn new(number: u32, now: i64, actions: usize, cache: CacheStore) -> Self {
        SimInstance {
            number,
            created_at: now,
            alive: true,
            retiring: false,
            retire_reason: "",
            runtimes: (0..actions).map(|_| None).collect(),
            cache: Rc::new(RefCell::new(cache)),
            active: 0,
            used: false,
            ready_at: now,
            last_activity: now,
            idle_token: 0,
            ended: None,
        }
    }

    /// Whether new executions may be placed here.
    pub fn placeable(&self) -> bool {
        self.alive && !self.retiring
    }
}

/// Picks instances.
pub struct Placer {
    cursor: usize,
}

impl Placer {
    /// A placer starting at the first instance.
    pub fn new() -> Self {
        Placer { cursor: 0 }
    }

    /// Choose among `candidates` (indices of placeable instances, in creation order) with
    /// `policy`; `preferred` is the user's previous instance (new logins) or the instance the
    /// flow yielded on (resumes). `load(i)` gives an instance's running executions.
    pub fn choose(
        &mut self,
        policy: Policy,
        candidates: &[usize],
        preferred: Option<usize>,
        load: impl Fn(usize) -> u32,
        rng: &mut SeededRng,
    ) -> usize {
        debug_assert!(!candidates.is_empty());
        match policy {
            Policy::RoundRobin => self.round_robin(candidates),
            Policy::Random => candidates[(rng.next_u64() % candidates.len() as u64) as usize],
            Policy::LeastLoaded => *candidates
                .iter()
                .min_by_key(|&&i| (load(i), i))
                .expect("candidates are not empty"),
            Policy::Sticky => match preferred.filter(|p| candidates.contains(p)) {
                Some(p) => p,
                None => self.round_robin(candidates),
            },
            // The engine creates a new instance for `Fresh` before asking; among existing ones
            // the newest is the freshest.
            Policy::Fresh => *candidates.last().expect("candidates are not empty"),
            Policy::Adversarial => {
                let others: Vec<usize> = candidates
                    .iter()
                    .copied()
                    .filter(|&i| Some(i) != preferred)
                    .collect();
                if others.is_empty() {
                    candidates[0]
                } else {
                    others[(rng.next_u64() % others.len() as u64) as usize]
                }
            }
        }
    }

    fn round_robin(&mut self, candidates: &[usize]) -> usize {
        let chosen = candidates[self.cursor % candidates.len()];
        self.cursor = self.cursor.wrapping_add(1);
        chosen
    }
}

impl Default for Placer {
    fn default() -> Self {
        Placer::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_pick_as_documented() {
        let mut p = Placer::new();
        let mut rng = SeededRng::new(1);
        let c = [0, 1, 2];
        let rr: Vec<usize> = (0..4)
            .map(|_| p.choose(Policy::RoundRobin, &c, None, |_| 0, &mut rng))
            .collect();
        assert_eq!(rr, vec![0, 1, 2, 0]);
        assert_eq!(
            p.choose(Policy::LeastLoaded, &c, None, |i| [3, 1, 1][i], &mut rng),
            1
        );
        assert_eq!(p.choose(Policy::Sticky, &c, Some(2), |_| 0, &mut rng), 2);
        for _ in 0..50 {
            assert_ne!(
                p.choose(Policy::Adversarial, &c, Some(1), |_| 0, &mut rng),
                1
            );
        }
        assert_eq!(
            p.choose(Policy::Adversarial, &[1], Some(1), |_| 0, &mut rng),
            1
        );
        let picks: std::collections::BTreeSet<usize> = (0..100)
            .map(|_| p.choose(Policy::Random, &c, None, |_| 0, &mut rng))
            .collect();
        assert_eq!(picks.len(), 3);
    }
}
