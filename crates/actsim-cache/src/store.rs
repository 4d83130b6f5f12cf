//! [`CacheStore`]: one `api.cache` store (one per simulated instance and trigger) with
//! `get` / `set` / `delete`, the validation order of `set`, eviction from outside and fault
//! injection.

use std::collections::BTreeMap;

use crate::capacity::plan_capacity;
use crate::expiry::resolve_expiry;
use crate::size::byte_len;
use crate::{CacheErrorCode, CacheLimits, CacheRecord, SetOptions};

/// One cache store. Deterministic: records are kept in key order and time only enters through
/// the `now_ms` arguments.
///
/// Expired records (`expires_at < now_ms`) are invisible and do not count toward any limit;
/// they are physically dropped by [`purge_expired`](Self::purge_expired) and by every
/// successful [`set`](Self::set). Callers are expected to pass a non-decreasing `now_ms`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CacheStore {
    limits: CacheLimits,
    records: BTreeMap<String, CacheRecord>,
    pending_write_failures: u32,
}

impl CacheStore {
    /// An empty store with the given limits.
    pub fn new(limits: CacheLimits) -> Self {
        Self {
            limits,
            records: BTreeMap::new(),
            pending_write_failures: 0,
        }
    }

    /// The limits this store enforces.
    pub fn limits(&self) -> &CacheLimits {
        &self.limits
    }

    /// `api.cache.get(key)`: the record if present and `expires_at >= now_ms` (inclusive, as
    /// the harness), else `None`.
    pub fn get(&self, key: &str, now_ms: i64) -> Option<CacheRecord> {
        self.peek(key, now_ms).cloned()
    }

    /// [`get`](Self::get) without copying the record: for callers that only read it.
    pub fn peek(&self, key: &str, now_ms: i64) -> Option<&CacheRecord> {
        self.records.get(key).filter(|r| r.is_live(now_ms))
    }

    /// `api.cache.set(key, value, options)`. Returns the stored record, or the error code.
    ///
    /// Validation order (the first failing step decides the code):
    ///
    /// 1. Key longer than `max_key_bytes` bytes → `CacheKeySizeExceeded`; then value
    ///    longer than `max_value_bytes` → `CacheValueSizeExceeded`. Every size here is counted
    ///    by [`byte_len`](crate::byte_len): UTF-8 bytes, a lone surrogate's stand-in as 3.
    /// 2. Expired records (`expires_at < now_ms`) are treated as gone: they count toward no
    ///    limit, and a key whose record has expired is a new key.
    /// 3. Capacity, computed without mutating the store: total = bytes (key + value) of all
    ///    live records, minus the live record for the same key unless
    ///    `count_replaced_entry`, plus the new key and value. The write is full if total >
    ///    `max_total_bytes`, or if the key is new and there are already `max_entries` live
    ///    records. When full: `WhenFull::Reject` → `CacheSizeExceeded`;
    ///    `WhenFull::EvictSoonestExpiring` → plan evictions of other records, soonest
    ///    `expires_at` first (ties: smaller key), until the write fits, or
    ///    `CacheSizeExceeded` if it cannot fit even then. Planned evictions are applied only in
    ///    step 9.
    /// 4. `ttl` present and not finite → `InvalidExpiry`; else expires = now + floor(ttl).
    /// 5. `expires_at` present and not finite → `InvalidExpiry`; else
    ///    expires = min(expires from step 4 if any, floor(expires_at)).
    /// 6. Neither given → expires = now + `default_ttl_ms`.
    /// 7. expires ≤ now → `ItemAlreadyExpired` (so `ttl: 0` and negative ttl fail here).
    /// 8. |expires| > 2^53 − 1 (not a JS safe integer) → `InvalidExpiry`. Then, if
    ///    expires − now > `max_lifetime_ms`: `OverMaxLifetime::Clamp` → expires = now +
    ///    `max_lifetime_ms` (and `ItemAlreadyExpired` if that is not after now, which only a
    ///    non-positive `max_lifetime_ms` can cause); `OverMaxLifetime::Reject` →
    ///    `InvalidExpiry`.
    /// 9. A pending injected failure ([`fail_next_writes`](Self::fail_next_writes)) →
    ///    `FailedToSetCacheRecord`, consuming it and leaving the store unchanged. Otherwise drop
    ///    expired records, apply the planned evictions, insert or overwrite, and return the
    ///    record.
    ///
    /// Never panics, whatever the input (huge, NaN or infinite numbers included).
    pub fn set(
        &mut self,
        key: &str,
        value: &str,
        opts: &SetOptions,
        now_ms: i64,
    ) -> Result<CacheRecord, CacheErrorCode> {
        // Step 1.
        if byte_len(key) > self.limits.max_key_bytes {
            return Err(CacheErrorCode::CacheKeySizeExceeded);
        }
        let value_len = byte_len(value);
        if value_len > self.limits.max_value_bytes {
            return Err(CacheErrorCode::CacheValueSizeExceeded);
        }
        // Steps 2–3.
        let evictions = plan_capacity(&self.records, key, value_len, &self.limits, now_ms)?;
        // Steps 4–8.
        let expires_at = resolve_expiry(opts, &self.limits, now_ms)?;
        // Step 9.
        if self.take_pending_failure() {
            return Err(CacheErrorCode::FailedToSetCacheRecord);
        }
        self.purge_expired(now_ms);
        for k in &evictions {
            self.records.remove(k);
        }
        let record = CacheRecord {
            value: value.to_string(),
            expires_at,
        };
        self.records.insert(key.to_string(), record.clone());
        Ok(record)
    }

    /// `api.cache.delete(key)`. Key absent or expired → `CacheKeyDoesNotExist`; then a pending
    /// injected failure → `FailedToDeleteCacheRecord` (consumed, store unchanged); else the
    /// record is removed.
    pub fn delete(&mut self, key: &str, now_ms: i64) -> Result<(), CacheErrorCode> {
        if self.get(key, now_ms).is_none() {
            return Err(CacheErrorCode::CacheKeyDoesNotExist);
        }
        if self.take_pending_failure() {
            return Err(CacheErrorCode::FailedToDeleteCacheRecord);
        }
        self.records.remove(key);
        Ok(())
    }

    /// All live records at `now_ms`, sorted by key.
    pub fn live_entries(&self, now_ms: i64) -> Vec<(String, CacheRecord)> {
        self.live(now_ms)
            .map(|(k, r)| (k.clone(), r.clone()))
            .collect()
    }

    /// Number of live records at `now_ms`.
    pub fn live_count(&self, now_ms: i64) -> usize {
        self.live(now_ms).count()
    }

    /// Sum of key + value bytes ([`byte_len`](crate::byte_len)) of the live records at `now_ms`.
    pub fn total_bytes(&self, now_ms: i64) -> usize {
        self.live(now_ms)
            .map(|(k, r)| r.size_with_key(k))
            .fold(0, usize::saturating_add)
    }

    /// Physically drops every record that has expired at `now_ms`.
    pub fn purge_expired(&mut self, now_ms: i64) {
        self.records.retain(|_, r| r.is_live(now_ms));
    }

    /// Eviction pressure from outside: drops the record stored under `key` before its expiry
    /// (the docs allow this). Returns whether a record (live or expired but not yet purged)
    /// was removed.
    pub fn evict(&mut self, key: &str) -> bool {
        self.records.remove(key).is_some()
    }

    /// Puts `key` back to an earlier state, bypassing validation: `Some(record)` stores it as it
    /// was, `None` removes the key. For rolling back the writes of an execution that failed.
    pub fn restore(&mut self, key: &str, record: Option<CacheRecord>) {
        match record {
            Some(r) => {
                self.records.insert(key.to_string(), r);
            }
            None => {
                self.records.remove(key);
            }
        }
    }

    /// The record stored under `key` whether or not it has expired (for snapshots).
    pub fn raw(&self, key: &str) -> Option<&CacheRecord> {
        self.records.get(key)
    }

    /// Fault injection: the next `n` `set`/`delete` calls that pass validation fail with
    /// `FailedToSetCacheRecord` / `FailedToDeleteCacheRecord` and leave the store unchanged.
    /// Replaces any count still pending (`0` cancels).
    pub fn fail_next_writes(&mut self, n: u32) {
        self.pending_write_failures = n;
    }

    /// Number of injected write failures still pending.
    pub fn pending_write_failures(&self) -> u32 {
        self.pending_write_failures
    }

    /// Removes every record (pending injected failures are kept).
    pub fn clear(&mut self) {
        self.records.clear();
    }

    fn live(&self, now_ms: i64) -> impl Iterator<Item = (&String, &CacheRecord)> {
        self.records.iter().filter(move |(_, r)| r.is_live(now_ms))
    }

    fn take_pending_failure(&mut self) -> bool {
        if self.pending_write_failures == 0 {
            return false;
        }
        self.pending_write_failures -= 1;
        true
    }
}
