//! Model-based property test of `CacheStore`: random operation sequences are run against the
//! store and against a small, independent reference model written here (a plain `Vec` of
//! records, with the expiry arithmetic done in `f64` as JavaScript does), and the two must agree
//! after every operation. Invariants on limits and lifetimes are checked along the way.

use actsim_cache::{
    CacheErrorCode, CacheLimits, CacheRecord, CacheStore, OverMaxLifetime, SetOptions, WhenFull,
};
use proptest::prelude::*;

const START: i64 = 1_700_000_000_000;
const HOUR: i64 = 3_600_000;
const JS_MAX_SAFE: f64 = 9_007_199_254_740_991.0;

// ---------------------------------------------------------------- reference model

#[derive(Clone, Debug)]
struct Rec {
    key: String,
    value: String,
    expires_at: i64,
    written_at: i64,
}

impl Rec {
    fn bytes(&self) -> usize {
        self.key.len() + self.value.len()
    }
}

struct Model {
    limits: CacheLimits,
    recs: Vec<Rec>,
    fails: u32,
}

impl Model {
    fn new(limits: CacheLimits) -> Self {
        Model {
            limits,
            recs: Vec::new(),
            fails: 0,
        }
    }

    fn live(&self, now: i64) -> Vec<&Rec> {
        let mut v: Vec<&Rec> = self.recs.iter().filter(|r| r.expires_at >= now).collect();
        v.sort_by(|a, b| a.key.cmp(&b.key));
        v
    }

    fn get(&self, key: &str, now: i64) -> Option<CacheRecord> {
        self.live(now)
            .into_iter()
            .find(|r| r.key == key)
            .map(|r| CacheRecord {
                value: r.value.clone(),
                expires_at: r.expires_at,
            })
    }

    fn set(
        &mut self,
        key: &str,
        value: &str,
        ttl: Option<f64>,
        at: Option<f64>,
        now: i64,
    ) -> Result<CacheRecord, CacheErrorCode> {
        use CacheErrorCode::*;
        let l = self.limits.clone();
        if key.len() > l.max_key_bytes {
            return Err(CacheKeySizeExceeded);
        }
        if value.len() > l.max_value_bytes {
            return Err(CacheValueSizeExceeded);
        }

        // Capacity.
        let live = self.live(now);
        let old = live.iter().find(|r| r.key == key);
        let is_new = old.is_none();
        let mut total: usize =
            live.iter().map(|r| r.bytes()).sum::<usize>() + key.len() + value.len();
        if let Some(o) = old {
            if !l.count_replaced_entry {
                total -= o.bytes();
            }
        }
        let mut count = live.len();
        let full = |total: usize, count: usize| {
            total > l.max_total_bytes || (is_new && count >= l.max_entries)
        };
        let mut evicted: Vec<String> = Vec::new();
        if full(total, count) {
            if l.when_full == WhenFull::Reject {
                return Err(CacheSizeExceeded);
            }
            let mut others: Vec<&Rec> = live.iter().copied().filter(|r| r.key != key).collect();
            others.sort_by(|a, b| (a.expires_at, &a.key).cmp(&(b.expires_at, &b.key)));
            for r in others {
                if !full(total, count) {
                    break;
                }
                total -= r.bytes();
                count -= 1;
                evicted.push(r.key.clone());
            }
            if full(total, count) {
                return Err(CacheSizeExceeded);
            }
        }

        // Expiry, in JavaScript number arithmetic.
        let nowf = now as f64;
        let mut expires: Option<f64> = None;
        if let Some(t) = ttl {
            if !t.is_finite() {
                return Err(InvalidExpiry);
            }
            expires = Some(nowf + t.floor());
        }
        if let Some(a) = at {
            if !a.is_finite() {
                return Err(InvalidExpiry);
            }
            expires = Some(match expires {
                Some(e) => e.min(a.floor()),
                None => a.floor(),
            });
        }
        let mut expires = expires.unwrap_or(nowf + l.default_ttl_ms as f64);
        if expires <= nowf {
            return Err(ItemAlreadyExpired);
        }
        if expires.abs() > JS_MAX_SAFE {
            return Err(InvalidExpiry);
        }
        if expires - nowf > l.max_lifetime_ms as f64 {
            match l.over_max_lifetime {
                OverMaxLifetime::Reject => return Err(InvalidExpiry),
                OverMaxLifetime::Clamp => expires = nowf + l.max_lifetime_ms as f64,
            }
            if expires <= nowf {
                return Err(ItemAlreadyExpired);
            }
        }

        if self.fails > 0 {
            self.fails -= 1;
            return Err(FailedToSetCacheRecord);
        }
        self.recs
            .retain(|r| r.expires_at >= now && r.key != key && !evicted.contains(&r.key));
        let rec = Rec {
            key: key.to_string(),
            value: value.to_string(),
            expires_at: expires as i64,
            written_at: now,
        };
        self.recs.push(rec);
        Ok(CacheRecord {
            value: value.to_string(),
            expires_at: expires as i64,
        })
    }

    fn delete(&mut self, key: &str, now: i64) -> Result<(), CacheErrorCode> {
        if self.get(key, now).is_none() {
            return Err(CacheErrorCode::CacheKeyDoesNotExist);
        }
        if self.fails > 0 {
            self.fails -= 1;
            return Err(CacheErrorCode::FailedToDeleteCacheRecord);
        }
        self.recs.retain(|r| r.key != key);
        Ok(())
    }

    fn evict(&mut self, key: &str) -> bool {
        let before = self.recs.len();
        self.recs.retain(|r| r.key != key);
        self.recs.len() != before
    }
}

// ---------------------------------------------------------------- operations

/// `expires_at` either relative to the current virtual time or a raw number.
#[derive(Clone, Debug)]
enum ExpAt {
    Relative { offset_ms: i64, half: bool },
    Raw(f64),
}

#[derive(Clone, Debug)]
enum Op {
    Set {
        key: String,
        value_len: usize,
        multibyte: bool,
        ttl: Option<f64>,
        at: Option<ExpAt>,
    },
    Get(String),
    Delete(String),
    Advance(i64),
    /// Jump to the soonest live expiry (plus 0 or 1 ms) to probe the inclusive boundary.
    AdvanceToExpiry(i64),
    Evict(String),
    FailNext(u32),
    Purge,
    Clear,
}

fn special_keys() -> Vec<String> {
    vec![
        String::new(),
        "a".into(),
        "token".into(),
        "é".repeat(22),
        "é".repeat(32),
        "é".repeat(33),
        "k".repeat(64),
        "k".repeat(65),
        "🙂".repeat(3),
    ]
}

fn pool_keys() -> Vec<String> {
    let mut keys = special_keys();
    keys.extend((0..30).map(|i| format!("k{i:02}")));
    keys
}

fn key_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => prop::sample::select(special_keys()),
        2 => (0..30u32).prop_map(|i| format!("k{i:02}")),
    ]
}

fn value_of(len: usize, multibyte: bool) -> String {
    if multibyte {
        let mut s = "é".repeat(len / 2);
        if len % 2 == 1 {
            s.push('x');
        }
        s
    } else {
        "x".repeat(len)
    }
}

fn ttl_strategy() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        3 => Just(None),
        3 => (1..=2 * HOUR).prop_map(|t| Some(t as f64)),
        1 => (0.0..7_200_000.0f64).prop_map(Some),
        1 => (-1_000_000..=0i64).prop_map(|t| Some(t as f64)),
        1 => (23 * HOUR..=26 * HOUR).prop_map(|t| Some(t as f64)),
        1 => prop::sample::select(vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e300,
            -1e300,
            f64::MAX,
            9.007e15,
            -0.0,
            0.5,
        ])
        .prop_map(Some),
    ]
}

fn expires_at_strategy() -> impl Strategy<Value = Option<ExpAt>> {
    prop_oneof![
        4 => Just(None),
        2 => (-HOUR..=26 * HOUR, any::<bool>())
            .prop_map(|(offset_ms, half)| Some(ExpAt::Relative { offset_ms, half })),
        1 => prop::sample::select(vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e300,
            -1e300,
            0.0,
            -5.0,
            JS_MAX_SAFE,
            JS_MAX_SAFE + 1.0,
        ])
        .prop_map(|x| Some(ExpAt::Raw(x))),
    ]
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let value_len = prop_oneof![2 => 0..60usize, 1 => 0..5000usize];
    prop_oneof![
        20 => (key_strategy(), value_len, any::<bool>(), ttl_strategy(), expires_at_strategy())
            .prop_map(|(key, value_len, multibyte, ttl, at)| Op::Set {
                key,
                value_len,
                multibyte,
                ttl,
                at,
            }),
        6 => key_strategy().prop_map(Op::Get),
        6 => key_strategy().prop_map(Op::Delete),
        6 => prop_oneof![0..=1000i64, 0..=2 * HOUR].prop_map(Op::Advance),
        3 => (0..=1i64).prop_map(Op::AdvanceToExpiry),
        3 => key_strategy().prop_map(Op::Evict),
        2 => (0..=2u32).prop_map(Op::FailNext),
        2 => Just(Op::Purge),
        1 => Just(Op::Clear),
    ]
}

fn policies() -> impl Strategy<Value = (WhenFull, OverMaxLifetime, bool)> {
    (
        prop_oneof![Just(WhenFull::Reject), Just(WhenFull::EvictSoonestExpiring)],
        prop_oneof![Just(OverMaxLifetime::Clamp), Just(OverMaxLifetime::Reject)],
        any::<bool>(),
    )
}

fn default_limits_any_policy() -> impl Strategy<Value = CacheLimits> {
    policies().prop_map(
        |(when_full, over_max_lifetime, count_replaced_entry)| CacheLimits {
            when_full,
            over_max_lifetime,
            count_replaced_entry,
            ..CacheLimits::default()
        },
    )
}

fn small_limits() -> impl Strategy<Value = CacheLimits> {
    (
        (0..=70usize, 0..=5000usize, 0..=9000usize, 0..=25usize),
        (-1000..=2 * HOUR, prop_oneof![Just(0i64), 1..=26 * HOUR]),
        policies(),
    )
        .prop_map(
            |(
                (max_key_bytes, max_value_bytes, max_total_bytes, max_entries),
                (default_ttl_ms, max_lifetime_ms),
                (when_full, over_max_lifetime, count_replaced_entry),
            )| CacheLimits {
                max_key_bytes,
                max_value_bytes,
                max_total_bytes,
                max_entries,
                default_ttl_ms,
                max_lifetime_ms,
                over_max_lifetime,
                when_full,
                count_replaced_entry,
            },
        )
}

// ---------------------------------------------------------------- runner

fn run(limits: CacheLimits, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut store = CacheStore::new(limits.clone());
    let mut model = Model::new(limits.clone());
    let keys = pool_keys();
    let mut now = START;

    for (i, op) in ops.iter().enumerate() {
        match op {
            Op::Set {
                key,
                value_len,
                multibyte,
                ttl,
                at,
            } => {
                let value = value_of(*value_len, *multibyte);
                let at = at.as_ref().map(|a| match a {
                    ExpAt::Relative { offset_ms, half } => {
                        (now + offset_ms) as f64 + if *half { 0.5 } else { 0.0 }
                    }
                    ExpAt::Raw(x) => *x,
                });
                let opts = SetOptions {
                    ttl: *ttl,
                    expires_at: at,
                };
                let got = store.set(key, &value, &opts, now);
                let want = model.set(key, &value, *ttl, at, now);
                prop_assert_eq!(&got, &want, "op {}: {:?}", i, op);
                if let Ok(rec) = &got {
                    prop_assert!(rec.expires_at > now);
                    prop_assert!(rec.expires_at - now <= limits.max_lifetime_ms);
                }
                if let Err(code) = got {
                    prop_assert_ne!(code, CacheErrorCode::MaxSideEffectsExceeded);
                }
            }
            Op::Get(key) => {
                prop_assert_eq!(store.get(key, now), model.get(key, now), "op {}", i);
            }
            Op::Delete(key) => {
                prop_assert_eq!(store.delete(key, now), model.delete(key, now), "op {}", i);
            }
            Op::Advance(ms) => now += ms,
            Op::AdvanceToExpiry(extra) => {
                if let Some(soonest) = model.live(now).iter().map(|r| r.expires_at).min() {
                    now = soonest + extra;
                }
            }
            Op::Evict(key) => {
                prop_assert_eq!(store.evict(key), model.evict(key), "op {}: {:?}", i, op);
            }
            Op::FailNext(n) => {
                store.fail_next_writes(*n);
                model.fails = *n;
            }
            Op::Purge => {
                store.purge_expired(now);
                model.recs.retain(|r| r.expires_at >= now);
            }
            Op::Clear => {
                store.clear();
                model.recs.clear();
            }
        }

        // Same observable state.
        let live = store.live_entries(now);
        let want: Vec<(String, CacheRecord)> = model
            .live(now)
            .into_iter()
            .map(|r| {
                (
                    r.key.clone(),
                    CacheRecord {
                        value: r.value.clone(),
                        expires_at: r.expires_at,
                    },
                )
            })
            .collect();
        prop_assert_eq!(&live, &want, "state after op {}: {:?}", i, op);
        prop_assert_eq!(store.pending_write_failures(), model.fails);

        // Invariants.
        prop_assert!(live.len() <= limits.max_entries);
        prop_assert_eq!(store.live_count(now), live.len());
        let bytes: usize = live.iter().map(|(k, r)| k.len() + r.value.len()).sum();
        prop_assert_eq!(store.total_bytes(now), bytes);
        prop_assert!(bytes <= limits.max_total_bytes);
        for key in &keys {
            if let Some(rec) = store.get(key, now) {
                prop_assert!(rec.expires_at >= now, "get returned an expired record");
            }
        }
        for r in model.live(now) {
            prop_assert!(
                r.expires_at <= r.written_at + limits.max_lifetime_ms,
                "record {} outlives its maximum lifetime",
                r.key
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn store_matches_model_with_default_limits(
        limits in default_limits_any_policy(),
        ops in prop::collection::vec(op_strategy(), 1..120),
    ) {
        run(limits, ops)?;
    }

    #[test]
    fn store_matches_model_with_small_limits(
        limits in small_limits(),
        ops in prop::collection::vec(op_strategy(), 1..120),
    ) {
        run(limits, ops)?;
    }
}
