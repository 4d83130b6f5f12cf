//! `fetch` and timers as host operations: a request reaches the driver with its method, URL,
//! headers and body; the `Response` exposes status, ok, headers, `json()` and `text()`; a network
//! error rejects with a TypeError naming the cause; `clearTimeout` cancels; `setInterval`
//! repeats until cleared; operations complete in whatever order the driver chooses.

use crate::common;

use std::cell::RefCell;

use actsim_js::{ErrorKind, FetchRequest, FetchResponse, HostOpKind, OpResult};
use common::*;
use serde_json::json;

fn text_response(status: u16, headers: &[(&str, &str)], body: &str) -> OpResult {
    OpResult::Fetch(FetchResponse {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.to_string(),
    })
}

#[test]
fn fetch_sends_method_url_headers_and_body_and_reads_the_response() {
    let code = cjs_handler(
        r#"
  const res = await fetch('https://api.example.com/v1/things?x=1', {
    method: 'post',
    headers: { 'X-Api-Key': event.secrets.KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'thing' }),
  });
  console.log(`${res.status} ${res.ok} ${res.headers.get('X-Request-Id')} ${res.headers.get('missing')}`);
  const data = await res.json();
  console.log(`${data.id} ${data.tags.join('+')}`);
  try { await res.text(); } catch (e) { console.log(`${e.name}: ${e.message}`); }
"#,
    );
    let (mut inst, clock) = instance(&code);
    let mut s = post_login();
    std::rc::Rc::make_mut(&mut s.secrets).insert("KEY".into(), "k-1".into());
    let mut seen: Vec<FetchRequest> = Vec::new();
    let report = run_to_end(&mut inst, &clock, s, |req| {
        seen.push(req.clone());
        text_response(
            201,
            &[
                ("X-Request-Id", "req-9"),
                ("content-type", "application/json"),
            ],
            r#"{"id":"t-1","tags":["a","b"]}"#,
        )
    });
    expect_completed(&report);
    assert_eq!(
        seen,
        [FetchRequest {
            url: "https://api.example.com/v1/things?x=1".into(),
            method: "POST".into(),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("x-api-key".into(), "k-1".into()),
            ],
            body: Some(r#"{"name":"thing"}"#.into()),
        }]
    );
    assert_eq!(seen[0].header("X-API-KEY"), Some("k-1"));
    assert_eq!(
        console_texts(&report),
        [
            "201 true req-9 null",
            "t-1 a+b",
            "TypeError: Body is unusable: Body has already been read",
        ]
    );
}

#[test]
fn a_plain_get_has_no_body_and_a_404_is_not_ok() {
    let code = cjs_handler(
        r#"
  const res = await fetch('https://api.example.com/missing');
  console.log(`${res.status} ${res.ok} ${await res.text()}`);
"#,
    );
    let (mut inst, clock) = instance(&code);
    let mut seen = Vec::new();
    let report = run_to_end(&mut inst, &clock, post_login(), |req| {
        seen.push(req.clone());
        text_response(404, &[], "not here")
    });
    assert_eq!(console_texts(&report), ["404 false not here"]);
    assert_eq!(seen[0].method, "GET");
    assert!(seen[0].headers.is_empty());
    assert_eq!(seen[0].body, None);
}

#[test]
fn url_search_params_bodies_are_form_encoded() {
    let code = cjs_handler(
        r#"
  const body = new URLSearchParams({ grant_type: 'client_credentials', scope: 'read:a write:b' });
  body.append('x', 'ä&=');
  await fetch('https://auth.example.com/token', { method: 'POST', body });
"#,
    );
    let (mut inst, clock) = instance(&code);
    let mut seen = Vec::new();
    let report = run_to_end(&mut inst, &clock, post_login(), |req| {
        seen.push(req.clone());
        json_response(200, json!({}))
    });
    expect_completed(&report);
    assert_eq!(
        seen[0].body.as_deref(),
        Some("grant_type=client_credentials&scope=read%3Aa+write%3Ab&x=%C3%A4%26%3D")
    );
    assert_eq!(
        seen[0].header("content-type"),
        Some("application/x-www-form-urlencoded;charset=UTF-8")
    );
}

#[test]
fn an_object_body_is_rejected_with_a_hint() {
    let report = run_handler(
        r#"
  try { await fetch('https://x.example.com', { method: 'POST', body: { a: 1 } }); }
  catch (e) { console.log(`${e.name}: ${e.message}`); }
"#,
    );
    let line = &console_texts(&report)[0];
    assert!(line.starts_with("TypeError: "), "{line}");
    assert!(line.contains("JSON.stringify"), "{line}");
}

#[test]
fn a_network_error_rejects_with_a_type_error_naming_the_cause() {
    let code = cjs_handler(
        r#"
  try {
    await fetch('https://down.example.com/');
    console.log('no error');
  } catch (e) {
    console.log(`${e instanceof TypeError} ${e.message} | ${e.cause && e.cause.message}`);
  }
"#,
    );
    let (mut inst, clock) = instance(&code);
    let report = run_to_end(&mut inst, &clock, post_login(), |_| {
        OpResult::NetworkError("connect ECONNREFUSED 10.0.0.1:443".into())
    });
    expect_completed(&report);
    let line = &console_texts(&report)[0];
    assert!(line.starts_with("true "), "{line}");
    assert!(line.contains("fetch failed"), "{line}");
    assert!(
        line.contains("connect ECONNREFUSED 10.0.0.1:443 |"),
        "{line}"
    );
    assert!(
        line.ends_with("| connect ECONNREFUSED 10.0.0.1:443"),
        "{line}"
    );
}

#[test]
fn an_uncaught_network_error_fails_the_execution() {
    let code = cjs_handler("await fetch('https://down.example.com/');");
    let (mut inst, clock) = instance(&code);
    let report = run_to_end(&mut inst, &clock, post_login(), |_| {
        OpResult::NetworkError("getaddrinfo ENOTFOUND down.example.com".into())
    });
    let e = expect_failure(&report, ErrorKind::Thrown);
    assert_eq!(e.name, "TypeError");
    assert!(e.message.contains("ENOTFOUND"), "{}", e.message);
}

#[test]
fn concurrent_fetches_complete_in_the_drivers_order() {
    let code = cjs_handler(
        r#"
  const order = [];
  const get = (u) => fetch(u).then((r) => r.text()).then((t) => { order.push(t); return t; });
  const [a, b] = await Promise.all([get('https://a.example.com'), get('https://b.example.com')]);
  console.log(`${a},${b} order=${order.join(',')}`);
"#,
    );
    let (mut inst, _clock) = instance(&code);
    let exec = inst.start(post_login()).unwrap();
    let ops = inst.take_ops();
    assert_eq!(ops.len(), 2);
    let urls: Vec<String> = ops
        .iter()
        .map(|op| match &op.kind {
            HostOpKind::Fetch(req) => req.url.clone(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(urls, ["https://a.example.com/", "https://b.example.com/"]);
    assert!(ops.iter().all(|op| op.exec_id == Some(exec)));
    // Answer b first.
    inst.complete(ops[1].id, text_response(200, &[], "B"));
    assert!(take_report(&mut inst, exec).is_none());
    inst.complete(ops[0].id, text_response(200, &[], "A"));
    let report = take_report(&mut inst, exec).expect("done");
    assert_eq!(console_texts(&report), ["A,B order=B,A"]);
}

#[test]
fn clear_timeout_cancels_a_timer() {
    let report = run_handler(
        r#"
  const fired = [];
  const t = setTimeout(() => fired.push('cancelled'), 100);
  setTimeout(() => fired.push('kept'), 200);
  clearTimeout(t);
  clearTimeout(12345); // unknown ids are ignored
  clearTimeout(undefined);
  await new Promise((r) => setTimeout(r, 500));
  console.log(fired.join(',') || 'none');
"#,
    );
    assert_eq!(console_texts(&report), ["kept"]);
    assert_eq!(report.finished_at_ms, T0 + 500);
}

#[test]
fn a_timer_cancelled_before_the_driver_sees_it_is_never_queued() {
    let code = cjs_handler(
        r#"
  clearTimeout(setTimeout(() => console.log('never'), 10));
  await new Promise((r) => setTimeout(r, 20));
"#,
    );
    let (mut inst, _clock) = instance(&code);
    let exec = inst.start(post_login()).unwrap();
    let ops = inst.take_ops();
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].kind, HostOpKind::Timer { delay_ms: 20 });
    inst.complete(ops[0].id, OpResult::TimerFired);
    let report = take_report(&mut inst, exec).unwrap();
    expect_completed(&report);
    assert!(report.console.is_empty());
}

#[test]
fn a_timer_cancelled_after_the_driver_took_it_does_nothing_when_completed() {
    let code = cjs_handler(
        r#"
  let fired = false;
  const t = setTimeout(() => { fired = true; }, 100);
  await new Promise((r) => setTimeout(r, 50));
  clearTimeout(t);
  await new Promise((r) => setTimeout(r, 100));
  console.log(String(fired));
"#,
    );
    let (mut inst, clock) = instance(&code);
    let exec = inst.start(post_login()).unwrap();
    let first = inst.take_ops();
    assert_eq!(first.len(), 2);
    let (slow, fast) = (&first[0], &first[1]);
    clock.advance(50);
    inst.complete(fast.id, OpResult::TimerFired);
    // The 100 ms timer was cleared: it is no longer pending and completing it is ignored.
    assert!(!inst.is_pending(slow.id));
    inst.complete(slow.id, OpResult::TimerFired);
    let next = inst.take_ops();
    assert_eq!(next.len(), 1);
    clock.advance(100);
    inst.complete(next[0].id, OpResult::TimerFired);
    let report = take_report(&mut inst, exec).unwrap();
    assert_eq!(console_texts(&report), ["false"]);
}

#[test]
fn set_interval_repeats_until_cleared() {
    let report = run_handler(
        r#"
  let ticks = 0;
  await new Promise((done) => {
    const id = setInterval((label) => {
      ticks += 1;
      console.log(`${label} ${ticks} at +${Date.now() - event.started}`);
      if (ticks === 3) { clearInterval(id); done(); }
    }, 100, 'tick');
  });
  await new Promise((r) => setTimeout(r, 1000));
  console.log(`total ${ticks}`);
"#
        .replace("event.started", &T0.to_string())
        .as_str(),
    );
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        [
            "tick 1 at +100",
            "tick 2 at +200",
            "tick 3 at +300",
            "total 3"
        ]
    );
    assert_eq!(report.finished_at_ms, T0 + 1300);
}

#[test]
fn set_immediate_and_timer_callbacks_must_be_functions() {
    let report = run_handler(
        r#"
  await new Promise((r) => setImmediate(r));
  try { setTimeout('code string', 10); } catch (e) { console.log(`${e.name}`); }
  const id = setImmediate(() => console.log('cleared'));
  clearImmediate(id);
  await new Promise((r) => setTimeout(r, 5));
"#,
    );
    assert_eq!(console_texts(&report), ["TypeError"]);
}

#[test]
fn responder_sees_requests_in_order_with_virtual_time() {
    let code = cjs_handler(
        r#"
  await fetch('https://one.example.com');
  await new Promise((r) => setTimeout(r, 700));
  await fetch('https://two.example.com');
"#,
    );
    let (mut inst, clock) = instance(&code);
    let log = RefCell::new(Vec::new());
    let report = run_to_end(&mut inst, &clock, post_login(), |req| {
        log.borrow_mut().push((req.url.clone(), clock.now_ms()));
        text_response(204, &[], "")
    });
    expect_completed(&report);
    assert_eq!(
        log.into_inner(),
        [
            ("https://one.example.com/".to_string(), T0),
            ("https://two.example.com/".to_string(), T0 + 700),
        ]
    );
}

#[test]
fn headers_and_response_helpers_behave_like_the_fetch_standard() {
    let report = run_handler(
        r#"
  const h = new Headers({ 'X-A': '1' });
  h.append('x-a', '2');
  h.set('B', 'b');
  console.log(`${h.get('x-a')}|${h.has('b')}|${[...h.keys()].join(',')}`);
  const r = Response.json({ ok: 1 }, { status: 202 });
  console.log(`${r.status}|${r.ok}|${r.headers.get('content-type')}|${await r.text()}`);
  const q = new URLSearchParams('?a=1&b=two+words&a=3');
  console.log(`${q.get('a')}|${q.getAll('a').join(',')}|${q.get('b')}|${q.toString()}`);
"#,
    );
    assert_eq!(
        console_texts(&report),
        [
            "1, 2|true|b,x-a",
            r#"202|true|application/json|{"ok":1}"#,
            "1|1,3|two words|a=1&b=two+words&a=3",
        ]
    );
}

#[test]
fn a_zero_delay_timer_waits_one_millisecond_as_node_clamps_it() {
    let report = run_handler(
        r#"
  const start = Date.now();
  let polls = 0;
  while (Date.now() === start) {
    polls += 1;
    await new Promise((r) => setTimeout(r, 0));
  }
  const afterTimeout = Date.now() - start;
  let ticks = 0;
  const t0 = Date.now();
  await new Promise((resolve) => {
    const id = setInterval(() => { ticks += 1; if (ticks === 5) { clearInterval(id); resolve(); } }, 0);
  });
  const t1 = Date.now();
  await new Promise((r) => setTimeout(r, -5));
  await new Promise((r) => setTimeout(r, NaN));
  const t2 = Date.now();
  await new Promise((r) => setImmediate(r));
  console.log(`${polls} ${afterTimeout} ${t1 - t0} ${t2 - t1} ${Date.now() - t2}`);
"#,
    );
    expect_completed(&report);
    // One poll advances 1 ms; five interval ticks 5 ms; -5 and NaN clamp to 1 ms each;
    // setImmediate waits no virtual time.
    assert_eq!(console_texts(&report), ["1 1 5 2 0"]);
}
