//! The cache keys each login in flight kept (set, or read with a hit) before it yielded at a
//! redirect, for the "missed after resume" warning ([`crate::warnings`]).
//!
//! Tens of thousands of logins can wait at a redirect, and most kept one key, the same one for
//! all: a login's keys are shared strings taken from a small table of recent keys, and a login
//! with one key holds no allocation of its own (a set of keys and a copy of each name per login
//! cost about 1.5% of a 100 000-login redirect simulation, BENCHMARKS.md).

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// How many recent key names are shared.
const RECENT: usize = 8;

/// The keys each login kept before it yielded, by login.
#[derive(Debug, Default)]
pub(crate) struct YieldKeys {
    by_login: HashMap<u64, Kept, foldhash::fast::FixedState>,
    /// Recently kept key names, the newest last.
    recent: Vec<Arc<str>>,
}

/// One login's keys.
#[derive(Debug)]
enum Kept {
    One(Arc<str>),
    Many(BTreeSet<Arc<str>>),
}

impl YieldKeys {
    /// Record that `login` kept `key`.
    pub(crate) fn insert(&mut self, login: u64, key: &str) {
        let shared = self.shared(key);
        match self.by_login.entry(login) {
            Entry::Vacant(vacant) => {
                vacant.insert(Kept::One(shared));
            }
            Entry::Occupied(mut occupied) => {
                let kept = occupied.get_mut();
                match kept {
                    Kept::One(first) if **first == *key => {}
                    Kept::One(first) => *kept = Kept::Many(BTreeSet::from([first.clone(), shared])),
                    Kept::Many(keys) => {
                        keys.insert(shared);
                    }
                }
            }
        }
    }

    /// Whether `login` kept `key`.
    pub(crate) fn contains(&self, login: u64, key: &str) -> bool {
        match self.by_login.get(&login) {
            Some(Kept::One(first)) => **first == *key,
            Some(Kept::Many(keys)) => keys.contains(key),
            None => false,
        }
    }

    /// Forget `login`'s keys (it ended).
    pub(crate) fn remove(&mut self, login: u64) {
        self.by_login.remove(&login);
    }

    /// `key` as a shared string: one of the recent ones when it is among them.
    fn shared(&mut self, key: &str) -> Arc<str> {
        if let Some(known) = self.recent.iter().rev().find(|known| ***known == *key) {
            return known.clone();
        }
        let made: Arc<str> = key.into();
        if self.recent.len() == RECENT {
            self.recent.remove(0);
        }
        self.recent.push(made.clone());
        made
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Logins keep one key or many (repeated ones counted once), each login's are its own, the
    /// recent names are shared and bounded, and an ended login keeps nothing.
    #[test]
    fn keeps_each_login_s_keys() {
        let mut keys = YieldKeys::default();
        keys.insert(1, "token");
        keys.insert(2, "token");
        keys.insert(2, "token");
        keys.insert(2, "other");
        for n in 0..20 {
            keys.insert(3, &format!("k{n}"));
        }
        assert!(keys.contains(1, "token"));
        assert!(!keys.contains(1, "other"));
        assert!(keys.contains(2, "token") && keys.contains(2, "other"));
        assert!((0..20).all(|n| keys.contains(3, &format!("k{n}"))));
        assert!(!keys.contains(3, "token") && !keys.contains(4, "token"));
        assert!(keys.recent.len() <= RECENT);
        match (&keys.by_login[&1], &keys.by_login[&2]) {
            (Kept::One(a), Kept::Many(b)) => {
                assert!(b.iter().any(|k| Arc::ptr_eq(a, k)), "the name is shared");
            }
            other => panic!("{other:?}"),
        }
        keys.remove(2);
        assert!(!keys.contains(2, "token"));
        assert!(keys.contains(1, "token"));
    }
}
