//! The capacity check of `set` (step 3 of the validation order, see
//! [`crate::CacheStore::set`]): whether a write fits the total-bytes and entry-count limits, and
//! under [`WhenFull::EvictSoonestExpiring`] which other records would have to go. It only plans;
//! the store applies the plan after every other check has passed.

use std::collections::BTreeMap;

use crate::size::byte_len;
use crate::{CacheErrorCode, CacheLimits, CacheRecord, WhenFull};

/// Returns the keys to evict (possibly none) so that writing `key` with a value of
/// `value_len` bytes at `now_ms` fits, or `CacheSizeExceeded`.
pub(crate) fn plan_capacity(
    records: &BTreeMap<String, CacheRecord>,
    key: &str,
    value_len: usize,
    limits: &CacheLimits,
    now_ms: i64,
) -> Result<Vec<String>, CacheErrorCode> {
    let live = || records.iter().filter(|(_, r)| r.is_live(now_ms));
    let replaced = records.get(key).filter(|r| r.is_live(now_ms));
    let is_new = replaced.is_none();

    let mut total = live()
        .map(|(k, r)| r.size_with_key(k))
        .fold(0usize, usize::saturating_add);
    if let Some(old) = replaced {
        if !limits.count_replaced_entry {
            total = total.saturating_sub(old.size_with_key(key));
        }
    }
    total = total
        .saturating_add(byte_len(key))
        .saturating_add(value_len);
    let mut count = live().count();

    let fits = |total: usize, count: usize| {
        total <= limits.max_total_bytes && (!is_new || count < limits.max_entries)
    };
    if fits(total, count) {
        return Ok(Vec::new());
    }
    if limits.when_full == WhenFull::Reject {
        return Err(CacheErrorCode::CacheSizeExceeded);
    }

    let mut candidates: Vec<(&String, &CacheRecord)> =
        live().filter(|(k, _)| k.as_str() != key).collect();
    candidates.sort_by(|(ka, ra), (kb, rb)| ra.expires_at.cmp(&rb.expires_at).then(ka.cmp(kb)));

    let mut plan = Vec::new();
    for (k, r) in candidates {
        total = total.saturating_sub(r.size_with_key(k));
        count = count.saturating_sub(1);
        plan.push(k.clone());
        if fits(total, count) {
            return Ok(plan);
        }
    }
    Err(CacheErrorCode::CacheSizeExceeded)
}
