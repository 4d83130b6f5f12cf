//! Behaviour tests of `CacheStore` through the public API: every error code the store
//! produces, the `set` validation order, lifetimes, capacity policies, UTF-8 byte counting,
//! eviction from outside and fault injection.

use actsim_cache::{
    CacheErrorCode::{self, *},
    CacheLimits, CacheRecord, CacheStore, OverMaxLifetime, SetOptions, WhenFull,
};

const NOW: i64 = 1_700_000_000_000;
const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;

fn store() -> CacheStore {
    CacheStore::new(CacheLimits::default())
}

fn store_with(f: impl FnOnce(&mut CacheLimits)) -> CacheStore {
    let mut limits = CacheLimits::default();
    f(&mut limits);
    CacheStore::new(limits)
}

fn none() -> SetOptions {
    SetOptions::default()
}

fn ttl(ms: f64) -> SetOptions {
    SetOptions::ttl(ms)
}

fn set(
    s: &mut CacheStore,
    key: &str,
    value: &str,
    opts: SetOptions,
) -> Result<i64, CacheErrorCode> {
    s.set(key, value, &opts, NOW).map(|r| r.expires_at)
}

// ---- defaults and lifetimes ----

#[test]
fn default_lifetime_is_15_minutes() {
    let mut s = store();
    let rec = s.set("k", "v", &none(), NOW).unwrap();
    assert_eq!(
        rec,
        CacheRecord {
            value: "v".into(),
            expires_at: NOW + 15 * MIN
        }
    );
    assert_eq!(s.get("k", NOW), Some(rec));
}

#[test]
fn record_visible_at_exactly_expires_at_and_not_one_ms_later() {
    let mut s = store();
    let exp = set(&mut s, "k", "v", ttl(1000.0)).unwrap();
    assert_eq!(exp, NOW + 1000);
    assert!(s.get("k", exp).is_some());
    assert_eq!(s.live_entries(exp).len(), 1);
    assert_eq!(s.get("k", exp + 1), None);
    assert!(s.live_entries(exp + 1).is_empty());
    assert_eq!(s.total_bytes(exp + 1), 0);
}

#[test]
fn ttl_and_expires_at_earlier_wins() {
    let mut s = store();
    let both = |t: f64, at: i64| SetOptions {
        ttl: Some(t),
        expires_at: Some(at as f64),
    };
    assert_eq!(
        set(&mut s, "a", "v", both(5000.0, NOW + 3000)),
        Ok(NOW + 3000)
    );
    assert_eq!(
        set(&mut s, "b", "v", both(2000.0, NOW + 3000)),
        Ok(NOW + 2000)
    );
}

#[test]
fn expires_at_alone_is_absolute_and_floored() {
    let mut s = store();
    assert_eq!(
        set(
            &mut s,
            "a",
            "v",
            SetOptions::expires_at((NOW + 1234) as f64 + 0.9)
        ),
        Ok(NOW + 1234)
    );
    assert_eq!(
        set(&mut s, "b", "v", SetOptions::expires_at((NOW - 1) as f64)),
        Err(ItemAlreadyExpired)
    );
    assert_eq!(
        set(&mut s, "b", "v", SetOptions::expires_at(NOW as f64)),
        Err(ItemAlreadyExpired)
    );
}

#[test]
fn fractional_ttl_is_floored() {
    let mut s = store();
    assert_eq!(set(&mut s, "a", "v", ttl(1500.9)), Ok(NOW + 1500));
    assert_eq!(set(&mut s, "b", "v", ttl(1.999)), Ok(NOW + 1));
    // floor(0.5) = 0 → not in the future.
    assert_eq!(set(&mut s, "c", "v", ttl(0.5)), Err(ItemAlreadyExpired));
    // floor(-0.5) = -1.
    assert_eq!(set(&mut s, "c", "v", ttl(-0.5)), Err(ItemAlreadyExpired));
}

#[test]
fn zero_and_negative_ttl_are_already_expired() {
    let mut s = store();
    for t in [0.0, -0.0, -1.0, -1e9] {
        assert_eq!(
            set(&mut s, "k", "v", ttl(t)),
            Err(ItemAlreadyExpired),
            "ttl {t}"
        );
    }
    assert!(s.live_entries(NOW).is_empty());
}

#[test]
fn ttl_over_24h_is_clamped_by_default() {
    let mut s = store();
    assert_eq!(
        set(&mut s, "k", "v", ttl((25 * HOUR) as f64)),
        Ok(NOW + 24 * HOUR)
    );
    // Exactly 24h is within the limit under both policies.
    let mut r = store_with(|l| l.over_max_lifetime = OverMaxLifetime::Reject);
    assert_eq!(
        set(&mut r, "k", "v", ttl((24 * HOUR) as f64)),
        Ok(NOW + 24 * HOUR)
    );
}

#[test]
fn ttl_over_24h_is_rejected_with_reject_policy() {
    let mut s = store_with(|l| l.over_max_lifetime = OverMaxLifetime::Reject);
    assert_eq!(
        set(&mut s, "k", "v", ttl((25 * HOUR) as f64)),
        Err(InvalidExpiry)
    );
    assert_eq!(
        set(
            &mut s,
            "k",
            "v",
            SetOptions::expires_at((NOW + 24 * HOUR + 1) as f64)
        ),
        Err(InvalidExpiry)
    );
    assert_eq!(s.get("k", NOW), None);
}

#[test]
fn huge_nan_and_infinite_ttl() {
    let mut s = store();
    assert_eq!(set(&mut s, "k", "v", ttl(f64::NAN)), Err(InvalidExpiry));
    assert_eq!(
        set(&mut s, "k", "v", ttl(f64::INFINITY)),
        Err(InvalidExpiry)
    );
    assert_eq!(
        set(&mut s, "k", "v", ttl(f64::NEG_INFINITY)),
        Err(InvalidExpiry)
    );
    assert_eq!(set(&mut s, "k", "v", ttl(1e300)), Err(InvalidExpiry));
    assert_eq!(set(&mut s, "k", "v", ttl(f64::MAX)), Err(InvalidExpiry));
    assert_eq!(set(&mut s, "k", "v", ttl(9.1e15)), Err(InvalidExpiry));
    assert_eq!(set(&mut s, "k", "v", ttl(-1e300)), Err(ItemAlreadyExpired));
    assert_eq!(
        set(&mut s, "k", "v", SetOptions::expires_at(f64::NAN)),
        Err(InvalidExpiry)
    );
    assert_eq!(
        set(&mut s, "k", "v", SetOptions::expires_at(f64::INFINITY)),
        Err(InvalidExpiry)
    );
    assert_eq!(
        set(&mut s, "k", "v", SetOptions::expires_at(1e300)),
        Err(InvalidExpiry)
    );
    assert!(s.live_entries(NOW).is_empty());
}

#[test]
fn nan_ttl_is_invalid_even_with_valid_expires_at() {
    let mut s = store();
    let opts = SetOptions {
        ttl: Some(f64::NAN),
        expires_at: Some((NOW + 1000) as f64),
    };
    assert_eq!(set(&mut s, "k", "v", opts), Err(InvalidExpiry));
    let opts = SetOptions {
        ttl: Some(1000.0),
        expires_at: Some(f64::NAN),
    };
    assert_eq!(set(&mut s, "k", "v", opts), Err(InvalidExpiry));
}

#[test]
fn unsafe_integer_expiry_is_invalid_even_under_clamp() {
    // Step 8 checks the safe-integer range before the lifetime clamp.
    let mut s = store_with(|l| l.max_lifetime_ms = i64::MAX);
    assert_eq!(
        set(
            &mut s,
            "k",
            "v",
            SetOptions::expires_at(9_007_199_254_740_991.0)
        ),
        Ok(9_007_199_254_740_991)
    );
    assert_eq!(
        set(
            &mut s,
            "k",
            "v",
            SetOptions::expires_at(9_007_199_254_740_992.0)
        ),
        Err(InvalidExpiry)
    );
}

#[test]
fn configured_default_ttl_is_used() {
    let mut s = store_with(|l| l.default_ttl_ms = 5000);
    assert_eq!(set(&mut s, "k", "v", none()), Ok(NOW + 5000));
    let mut s = store_with(|l| l.default_ttl_ms = 0);
    assert_eq!(set(&mut s, "k", "v", none()), Err(ItemAlreadyExpired));
}

// ---- sizes and validation order ----

#[test]
fn key_size_limit_in_bytes() {
    let mut s = store();
    assert!(set(&mut s, &"k".repeat(64), "v", none()).is_ok());
    assert_eq!(
        set(&mut s, &"k".repeat(65), "v", none()),
        Err(CacheKeySizeExceeded)
    );
}

#[test]
fn multibyte_utf8_keys_are_counted_in_bytes() {
    let mut s = store();
    let ok = "é".repeat(22);
    assert_eq!(ok.len(), 44);
    assert!(set(&mut s, &ok, "v", none()).is_ok());
    let too_long = "é".repeat(33);
    assert_eq!(too_long.chars().count(), 33);
    assert_eq!(
        set(&mut s, &too_long, "v", none()),
        Err(CacheKeySizeExceeded)
    );
    // 16 four-byte characters = 64 bytes is fine, 17 are not.
    assert!(set(&mut s, &"🙂".repeat(16), "v", none()).is_ok());
    assert_eq!(
        set(&mut s, &"🙂".repeat(17), "v", none()),
        Err(CacheKeySizeExceeded)
    );
    assert_eq!(s.total_bytes(NOW), 44 + 1 + 64 + 1);
}

/// The stand-in of a lone surrogate (`\ud83d` is carried as U+10F83D; see
/// `actsim_cache::FIRST_STAND_IN`): 4 bytes of UTF-8, but 3 as Node's Buffer.byteLength counts
/// the lone surrogate, in every limit.
const HALF: char = '\u{10F83D}';

#[test]
fn lone_surrogate_stand_ins_count_three_bytes_in_every_limit() {
    let half = |n: usize| HALF.to_string().repeat(n);
    assert_eq!(half(1).len(), 4);
    assert_eq!(actsim_cache::byte_len(&half(1)), 3);
    let mut s = store();
    // Key: 'k' + 21 halves = 1 + 63 = 64 bytes (fits); 'kk' + 21 = 65 (too long). As 4-byte
    // UTF-8 the first would be 85 bytes and fail.
    assert!(set(&mut s, &format!("k{}", half(21)), "v", none()).is_ok());
    assert_eq!(
        set(&mut s, &format!("kk{}", half(21)), "v", none()),
        Err(CacheKeySizeExceeded)
    );
    // Value: 1 365 halves = 4 095 bytes (fits); 1 366 = 4 098 (too long).
    assert!(set(&mut s, "a", &half(1365), none()).is_ok());
    assert_eq!(
        set(&mut s, "b", &half(1366), none()),
        Err(CacheValueSizeExceeded)
    );
    assert_eq!(s.total_bytes(NOW), 64 + 1 + 1 + 4095);
    // Total: 4 161 so far; 'b' + 4 030 bytes (1 343 halves + 1 'x') makes 8 192 (fits), and
    // then one more byte anywhere is CacheSizeExceeded.
    let fill = format!("{}x", half(1343));
    assert!(set(&mut s, "b", &fill, none()).is_ok());
    assert_eq!(s.total_bytes(NOW), 8192);
    assert_eq!(set(&mut s, "c", "", none()), Err(CacheSizeExceeded));
    // The record reads back as stored, and another stand-in is another key.
    assert_eq!(s.get("a", NOW).map(|r| r.value), Some(half(1365)));
    assert_eq!(s.get(&format!("k{}", "\u{10F83E}".repeat(21)), NOW), None);
}

#[test]
fn value_size_limit_in_bytes() {
    let mut s = store();
    assert!(set(&mut s, "a", &"x".repeat(4096), none()).is_ok());
    assert_eq!(
        set(&mut s, "b", &"x".repeat(4097), none()),
        Err(CacheValueSizeExceeded)
    );
    assert_eq!(
        set(&mut s, "b", &"é".repeat(2049), none()),
        Err(CacheValueSizeExceeded)
    );
    s.clear();
    assert!(set(&mut s, "b", &"é".repeat(2048), none()).is_ok());
    assert_eq!(s.total_bytes(NOW), 1 + 4096);
}

#[test]
fn oversize_key_wins_over_everything_else() {
    let mut s = store();
    let long_key = "k".repeat(65);
    let opts = ttl(f64::NAN);
    assert_eq!(
        s.set(&long_key, &"x".repeat(5000), &opts, NOW),
        Err(CacheKeySizeExceeded)
    );
    assert_eq!(
        s.set(&long_key, "v", &ttl(-5.0), NOW),
        Err(CacheKeySizeExceeded)
    );
}

#[test]
fn oversize_value_wins_over_expiry_and_capacity() {
    let mut s = store_with(|l| l.max_entries = 0);
    assert_eq!(
        s.set("k", &"x".repeat(4097), &ttl(f64::NAN), NOW),
        Err(CacheValueSizeExceeded)
    );
}

#[test]
fn capacity_is_checked_before_expiry() {
    let mut s = store_with(|l| l.max_entries = 0);
    assert_eq!(s.set("k", "v", &ttl(f64::NAN), NOW), Err(CacheSizeExceeded));
    assert_eq!(s.set("k", "v", &ttl(0.0), NOW), Err(CacheSizeExceeded));
}

#[test]
fn failed_expiry_does_not_apply_planned_evictions() {
    let mut s = store_with(|l| {
        l.max_entries = 1;
        l.when_full = WhenFull::EvictSoonestExpiring;
    });
    set(&mut s, "a", "v", none()).unwrap();
    assert_eq!(s.set("b", "v", &ttl(-1.0), NOW), Err(ItemAlreadyExpired));
    assert!(
        s.get("a", NOW).is_some(),
        "eviction must only happen on success"
    );
}

// ---- capacity ----

#[test]
fn total_bytes_limit() {
    let mut s = store();
    // 2 records of 1 + 4095 bytes = 8192 bytes exactly.
    set(&mut s, "a", &"x".repeat(4095), none()).unwrap();
    set(&mut s, "b", &"x".repeat(4095), none()).unwrap();
    assert_eq!(s.total_bytes(NOW), 8192);
    assert_eq!(set(&mut s, "c", "", none()), Err(CacheSizeExceeded));
    assert_eq!(s.live_entries(NOW).len(), 2);
}

#[test]
fn twenty_first_entry_is_rejected_by_default() {
    let mut s = store();
    for i in 0..20 {
        set(&mut s, &format!("k{i:02}"), "v", none()).unwrap();
    }
    assert_eq!(set(&mut s, "k20", "v", none()), Err(CacheSizeExceeded));
    assert_eq!(s.live_entries(NOW).len(), 20);
    // Overwriting an existing key is not a new entry.
    assert!(set(&mut s, "k05", "w", none()).is_ok());
    // Deleting one makes room.
    s.delete("k00", NOW).unwrap();
    assert!(set(&mut s, "k20", "v", none()).is_ok());
}

#[test]
fn twenty_first_entry_evicts_soonest_expiring_with_evict_policy() {
    let mut s = store_with(|l| l.when_full = WhenFull::EvictSoonestExpiring);
    for i in 0..20 {
        // k07 and k03 expire soonest (same instant); k03 is the smaller key.
        let t = if i == 7 || i == 3 { 1000 } else { 10_000 + i };
        set(&mut s, &format!("k{i:02}"), "v", ttl(t as f64)).unwrap();
    }
    assert!(set(&mut s, "k20", "v", none()).is_ok());
    assert_eq!(s.live_entries(NOW).len(), 20);
    assert_eq!(s.get("k03", NOW), None);
    assert!(s.get("k07", NOW).is_some());
    assert!(s.get("k20", NOW).is_some());
    assert!(set(&mut s, "k21", "v", none()).is_ok());
    assert_eq!(s.get("k07", NOW), None);
}

#[test]
fn evict_policy_frees_enough_bytes() {
    let mut s = store_with(|l| l.when_full = WhenFull::EvictSoonestExpiring);
    set(&mut s, "a", &"x".repeat(3000), ttl(1000.0)).unwrap();
    set(&mut s, "b", &"x".repeat(3000), ttl(2000.0)).unwrap();
    set(&mut s, "c", &"x".repeat(2000), ttl(3000.0)).unwrap();
    // Needs 4001 bytes; 8003 used. Evicting "a" frees 3001 → 5002 + 4001 > 8192; also "b".
    assert!(set(&mut s, "d", &"x".repeat(4000), none()).is_ok());
    let keys: Vec<String> = s.live_entries(NOW).into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["c", "d"]);
    assert!(s.total_bytes(NOW) <= 8192);
}

#[test]
fn evict_policy_still_fails_when_nothing_can_make_room() {
    let mut s = store_with(|l| {
        l.when_full = WhenFull::EvictSoonestExpiring;
        l.max_total_bytes = 100;
    });
    set(&mut s, "a", "v", none()).unwrap();
    assert_eq!(
        set(&mut s, "b", &"x".repeat(100), none()),
        Err(CacheSizeExceeded)
    );
    assert!(s.get("a", NOW).is_some());
    let mut s = store_with(|l| {
        l.when_full = WhenFull::EvictSoonestExpiring;
        l.max_entries = 0;
    });
    assert_eq!(set(&mut s, "a", "v", none()), Err(CacheSizeExceeded));
}

#[test]
fn overwrite_near_total_limit_depends_on_count_replaced_entry() {
    let fill = |s: &mut CacheStore| {
        set(s, "a", &"x".repeat(4095), none()).unwrap();
        set(s, "b", &"x".repeat(4000), none()).unwrap();
    };
    // 4096 + 4001 = 8097 used; overwriting "b" with 4000 bytes again.
    let mut counted = store();
    fill(&mut counted);
    assert_eq!(
        set(&mut counted, "b", &"y".repeat(4000), none()),
        Err(CacheSizeExceeded)
    );
    assert_eq!(counted.get("b", NOW).unwrap().value, "x".repeat(4000));

    let mut replaced = store_with(|l| l.count_replaced_entry = false);
    fill(&mut replaced);
    assert!(set(&mut replaced, "b", &"y".repeat(4000), none()).is_ok());
    assert_eq!(replaced.get("b", NOW).unwrap().value, "y".repeat(4000));
    assert_eq!(replaced.total_bytes(NOW), 8097);
}

#[test]
fn expired_records_do_not_count() {
    let mut s = store();
    for i in 0..20 {
        set(&mut s, &format!("k{i:02}"), &"x".repeat(400), ttl(1000.0)).unwrap();
    }
    assert_eq!(
        s.set("new", "v", &none(), NOW + 1000),
        Err(CacheSizeExceeded)
    );
    let later = NOW + 1001;
    assert_eq!(s.live_entries(later).len(), 0);
    let rec = s.set("new", &"y".repeat(4096), &none(), later).unwrap();
    assert_eq!(rec.expires_at, later + 15 * MIN);
    assert_eq!(s.live_entries(later).len(), 1);
}

#[test]
fn expired_record_under_same_key_is_a_new_key() {
    let mut s = store_with(|l| l.max_entries = 1);
    set(&mut s, "a", "v", ttl(10.0)).unwrap();
    assert!(s.set("a", "w", &none(), NOW + 11).is_ok());
}

// ---- delete, evict, purge, clear ----

#[test]
fn delete_existing_missing_and_expired() {
    let mut s = store();
    set(&mut s, "k", "v", ttl(100.0)).unwrap();
    assert_eq!(s.delete("k", NOW), Ok(()));
    assert_eq!(s.get("k", NOW), None);
    assert_eq!(s.delete("k", NOW), Err(CacheKeyDoesNotExist));
    assert_eq!(s.delete("never", NOW), Err(CacheKeyDoesNotExist));
    set(&mut s, "k", "v", ttl(100.0)).unwrap();
    assert_eq!(s.delete("k", NOW + 101), Err(CacheKeyDoesNotExist));
    assert_eq!(s.delete("k", NOW + 100), Ok(()));
}

#[test]
fn evict_drops_a_record_early() {
    let mut s = store();
    set(&mut s, "k", "v", none()).unwrap();
    assert!(s.evict("k"));
    assert_eq!(s.get("k", NOW), None);
    assert!(!s.evict("k"));
    assert_eq!(s.delete("k", NOW), Err(CacheKeyDoesNotExist));
}

#[test]
fn purge_and_clear() {
    let mut s = store();
    set(&mut s, "short", "v", ttl(10.0)).unwrap();
    set(&mut s, "long", "v", ttl(1000.0)).unwrap();
    s.purge_expired(NOW + 11);
    // Purged, so it stays gone even if asked about an earlier instant.
    assert_eq!(s.get("short", NOW), None);
    assert!(s.get("long", NOW).is_some());
    s.clear();
    assert!(s.live_entries(NOW).is_empty());
    assert_eq!(s.total_bytes(NOW), 0);
}

#[test]
fn live_entries_sorted_by_key() {
    let mut s = store();
    for k in ["m", "b", "z", "a"] {
        set(&mut s, k, k, none()).unwrap();
    }
    let keys: Vec<String> = s.live_entries(NOW).into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["a", "b", "m", "z"]);
    assert_eq!(s.live_count(NOW), 4);
    assert_eq!(s.total_bytes(NOW), 8);
}

// ---- fault injection ----

#[test]
fn injected_set_failure_leaves_store_unchanged() {
    let mut s = store();
    set(&mut s, "k", "old", none()).unwrap();
    let before = s.clone();
    s.fail_next_writes(2);
    assert_eq!(set(&mut s, "k", "new", none()), Err(FailedToSetCacheRecord));
    assert_eq!(
        set(&mut s, "other", "new", none()),
        Err(FailedToSetCacheRecord)
    );
    assert_eq!(s.live_entries(NOW), before.live_entries(NOW));
    assert_eq!(s.pending_write_failures(), 0);
    assert!(set(&mut s, "k", "new", none()).is_ok());
    assert_eq!(s.get("k", NOW).unwrap().value, "new");
}

#[test]
fn injected_failure_is_only_consumed_by_writes_that_pass_validation() {
    let mut s = store();
    s.fail_next_writes(1);
    assert_eq!(
        set(&mut s, &"k".repeat(65), "v", none()),
        Err(CacheKeySizeExceeded)
    );
    assert_eq!(set(&mut s, "k", "v", ttl(0.0)), Err(ItemAlreadyExpired));
    assert_eq!(s.delete("missing", NOW), Err(CacheKeyDoesNotExist));
    assert_eq!(s.pending_write_failures(), 1);
    assert_eq!(set(&mut s, "k", "v", none()), Err(FailedToSetCacheRecord));
    assert!(set(&mut s, "k", "v", none()).is_ok());
}

#[test]
fn injected_delete_failure_leaves_store_unchanged() {
    let mut s = store();
    set(&mut s, "k", "v", none()).unwrap();
    s.fail_next_writes(1);
    assert_eq!(s.delete("k", NOW), Err(FailedToDeleteCacheRecord));
    assert_eq!(s.get("k", NOW).unwrap().value, "v");
    assert_eq!(s.delete("k", NOW), Ok(()));
    assert_eq!(s.get("k", NOW), None);
}

#[test]
fn injected_set_failure_does_not_apply_planned_evictions() {
    let mut s = store_with(|l| {
        l.max_entries = 1;
        l.when_full = WhenFull::EvictSoonestExpiring;
    });
    set(&mut s, "a", "v", none()).unwrap();
    s.fail_next_writes(1);
    assert_eq!(set(&mut s, "b", "v", none()), Err(FailedToSetCacheRecord));
    assert!(s.get("a", NOW).is_some());
    assert_eq!(s.get("b", NOW), None);
}

#[test]
fn fail_next_writes_replaces_the_pending_count() {
    let mut s = store();
    s.fail_next_writes(3);
    s.fail_next_writes(0);
    assert!(set(&mut s, "k", "v", none()).is_ok());
}

#[test]
fn restore_puts_a_key_back_or_removes_it() {
    let mut store = CacheStore::new(CacheLimits::default());
    let before = store.set("k", "old", &SetOptions::default(), 0).unwrap();
    store.set("k", "new", &SetOptions::default(), 10).unwrap();
    store.set("other", "x", &SetOptions::default(), 10).unwrap();
    store.restore("k", Some(before.clone()));
    assert_eq!(store.get("k", 20), Some(before));
    store.restore("other", None);
    assert_eq!(store.get("other", 20), None);
    assert!(store.raw("other").is_none());
}
