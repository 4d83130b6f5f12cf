//! Node-compatible globals: URL/URLSearchParams, TextEncoder/TextDecoder, atob/btoa, Buffer,
//! structuredClone, Blob, Web Crypto (`crypto.subtle` digest/importKey/sign/verify, seeded
//! `getRandomValues`/`randomUUID`), fetch bodies and Response helpers, AbortController and
//! `AbortSignal.timeout` in virtual time, timers, and determinism across seeds.
//!
//! The snippets in `tests/fixtures/compat/*.js` were run on Node.js and their output kept
//! verbatim in the `.expected` files next to them: actsim must print the same lines.

use crate::common;

use std::cell::RefCell;
use std::path::PathBuf;

use actsim_js::{ErrorKind, FetchRequest, FetchResponse, HostOpKind, InstanceConfig, OpResult};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::*;
use serde_json::json;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/compat")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Run `<name>.js` as a handler body and compare its console output with `<name>.expected`.
fn same_output_as_node(name: &str) {
    let report = run_handler(&fixture(&format!("{name}.js")));
    expect_completed(&report);
    let expected: Vec<String> = fixture(&format!("{name}.expected"))
        .lines()
        .map(String::from)
        .collect();
    let actual = console_texts(&report);
    for (i, (a, e)) in actual.iter().zip(&expected).enumerate() {
        assert_eq!(a, e, "{name}.js, line {} of the output", i + 1);
    }
    assert_eq!(actual.len(), expected.len(), "{name}.js: {actual:#?}");
}

#[test]
fn dates_print_what_node_prints_in_utc() {
    same_output_as_node("date");
}

#[test]
fn url_and_url_search_params_print_what_node_prints() {
    same_output_as_node("url");
}

#[test]
fn text_encoding_base64_buffer_structured_clone_and_blob_print_what_node_prints() {
    same_output_as_node("encoding");
}

#[test]
fn web_crypto_and_node_crypto_print_what_node_prints() {
    // Includes RSASSA-PKCS1-v1_5 signatures with the mock tenant's development key (PKCS#1
    // v1.5 signatures are deterministic, so Node's bytes must come out).
    same_output_as_node("crypto");
}

#[test]
fn unsupported_web_crypto_algorithms_reject_with_not_supported_error() {
    let report = run_handler(
        r#"
  for (const call of [
    () => crypto.subtle.importKey('raw', new Uint8Array(16), { name: 'AES-GCM' }, false, ['encrypt']),
    () => crypto.subtle.encrypt({ name: 'AES-GCM' }, null, new Uint8Array(1)),
    () => crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5' }, false, ['sign']),
  ]) {
    try { await call(); console.log('ok'); } catch (e) { console.log(`${e.name}: ${e.message}`); }
  }
"#,
    );
    let lines = console_texts(&report);
    assert_eq!(lines.len(), 3);
    for line in lines {
        assert!(
            line.starts_with("NotSupportedError: ") && line.contains("not supported by actsim"),
            "{line}"
        );
    }
}

#[test]
fn get_random_values_and_random_uuid_are_seeded() {
    let body = r#"
  const a = crypto.getRandomValues(new Uint8Array(8));
  const b = crypto.getRandomValues(new Uint32Array(2));
  console.log(Buffer.from(a).toString('hex'), b.join(','), crypto.randomUUID());
  console.log(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()));
  try { crypto.getRandomValues(new Float64Array(1)); } catch (e) { console.log(e.name); }
  try { crypto.getRandomValues(new Uint8Array(65537)); } catch (e) { console.log(e.name); }
"#;
    let with_seed = |seed| {
        let config = InstanceConfig {
            seed,
            ..InstanceConfig::default()
        };
        let (mut inst, clock) = instance_with("action.js", &cjs_handler(body), config);
        console_texts(&run(&mut inst, &clock, post_login()))
    };
    let (a, b, c) = (with_seed(1), with_seed(1), with_seed(2));
    assert_eq!(a, b);
    assert_ne!(a[0], c[0]);
    assert_eq!(a[1..], ["true", "TypeMismatchError", "QuotaExceededError"]);
}

#[test]
fn the_same_seed_gives_the_same_output_and_another_seed_another() {
    let body = r#"
  const started = Date.now();
  const id = crypto.randomUUID();
  const r = Math.random();
  const bytes = require('crypto').randomBytes(4).toString('hex');
  await new Promise((resolve) => setTimeout(resolve, 250));
  console.log(`${id} ${r} ${bytes} ${new Date().toISOString()} +${Date.now() - started}ms ${performance.now()}`);
"#;
    let with_seed = |seed| {
        let config = InstanceConfig {
            seed,
            ..InstanceConfig::default()
        };
        let (mut inst, clock) = instance_with("action.js", &cjs_handler(body), config);
        console_texts(&run(&mut inst, &clock, post_login()))
    };
    let (a, b, c) = (with_seed(42), with_seed(42), with_seed(43));
    assert_eq!(a, b, "same seed, same output");
    assert_ne!(a, c, "another seed, another output");
    assert!(
        a[0].ends_with(" 2023-11-14T22:13:20.250Z +250ms 250"),
        "{}",
        a[0]
    );
    assert!(
        c[0].ends_with(" 2023-11-14T22:13:20.250Z +250ms 250"),
        "{}",
        c[0]
    );
}

// ------------------------------------------------------------------ fetch

fn ok_response() -> OpResult {
    json_response(200, json!({ "ok": true }))
}

#[test]
fn fetch_bodies_reach_the_host_as_text_or_marked_base64() {
    let code = cjs_handler(
        r#"
  const url = 'https://api.example.com/in';
  await fetch(url, { method: 'POST', body: 'plain text' });
  await fetch(url, { method: 'POST', body: new URLSearchParams({ a: 'b c' }) });
  await fetch(url, { method: 'POST', body: new TextEncoder().encode('{"utf8":"ü"}'), headers: { 'content-type': 'application/json' } });
  await fetch(url, { method: 'PUT', body: new Uint8Array([0xff, 0x00, 0x80]) });
  await fetch(url, { method: 'POST', body: Buffer.from('buffer body') });
  await fetch(url, { method: 'POST', body: new Uint8Array([104, 105]).buffer });
  await fetch(new Request(url, { method: 'PATCH', body: 'from a Request', headers: { 'x-a': '1' } }));
  await fetch(new Request(url, { method: 'DELETE' }), { headers: { 'x-b': '2' } });
  try { await fetch(url, { body: 'no body on GET' }); } catch (e) { console.log(e.message); }
"#,
    );
    let (mut inst, clock) = instance(&code);
    let seen = RefCell::new(Vec::<FetchRequest>::new());
    let report = run_to_end(&mut inst, &clock, post_login(), |req| {
        seen.borrow_mut().push(req.clone());
        ok_response()
    });
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        ["Request with GET/HEAD method cannot have body."]
    );
    let seen = seen.into_inner();
    let summary: Vec<(String, Option<String>, Option<String>)> = seen
        .iter()
        .map(|r| {
            (
                r.method.clone(),
                r.body.clone(),
                r.header("content-type").map(String::from),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "POST".into(),
                Some("plain text".into()),
                Some("text/plain;charset=UTF-8".into())
            ),
            (
                "POST".into(),
                Some("a=b+c".into()),
                Some("application/x-www-form-urlencoded;charset=UTF-8".into())
            ),
            (
                "POST".into(),
                Some(r#"{"utf8":"ü"}"#.into()),
                Some("application/json".into())
            ),
            (
                "PUT".into(),
                Some(STANDARD.encode([0xff, 0x00, 0x80])),
                None
            ),
            ("POST".into(), Some("buffer body".into()), None),
            ("POST".into(), Some("hi".into()), None),
            (
                "PATCH".into(),
                Some("from a Request".into()),
                Some("text/plain;charset=UTF-8".into())
            ),
            ("DELETE".into(), None, None),
        ]
    );
    // Bytes that are not UTF-8 travel as base64 with a marker header; text bodies do not.
    assert_eq!(seen[3].header("x-actsim-body-encoding"), Some("base64"));
    assert!(seen
        .iter()
        .enumerate()
        .all(|(i, r)| i == 3 || r.header("x-actsim-body-encoding").is_none()));
    assert_eq!(seen[6].header("x-a"), Some("1"));
    assert_eq!(seen[7].header("x-b"), Some("2"));
}

#[test]
fn responses_offer_text_json_array_buffer_clone_and_static_helpers() {
    let code = cjs_handler(
        r#"
  const res = await fetch('https://api.example.com/data');
  const copy = res.clone();
  console.log(res.status, res.ok, res.statusText, res.headers.get('content-type'), res.url, res.bodyUsed);
  console.log(JSON.stringify(await res.json()), res.bodyUsed, new TextDecoder().decode(await copy.arrayBuffer()));
  const made = Response.json({ made: 1 }, { status: 201, headers: { 'x-y': 'z' } });
  console.log(made.status, made.headers.get('content-type'), made.headers.get('x-y'), await made.text());
  const bin = new Response(new Uint8Array([1, 2, 3]));
  console.log(new Uint8Array(await bin.arrayBuffer()).join(','), (await new Response('t').blob()).size);
  const h = new Headers([['B', '2'], ['a', '1']]); h.append('a', '3');
  console.log([...h].map(([k, v]) => `${k}=${v}`).join('&'), h.has('A'));
  try { new Response('x', { status: 99 }); } catch (e) { console.log(e.name); }
  const nf = await fetch('https://api.example.com/missing');
  console.log(nf.status, nf.ok, await nf.text());
"#,
    );
    let (mut inst, clock) = instance(&code);
    let report = run_to_end(&mut inst, &clock, post_login(), |req| {
        if req.url.ends_with("/missing") {
            OpResult::Fetch(FetchResponse {
                status: 404,
                headers: vec![],
                body: "gone".into(),
            })
        } else {
            json_response(200, json!({ "k": [1, 2] }))
        }
    });
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        [
            "200 true OK application/json https://api.example.com/data false",
            r#"{"k":[1,2]} true {"k":[1,2]}"#,
            r#"201 application/json z {"made":1}"#,
            "1,2,3 1",
            "a=1, 3&b=2 true",
            "RangeError",
            "404 false gone",
        ]
    );
}

#[test]
fn aborting_a_fetch_rejects_with_abort_error_and_ignores_the_late_response() {
    let code = cjs_handler(
        r#"
  const controller = new AbortController();
  const pending = fetch('https://slow.example.com/', { signal: controller.signal });
  controller.abort();
  try { await pending; console.log('resolved'); } catch (e) { console.log(`${e.name}: ${e.message} ${e instanceof DOMException}`); }
  console.log(controller.signal.aborted, controller.signal.reason.name);
  try { await fetch('https://slow.example.com/', { signal: controller.signal }); } catch (e) { console.log(`again: ${e.name}`); }
  try { await fetch('https://slow.example.com/', { signal: AbortSignal.abort(new Error('custom reason')) }); } catch (e) { console.log(e.message); }
"#,
    );
    let (mut inst, _clock) = instance(&code);
    let exec = inst.start(post_login()).unwrap();
    // The fetch was queued before the abort; the abort cancels it, so the driver sees nothing.
    let ops = inst.take_ops();
    assert!(ops.is_empty(), "{ops:?}");
    let report = take_report(&mut inst, exec).expect("the execution ends without the network");
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        [
            "AbortError: This operation was aborted true",
            "true AbortError",
            "again: AbortError",
            "custom reason",
        ]
    );
}

#[test]
fn an_abort_after_the_request_left_ignores_the_host_result() {
    let code = cjs_handler(
        r#"
  const controller = new AbortController();
  const p = fetch('https://slow.example.com/', { signal: controller.signal }).then(
    (r) => `resolved ${r.status}`,
    (e) => `rejected ${e.name}`,
  );
  setTimeout(() => controller.abort(), 100);
  console.log(await p);
"#,
    );
    let (mut inst, clock) = instance(&code);
    let exec = inst.start(post_login()).unwrap();
    let ops = inst.take_ops();
    let fetch_op = ops
        .iter()
        .find(|o| matches!(o.kind, HostOpKind::Fetch(_)))
        .unwrap()
        .id;
    let timer_op = ops
        .iter()
        .find(|o| matches!(o.kind, HostOpKind::Timer { .. }))
        .unwrap()
        .id;
    clock.advance(100);
    inst.complete(timer_op, OpResult::TimerFired);
    assert!(
        !inst.is_pending(fetch_op),
        "the aborted fetch is no longer awaited"
    );
    // The response arrives later: nothing happens.
    inst.complete(fetch_op, ok_response());
    let report = take_report(&mut inst, exec).unwrap();
    assert_eq!(console_texts(&report), ["rejected AbortError"]);
}

#[test]
fn abort_signal_timeout_fires_in_virtual_time() {
    let code = cjs_handler(
        r#"
  const t0 = Date.now();
  try {
    await fetch('https://never.example.com/', { signal: AbortSignal.timeout(3000) });
  } catch (e) {
    console.log(`${e.name} after ${Date.now() - t0} ms: ${e.message}`);
  }
  const signal = AbortSignal.timeout(50);
  await new Promise((r) => signal.addEventListener('abort', r));
  console.log(signal.aborted, signal.reason.name, Date.now() - t0);
"#,
    );
    let (mut inst, clock) = instance(&code);
    let exec = inst.start(post_login()).unwrap();
    // Never answer the fetch: only the timeout timer can end it.
    let mut timers = Vec::new();
    let mut report = None;
    for _ in 0..10 {
        for op in inst.take_ops() {
            if let HostOpKind::Timer { delay_ms } = op.kind {
                timers.push((clock.now_ms() + delay_ms, op.id));
            }
        }
        if let Some(r) = take_report(&mut inst, exec) {
            report = Some(r);
            break;
        }
        timers.sort();
        let (at, id) = timers.remove(0);
        clock.set(at);
        inst.complete(id, OpResult::TimerFired);
    }
    let report = report.expect("the execution ended");
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        [
            "TimeoutError after 3000 ms: The operation was aborted due to timeout",
            "true TimeoutError 3050",
        ]
    );
}

#[test]
fn timers_microtasks_and_events_run_in_order_in_virtual_time() {
    let report = run_handler(
        r#"
  const order = [];
  setTimeout(() => order.push('timeout 0'), 0);
  setImmediate(() => order.push('immediate'));
  queueMicrotask(() => order.push('microtask'));
  Promise.resolve().then(() => order.push('promise'));
  let n = 0;
  await new Promise((resolve) => {
    const id = setInterval(() => { n += 1; order.push(`interval ${n}`); if (n === 3) { clearInterval(id); resolve(); } }, 10);
  });
  const cancelled = setTimeout(() => order.push('cancelled'), 5);
  clearTimeout(cancelled);
  await new Promise((r) => setTimeout(r, 20));
  console.log(order.join(', '));
  const target = new EventTarget();
  target.addEventListener('ping', (e) => console.log(`${e.type} ${e instanceof Event}`), { once: true });
  target.dispatchEvent(new Event('ping'));
  target.dispatchEvent(new Event('ping'));
"#,
    );
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        [
            // setTimeout(fn, 0) waits 1 ms as in Node, so setImmediate comes first (Node's
            // order when both are set from an I/O callback, as a handler is).
            "microtask, promise, immediate, timeout 0, interval 1, interval 2, interval 3",
            "ping true",
        ]
    );
}

#[test]
fn globals_node_actions_expect_exist() {
    let report = run_handler(
        r#"
  const names = ['fetch', 'Headers', 'Request', 'Response', 'FormData', 'Blob', 'AbortController', 'AbortSignal',
    'URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder', 'atob', 'btoa', 'Buffer', 'setTimeout', 'clearTimeout',
    'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'structuredClone',
    'crypto', 'process', 'global', 'globalThis', 'Event', 'EventTarget', 'DOMException', 'performance', 'navigator'];
  console.log(names.filter((n) => typeof globalThis[n] === 'undefined').join(',') || 'all present');
  console.log(global === globalThis, typeof Error.captureStackTrace, navigator.userAgent);
"#,
    );
    assert_eq!(
        console_texts(&report),
        ["all present", "true function Node.js/22"]
    );
}

#[test]
fn a_thrown_dom_exception_fails_the_execution_with_its_name() {
    let report = run_handler("throw new DOMException('stopped', 'AbortError');");
    let e = expect_failure(&report, ErrorKind::Thrown);
    assert_eq!(
        (e.name.as_str(), e.message.as_str()),
        ("AbortError", "stopped")
    );
}

#[test]
fn base64_errors_are_instances_of_the_global_dom_exception() {
    // Node: `true InvalidCharacterError 5` for both (messages differ between Node's two).
    let report = run_handler(
        r#"
  for (const f of [() => atob('%%'), () => btoa('€')]) {
    try { f(); } catch (e) { console.log(e instanceof DOMException, e.name, e.code); }
  }
"#,
    );
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        [
            "true InvalidCharacterError 5",
            "true InvalidCharacterError 5"
        ]
    );
}
