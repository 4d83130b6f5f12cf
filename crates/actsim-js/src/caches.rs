//! One `api.cache` store per trigger: production keeps each trigger's cache apart (its own 20
//! entries and 8 kB), so an instance that runs actions of several triggers gives each trigger
//! its own store. Drivers hold one [`TriggerCaches`] per instance (or one for a whole
//! simulation whose cache is shared) and pass `caches.of(trigger)` in each
//! [`crate::ExecutionSpec`].

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use actsim_cache::{CacheLimits, CacheStore};

use crate::state::SharedCache;
use crate::trigger::Trigger;

/// The cache stores of one instance (or one shared cache), by trigger, made on first use.
#[derive(Debug, Default)]
pub struct TriggerCaches {
    limits: CacheLimits,
    stores: BTreeMap<Trigger, SharedCache>,
}

impl TriggerCaches {
    /// No stores yet; each will have `limits`.
    pub fn new(limits: CacheLimits) -> Self {
        TriggerCaches {
            limits,
            stores: BTreeMap::new(),
        }
    }

    /// The store of `trigger`'s actions (made empty on first use).
    pub fn of(&mut self, trigger: Trigger) -> SharedCache {
        let limits = &self.limits;
        self.stores
            .entry(trigger)
            .or_insert_with(|| Rc::new(RefCell::new(CacheStore::new(limits.clone()))))
            .clone()
    }

    /// The stores made so far, in trigger order.
    pub fn stores(&self) -> impl Iterator<Item = (Trigger, &SharedCache)> {
        self.stores.iter().map(|(t, s)| (*t, s))
    }
}
