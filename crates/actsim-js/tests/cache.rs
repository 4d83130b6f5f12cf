//! `api.cache` as JavaScript sees it: synchronous results (plain objects, not promises),
//! `undefined` on a miss and `{value, expires_at}` on a hit, the default 15-minute expiry and
//! `ttl` relative to the virtual clock, the TypeError for non-string values, every error code
//! reachable from JS (including the per-execution write cap and injected backend failures),
//! and the `cache_ops` recorded in the report.

use crate::common;

use actsim_cache::{CacheLimits, CacheStore};
use actsim_js::{CacheOp, CacheOpKind, ErrorKind, InstanceConfig, SharedCache};
use common::*;
use serde_json::Value;

fn spec_with_cache(cache: &SharedCache) -> actsim_js::ExecutionSpec {
    let mut s = post_login();
    s.cache = cache.clone();
    s
}

/// Run `body` (a post-login handler body) against `cache`, with `config`.
fn run_cache(
    body: &str,
    cache: &SharedCache,
    config: InstanceConfig,
) -> actsim_js::ExecutionReport {
    let (mut inst, clock) = instance_with("cache.js", &cjs_handler(body), config);
    run(&mut inst, &clock, spec_with_cache(cache))
}

fn results(report: &actsim_js::ExecutionReport) -> Vec<(CacheOpKind, String, String)> {
    report
        .cache_ops
        .iter()
        .map(|o| (o.op, o.key.clone(), o.result.clone()))
        .collect()
}

#[test]
fn cache_calls_are_synchronous_plain_objects() {
    let cache = new_cache();
    let report = run_cache(
        r#"
  const s = api.cache.set('k', 'v');
  console.log(`${s instanceof Promise}|${s.type}|${s.record.value}|${s.record.expires_at}`);
  const g = api.cache.get('k');
  console.log(`${g instanceof Promise}|${g.value}|${g.expires_at}|${Object.keys(g).sort().join(',')}`);
  const d = api.cache.delete('k');
  console.log(`${d instanceof Promise}|${d.type}`);
  // Awaiting still works, as production code does.
  const awaited = await api.cache.set('k2', 'v2');
  console.log(awaited.type);
"#,
        &cache,
        InstanceConfig::default(),
    );
    expect_completed(&report);
    let expires = T0 + 15 * 60 * 1000;
    assert_eq!(
        console_texts(&report),
        [
            format!("false|success|v|{expires}"),
            format!("false|v|{expires}|expires_at,value"),
            "false|success".to_string(),
            "success".to_string(),
        ]
    );
}

#[test]
fn get_of_a_missing_key_is_undefined_not_null() {
    let cache = new_cache();
    let report = run_cache(
        r#"
  const g = api.cache.get('nope');
  console.log(`${g === undefined}|${g === null}|${typeof g}|${api.cache.get('nope')?.value}`);
"#,
        &cache,
        InstanceConfig::default(),
    );
    assert_eq!(console_texts(&report), ["true|false|undefined|undefined"]);
    let miss = CacheOp {
        at_ms: T0,
        op: CacheOpKind::Get,
        key: "nope".into(),
        result: "miss".into(),
        expires_at: None,
        value_bytes: None,
        ttl: None,
        expires_at_option: None,
        jwt_exp: None,
    };
    assert_eq!(report.cache_ops, vec![miss.clone(), miss]);
}

#[test]
fn default_expiry_is_fifteen_minutes_of_virtual_time() {
    let cache = new_cache();
    let code = cjs_handler(
        r#"
  const g = api.cache.get('token');
  if (g) { console.log(`hit ${g.value} ${g.expires_at}`); return; }
  const s = api.cache.set('token', `minted-at-${Date.now()}`);
  console.log(`set ${s.record.expires_at}`);
"#,
    );
    let (mut inst, clock) = instance(&code);
    let first = run(&mut inst, &clock, spec_with_cache(&cache));
    let expires = T0 + 900_000;
    assert_eq!(console_texts(&first), [format!("set {expires}")]);
    assert_eq!(first.cache_ops[0].result, "miss");
    assert_eq!(first.cache_ops[1].expires_at, Some(expires));
    assert_eq!(
        first.cache_ops[1].value_bytes,
        Some(format!("minted-at-{T0}").len())
    );

    // Still there exactly at the expiry instant...
    clock.set(expires);
    let second = run(&mut inst, &clock, spec_with_cache(&cache));
    assert_eq!(
        console_texts(&second),
        [format!("hit minted-at-{T0} {expires}")]
    );
    assert_eq!(second.cache_ops[0].result, "hit");
    assert_eq!(second.cache_ops[0].expires_at, Some(expires));

    // ...and gone one millisecond later.
    clock.set(expires + 1);
    let third = run(&mut inst, &clock, spec_with_cache(&cache));
    assert_eq!(
        console_texts(&third),
        [format!("set {}", expires + 1 + 900_000)]
    );
}

#[test]
fn ttl_is_honoured_and_recorded() {
    let cache = new_cache();
    let report = run_cache(
        r#"
  const s = api.cache.set('k', 'value', { ttl: 60000 });
  console.log(String(s.record.expires_at));
  const e = api.cache.set('k2', 'v', { expires_at: Date.now() + 5000 });
  console.log(String(e.record.expires_at));
"#,
        &cache,
        InstanceConfig::default(),
    );
    assert_eq!(
        console_texts(&report),
        [(T0 + 60_000).to_string(), (T0 + 5000).to_string()]
    );
    let set = &report.cache_ops[0];
    assert_eq!(set.op, CacheOpKind::Set);
    assert_eq!(set.ttl, Some(60_000.0));
    assert_eq!(set.expires_at, Some(T0 + 60_000));
    assert_eq!(set.value_bytes, Some(5));
    // The store shared with the host holds the record.
    let stored = cache.borrow().get("k", T0 + 60_000).expect("stored");
    assert_eq!(stored.value, "value");
    assert!(cache.borrow().get("k", T0 + 60_001).is_none());
}

#[test]
fn a_non_string_value_throws_a_type_error() {
    let cache = new_cache();
    let report = run_cache(
        r#"
  for (const v of [42, { a: 1 }, null, undefined]) {
    try { api.cache.set('k', v); console.log('stored'); } catch (e) { console.log(`${e.name}: ${e.message}`); }
  }
  try { api.cache.get(7); } catch (e) { console.log(`${e.name}: ${e.message}`); }
"#,
        &cache,
        InstanceConfig::default(),
    );
    expect_completed(&report);
    let lines = console_texts(&report);
    assert_eq!(lines.len(), 5);
    for (line, got) in lines[..4]
        .iter()
        .zip(["number", "object", "null", "undefined"])
    {
        assert!(line.starts_with("TypeError: "), "{line}");
        assert!(line.contains("the value must be a string"), "{line}");
        assert!(line.contains(&format!("(got {got})")), "{line}");
    }
    assert!(lines[4].starts_with("TypeError: "), "{}", lines[4]);
    assert!(lines[4].contains("key must be a string"), "{}", lines[4]);
    // Type errors never reach the store.
    assert!(report.cache_ops.is_empty());
    assert_eq!(cache.borrow().live_count(T0), 0);
}

#[test]
fn an_uncaught_non_string_value_fails_the_execution() {
    let cache = new_cache();
    let report = run_cache("api.cache.set('k', 1);", &cache, InstanceConfig::default());
    let e = expect_failure(&report, ErrorKind::Thrown);
    assert_eq!(e.name, "TypeError");
    assert!(e.message.contains("value must be a string"));
}

#[test]
fn every_store_error_code_is_reachable_from_js() {
    let cache = new_cache();
    let report = run_cache(
        r#"
  const show = (r) => console.log(r.type === 'error' ? r.code : r.type);
  show(api.cache.set('k'.repeat(65), 'v'));
  show(api.cache.set('big', 'x'.repeat(4097)));
  show(api.cache.set('zero', 'v', { ttl: 0 }));
  show(api.cache.set('past', 'v', { expires_at: Date.now() - 1 }));
  show(api.cache.set('nan', 'v', { ttl: NaN }));
  show(api.cache.set('inf', 'v', { ttl: Infinity }));
  show(api.cache.set('str', 'v', { ttl: '1000' }));
  show(api.cache.delete('never-set'));
  show(api.cache.set('a', 'x'.repeat(4000)));
  show(api.cache.set('b', 'x'.repeat(4000)));
  show(api.cache.set('c', 'x'.repeat(4000)));
"#,
        &cache,
        InstanceConfig::default(),
    );
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        [
            "CacheKeySizeExceeded",
            "CacheValueSizeExceeded",
            "ItemAlreadyExpired",
            "ItemAlreadyExpired",
            "InvalidExpiry",
            "InvalidExpiry",
            "InvalidExpiry",
            "CacheKeyDoesNotExist",
            "success",
            "success",
            "CacheSizeExceeded",
        ]
    );
    let recorded: Vec<String> = report.cache_ops.iter().map(|o| o.result.clone()).collect();
    assert_eq!(recorded, console_texts(&report));
    assert_eq!(report.cache_ops[0].key, "k".repeat(65));
    assert_eq!(report.cache_ops[1].value_bytes, Some(4097));
    assert_eq!(report.cache_ops[2].ttl, Some(0.0));
    // A non-number ttl is recorded as NaN.
    assert!(report.cache_ops[6].ttl.is_some_and(f64::is_nan));
    assert_eq!(report.cache_ops[7].op, CacheOpKind::Delete);
    // Failed writes carry no expiry.
    assert!(report.cache_ops[..8].iter().all(|o| o.expires_at.is_none()));
}

#[test]
fn the_per_execution_write_cap_gives_max_side_effects_exceeded() {
    let cache = new_cache();
    let config = InstanceConfig {
        max_cache_writes_per_execution: Some(2),
        ..InstanceConfig::default()
    };
    let code = cjs_handler(
        r#"
  const show = (r) => (r.type === 'error' ? r.code : r.type);
  console.log([
    show(api.cache.set('a', '1')),
    show(api.cache.delete('a')),
    show(api.cache.set('b', '2')),
    show(api.cache.delete('zzz')),
    String(api.cache.get('b')),
  ].join(','));
"#,
    );
    let (mut inst, clock) = instance_with("cap.js", &code, config);
    let report = run(&mut inst, &clock, spec_with_cache(&cache));
    assert_eq!(
        console_texts(&report),
        ["success,success,MaxSideEffectsExceeded,MaxSideEffectsExceeded,undefined"]
    );
    assert_eq!(
        results(&report),
        [
            (CacheOpKind::Set, "a".into(), "success".into()),
            (CacheOpKind::Delete, "a".into(), "success".into()),
            (
                CacheOpKind::Set,
                "b".into(),
                "MaxSideEffectsExceeded".into()
            ),
            (
                CacheOpKind::Delete,
                "zzz".into(),
                "MaxSideEffectsExceeded".into()
            ),
            (CacheOpKind::Get, "b".into(), "miss".into()),
        ]
    );
    // The cap is per execution: the next one can write again.
    let next = run(&mut inst, &clock, spec_with_cache(&cache));
    assert!(console_texts(&next)[0].starts_with("success,success,"));
}

#[test]
fn injected_backend_failures_surface_as_failed_to_set_and_delete() {
    let cache = new_cache();
    cache
        .borrow_mut()
        .set("existing", "old", &Default::default(), T0)
        .unwrap();
    cache.borrow_mut().fail_next_writes(2);
    let report = run_cache(
        r#"
  const show = (r) => (r.type === 'error' ? r.code : r.type);
  console.log(show(api.cache.set('existing', 'new')));
  console.log(show(api.cache.delete('existing')));
  console.log(api.cache.get('existing').value);
  console.log(show(api.cache.set('existing', 'newer')));
"#,
        &cache,
        InstanceConfig::default(),
    );
    assert_eq!(
        console_texts(&report),
        [
            "FailedToSetCacheRecord",
            "FailedToDeleteCacheRecord",
            "old",
            "success"
        ]
    );
    assert_eq!(cache.borrow().pending_write_failures(), 0);
    assert_eq!(cache.borrow().get("existing", T0).unwrap().value, "newer");
}

#[test]
fn the_cache_is_shared_through_the_store_not_the_instance() {
    // Two instances on the same store see each other's writes; a fresh store is empty.
    let shared = new_cache();
    let writer = cjs_handler("api.cache.set('k', 'from-writer');");
    let reader = cjs_handler("console.log(String(api.cache.get('k')?.value));");
    let (mut w, wc) = instance(&writer);
    run(&mut w, &wc, spec_with_cache(&shared));
    let (mut r, rc) = instance(&reader);
    let seen = run(&mut r, &rc, spec_with_cache(&shared));
    assert_eq!(console_texts(&seen), ["from-writer"]);
    let other = run(&mut r, &rc, spec_with_cache(&new_cache()));
    assert_eq!(console_texts(&other), ["undefined"]);
}

#[test]
fn custom_store_limits_apply() {
    let cache: SharedCache =
        std::rc::Rc::new(std::cell::RefCell::new(CacheStore::new(CacheLimits {
            max_key_bytes: 3,
            default_ttl_ms: 1000,
            ..CacheLimits::default()
        })));
    let report = run_cache(
        r#"
  const a = api.cache.set('abcd', 'v');
  const b = api.cache.set('abc', 'v');
  console.log(`${a.code}|${b.record.expires_at}`);
"#,
        &cache,
        InstanceConfig::default(),
    );
    assert_eq!(
        console_texts(&report),
        [format!("CacheKeySizeExceeded|{}", T0 + 1000)]
    );
}

#[test]
fn cache_ops_serialise_without_absent_fields() {
    let cache = new_cache();
    let report = run_cache(
        "api.cache.get('k'); api.cache.set('k', 'v');",
        &cache,
        InstanceConfig::default(),
    );
    let json: Value = serde_json::to_value(&report.cache_ops).unwrap();
    assert_eq!(
        json,
        serde_json::json!([
            { "at_ms": T0, "op": "get", "key": "k", "result": "miss" },
            { "at_ms": T0, "op": "set", "key": "k", "result": "success", "expires_at": T0 + 900_000, "value_bytes": 1 },
        ])
    );
}

#[test]
fn an_api_object_kept_from_an_earlier_execution_cannot_use_the_cache() {
    let cache = new_cache();
    let code = cjs_handler(
        r#"
  if (globalThis.oldApi) {
    try { globalThis.oldApi.cache.get('k'); console.log('worked'); }
    catch (e) { console.log(e.message); }
  }
  globalThis.oldApi = api;
  console.log(String(api.cache.get('k') === undefined));
"#,
    );
    let (mut inst, clock) = instance(&code);
    let first = run(&mut inst, &clock, spec_with_cache(&cache));
    assert_eq!(console_texts(&first), ["true"]);
    let second = run(&mut inst, &clock, spec_with_cache(&cache));
    assert_eq!(
        console_texts(&second),
        ["api.cache used after its execution ended", "true"]
    );
    // Only the current execution's call is recorded.
    assert_eq!(second.cache_ops.len(), 1);
}

#[test]
fn a_cached_jwt_reports_its_exp_and_unread_failures_are_listed() {
    let cache = new_cache();
    // header.payload.signature with payload {"exp": 1767229200}
    let report = run_cache(
        r#"
  const payload = Buffer.from(JSON.stringify({ exp: 1767229200 })).toString('base64url');
  api.cache.set('jwt', `eyJhbGciOiJIUzI1NiJ9.${payload}.c2ln`);
  api.cache.set('k'.repeat(65), 'ignored');
  const r = api.cache.set('v'.repeat(65), 'read');
  console.log(r.code);
"#,
        &cache,
        InstanceConfig::default(),
    );
    assert_eq!(report.cache_ops[0].jwt_exp, Some(1_767_229_200));
    assert_eq!(report.cache_ops[1].jwt_exp, None);
    assert_eq!(
        report.unread_failed_sets,
        vec![("k".repeat(65), "CacheKeySizeExceeded".to_string())],
        "only the result nobody read is listed"
    );
    assert_eq!(console_texts(&report), ["CacheKeySizeExceeded"]);
}
