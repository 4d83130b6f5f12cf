//! Failures end one execution and leave the host healthy: an endless loop stops at the CPU
//! budget and the same instance keeps working, running out of memory fails the execution and
//! poisons the instance, deep recursion fails cleanly, unhandled rejections fail the execution
//! (but a rejection handled later in the same tick does not), uncaught errors in timer
//! callbacks fail their execution, and a handler that never settles can be aborted.

use crate::common;

use std::time::Duration;

use actsim_js::{ErrorKind, InstanceConfig, OpResult, Outcome};
use common::*;
use serde_json::json;

fn looping_event(looping: bool) -> serde_json::Value {
    let mut event = post_login_event();
    event["loop"] = json!(looping);
    event
}

fn small_cpu_budget() -> InstanceConfig {
    InstanceConfig {
        cpu_budget: Duration::from_millis(200),
        ..InstanceConfig::default()
    }
}

#[test]
fn an_endless_loop_hits_the_cpu_budget_and_the_instance_survives() {
    let code = r#"
let runs = 0;
exports.onExecutePostLogin = async (event, api) => {
  runs += 1;
  api.idToken.setCustomClaim('runs', runs);
  if (event.loop) {
    while (true) {}
  }
};
"#;
    let (mut inst, clock) = instance_with("loop.js", code, small_cpu_budget());
    let report = run(&mut inst, &clock, post_login_with(looping_event(true)));
    let e = expect_failure(&report, ErrorKind::CpuBudgetExceeded);
    assert!(e.message.contains("200 ms"), "{}", e.message);
    assert_eq!(report.commands.len(), 1);
    assert!(
        inst.is_poisoned(),
        "an interrupted instance is flagged so that drivers replace it"
    );
    assert!(inst.running().is_empty());

    // Flagged or not, the process stays healthy: the same instance still runs the next
    // execution normally, module state intact.
    let next = run(&mut inst, &clock, post_login_with(looping_event(false)));
    expect_completed(&next);
    assert_eq!(next.commands[0].args, json!(["runs", 2]));

    // And it can be stopped again.
    let again = run(&mut inst, &clock, post_login_with(looping_event(true)));
    expect_failure(&again, ErrorKind::CpuBudgetExceeded);
    expect_completed(&run(
        &mut inst,
        &clock,
        post_login_with(looping_event(false)),
    ));
}

#[test]
fn an_endless_loop_after_an_await_is_stopped_too() {
    let code = cjs_handler(
        r#"
  await new Promise((r) => setTimeout(r, 10));
  if (event.loop) { for (;;) {} }
  console.log('done');
"#,
    );
    let (mut inst, clock) = instance_with("loop.js", &code, small_cpu_budget());
    let report = run(&mut inst, &clock, post_login_with(looping_event(true)));
    expect_failure(&report, ErrorKind::CpuBudgetExceeded);
    let next = run(&mut inst, &clock, post_login_with(looping_event(false)));
    expect_completed(&next);
    assert_eq!(console_texts(&next), ["done"]);
}

#[test]
fn a_loop_that_catches_errors_cannot_swallow_the_interrupt() {
    let code = cjs_handler(
        r#"
  if (event.loop) {
    while (true) { try { while (true) {} } catch (e) { console.log('caught'); } }
  }
"#,
    );
    let (mut inst, clock) = instance_with("loop.js", &code, small_cpu_budget());
    let report = run(&mut inst, &clock, post_login_with(looping_event(true)));
    expect_failure(&report, ErrorKind::CpuBudgetExceeded);
    assert!(report.console.is_empty(), "{:?}", report.console);
    expect_completed(&run(
        &mut inst,
        &clock,
        post_login_with(looping_event(false)),
    ));
}

#[test]
fn an_endless_loop_in_an_es_module_handler_is_stopped_and_the_instance_survives() {
    let code = r#"
const decode = require('jwt-decode');
export const onExecutePostLogin = async (event, api) => {
  if (event.loop) { while (true) {} }
  api.idToken.setCustomClaim('ok', typeof decode);
};
"#;
    let (mut inst, clock) = instance_with("loop.mjs", code, small_cpu_budget());
    let report = run(&mut inst, &clock, post_login_with(looping_event(true)));
    let e = expect_failure(&report, ErrorKind::CpuBudgetExceeded);
    assert_eq!(e.location.as_ref().map(|l| l.line), Some(4));
    let next = run(&mut inst, &clock, post_login_with(looping_event(false)));
    expect_completed(&next);
    assert_eq!(next.commands[0].args, json!(["ok", "function"]));
}

#[test]
fn a_commonjs_module_stopped_at_its_top_level_is_loaded_again_next_time() {
    // The first load loops; the interrupted module never finished, so the next execution
    // evaluates it again (this time it does not loop).
    let code = r#"
console.log('loading');
if (!globalThis.triedOnce) { globalThis.triedOnce = true; while (true) {} }
exports.onExecutePostLogin = async () => { console.log('handler'); };
"#;
    let (mut inst, clock) = instance_with("top.js", code, small_cpu_budget());
    let first = run(&mut inst, &clock, post_login());
    let e = expect_failure(&first, ErrorKind::CpuBudgetExceeded);
    assert_eq!(e.location.as_ref().map(|l| l.line), Some(3));
    assert_eq!(console_texts(&first), ["loading"]);
    let second = run(&mut inst, &clock, post_login());
    expect_completed(&second);
    assert_eq!(console_texts(&second), ["loading", "handler"]);
}

#[test]
fn a_huge_allocation_runs_out_of_memory_and_poisons_the_instance() {
    let config = InstanceConfig {
        memory_limit_bytes: 32 * 1024 * 1024,
        ..InstanceConfig::default()
    };
    let code = cjs_handler(
        r#"
  const huge = 'x'.repeat(1024 * 1024 * 1024 - 1);
  console.log(String(huge.length));
"#,
    );
    let (mut inst, clock) = instance_with("oom.js", &code, config);
    assert!(!inst.is_poisoned());
    let report = run(&mut inst, &clock, post_login());
    let e = expect_failure(&report, ErrorKind::OutOfMemory);
    assert!(e.message.contains("out of memory"), "{}", e.message);
    assert!(e.message.contains("memory limit"), "{}", e.message);
    assert!(report.console.is_empty());
    assert!(inst.is_poisoned());
}

#[test]
fn running_out_of_memory_at_module_scope_poisons_the_instance_too() {
    let config = InstanceConfig {
        memory_limit_bytes: 32 * 1024 * 1024,
        ..InstanceConfig::default()
    };
    let code =
        "const table = new Array(1 << 28).fill(0);\nexports.onExecutePostLogin = async () => {};\n";
    let (mut inst, clock) = instance_with("oom.js", code, config);
    let report = run(&mut inst, &clock, post_login());
    let e = expect_failure(&report, ErrorKind::OutOfMemory);
    assert!(e.message.contains("out of memory"), "{}", e.message);
    assert!(inst.is_poisoned());
}

#[test]
fn an_out_of_memory_error_the_action_catches_is_not_a_failure() {
    let config = InstanceConfig {
        memory_limit_bytes: 32 * 1024 * 1024,
        ..InstanceConfig::default()
    };
    let code = cjs_handler(
        r#"
  try { 'x'.repeat(1024 * 1024 * 1024 - 1); } catch (e) { console.log(e.message); }
"#,
    );
    let (mut inst, clock) = instance_with("oom.js", &code, config);
    let report = run(&mut inst, &clock, post_login());
    expect_completed(&report);
    assert_eq!(console_texts(&report), ["out of memory"]);
    assert!(!inst.is_poisoned());
}

#[test]
fn deep_recursion_fails_the_execution_without_crashing() {
    let code = cjs_handler(
        r#"
  if (event.recurse) {
    const down = (n) => down(n + 1) + 1;
    down(0);
  }
  console.log('fine');
"#,
    );
    let (mut inst, clock) = instance(&code);
    let mut event = post_login_event();
    event["recurse"] = json!(true);
    let report = run(&mut inst, &clock, post_login_with(event));
    let e = error_of(&report);
    assert_ne!(e.kind, ErrorKind::OutOfMemory);
    assert!(e.message.contains("stack"), "{e:?}");
    assert!(!inst.is_poisoned());
    // The instance still works.
    let next = run(&mut inst, &clock, post_login());
    expect_completed(&next);
    assert_eq!(console_texts(&next), ["fine"]);
}

#[test]
fn a_rejected_promise_nobody_awaits_is_an_unhandled_rejection() {
    let report = run_handler(
        r#"
  api.idToken.setCustomClaim('before', 1);
  Promise.reject(new TypeError('nobody listens'));
"#,
    );
    let e = expect_failure(&report, ErrorKind::UnhandledRejection);
    assert!(e.message.contains("TypeError"), "{}", e.message);
    assert!(e.message.contains("nobody listens"), "{}", e.message);
    assert_eq!(report.commands.len(), 1);
}

#[test]
fn a_floating_async_call_that_rejects_later_is_an_unhandled_rejection() {
    let report = run_handler(
        r#"
  const later = async () => {
    await new Promise((r) => setTimeout(r, 50));
    throw new Error('background task failed');
  };
  later();
  await new Promise((r) => setTimeout(r, 100));
  console.log('handler finished');
"#,
    );
    let e = expect_failure(&report, ErrorKind::UnhandledRejection);
    assert!(
        e.message.contains("background task failed"),
        "{}",
        e.message
    );
    // It failed when the rejection happened, before the handler's own timer.
    assert!(report.console.is_empty());
    assert_eq!(report.finished_at_ms, T0 + 50);
}

#[test]
fn a_rejection_caught_later_in_the_same_tick_is_not_reported() {
    let report = run_handler(
        r#"
  const p = Promise.reject(new Error('handled soon'));
  await null;
  await Promise.resolve();
  const message = await p.catch((e) => e.message);
  console.log(message);
"#,
    );
    expect_completed(&report);
    assert_eq!(console_texts(&report), ["handled soon"]);
}

#[test]
fn a_rejection_caught_only_after_a_timer_is_reported() {
    let report = run_handler(
        r#"
  const p = Promise.reject(new Error('handled too late'));
  await new Promise((r) => setTimeout(r, 10));
  await p.catch(() => {});
"#,
    );
    let e = expect_failure(&report, ErrorKind::UnhandledRejection);
    assert!(e.message.contains("handled too late"));
}

#[test]
fn an_error_thrown_in_a_timer_callback_fails_the_execution() {
    let report = run_handler(
        r#"
  setTimeout(() => { throw new Error('thrown in a timer'); }, 10);
  await new Promise((r) => setTimeout(r, 100));
  console.log('not reached');
"#,
    );
    let e = expect_failure(&report, ErrorKind::Thrown);
    assert_eq!(e.message, "thrown in a timer");
    assert_eq!(e.location.as_ref().map(|l| l.line), Some(3));
    assert!(report.console.is_empty());
}

#[test]
fn a_handler_that_never_settles_stays_running_until_aborted() {
    let code = cjs_handler(
        r#"
  api.user.setAppMetadata('started', true);
  await new Promise(() => {});
"#,
    );
    let (mut inst, clock) = instance(&code);
    let exec = inst.start(post_login()).unwrap();
    assert!(drive(&mut inst, &clock, exec, no_network).is_none());
    assert_eq!(inst.running(), [exec]);
    assert!(inst.take_finished().is_empty());

    clock.advance(20_000);
    inst.abort(exec, "gave up after 20 s");
    assert!(inst.running().is_empty());
    let report = take_report(&mut inst, exec).expect("the aborted report");
    let e = expect_failure(&report, ErrorKind::Aborted);
    assert_eq!(e.message, "gave up after 20 s");
    assert_eq!(report.commands.len(), 1);
    assert_eq!(report.finished_at_ms, T0 + 20_000);

    // Aborting again does nothing; the instance runs the next execution.
    inst.abort(exec, "again");
    assert!(inst.take_finished().is_empty());
    let s = post_login();
    let next = inst.start(s).unwrap();
    assert_eq!(inst.running(), [next]);
    inst.abort(next, "x");
}

#[test]
fn work_completing_after_an_abort_is_ignored() {
    let code = cjs_handler(
        r#"
  await new Promise((r) => setTimeout(r, 1000));
  api.access.deny('late');
  console.log('late');
"#,
    );
    let (mut inst, clock) = instance(&code);
    let exec = inst.start(post_login()).unwrap();
    let ops = inst.take_ops();
    assert_eq!(ops.len(), 1);
    assert!(inst.is_pending(ops[0].id));
    inst.abort(exec, "stop");
    let report = take_report(&mut inst, exec).unwrap();
    expect_failure(&report, ErrorKind::Aborted);
    clock.advance(1000);
    inst.complete(ops[0].id, OpResult::TimerFired);
    assert!(!inst.is_pending(ops[0].id));
    // The late code ran with no execution to record into.
    assert!(inst.take_finished().is_empty());
    assert_eq!(inst.take_orphan_console().len(), 1);
    // Completing the same op twice (or an unknown op) is a no-op.
    inst.complete(ops[0].id, OpResult::TimerFired);
    inst.complete(9999, OpResult::TimerFired);
    assert!(inst.take_finished().is_empty());
}

#[test]
fn concurrent_executions_on_one_instance_keep_separate_reports() {
    let code = cjs_handler(
        r#"
  api.idToken.setCustomClaim('who', event.user.user_id);
  await new Promise((r) => setTimeout(r, event.delay));
  console.log(event.user.user_id);
  if (event.fail) throw new Error('second failed');
"#,
    );
    let (mut inst, clock) = instance(&code);
    let mut ev_a = post_login_event();
    ev_a["user"]["user_id"] = json!("a");
    ev_a["delay"] = json!(300);
    let mut ev_b = post_login_event();
    ev_b["user"]["user_id"] = json!("b");
    ev_b["delay"] = json!(100);
    ev_b["fail"] = json!(true);
    let a = inst.start(post_login_with(ev_a)).unwrap();
    let b = inst.start(post_login_with(ev_b)).unwrap();
    let mut ops = inst.take_ops();
    assert_eq!(ops.len(), 2);
    assert_eq!((ops[0].exec_id, ops[1].exec_id), (Some(a), Some(b)));
    assert_eq!(inst.running(), [a, b]);
    // b's timer (100 ms) first.
    let op_b = ops.pop().unwrap();
    let op_a = ops.pop().unwrap();
    clock.advance(100);
    inst.complete(op_b.id, OpResult::TimerFired);
    let finished = inst.take_finished();
    assert_eq!(finished.len(), 1);
    assert_eq!(finished[0].exec_id, b);
    assert_eq!(console_texts(&finished[0]), ["b"]);
    assert_eq!(error_of(&finished[0]).message, "second failed");
    assert_eq!(inst.running(), [a]);

    clock.advance(200);
    inst.complete(op_a.id, OpResult::TimerFired);
    let finished = inst.take_finished();
    assert_eq!(finished.len(), 1);
    assert_eq!(finished[0].exec_id, a);
    assert_eq!(console_texts(&finished[0]), ["a"]);
    assert_eq!(finished[0].commands[0].args, json!(["who", "a"]));
    assert!(matches!(finished[0].outcome, Outcome::Completed { .. }));
    assert_eq!(finished[0].finished_at_ms, T0 + 300);
}

/// The host data limit's error, checked for the words a user needs.
fn expect_host_limit(report: &actsim_js::ExecutionReport) {
    let e = expect_failure(report, ErrorKind::HostLimitExceeded);
    assert!(e.message.contains("host data limit"), "{}", e.message);
    assert!(e.message.contains("--host-limit"), "{}", e.message);
    assert!(e.message.contains("[limits]"), "{}", e.message);
}

/// Bytes of command arguments an execution's report holds.
fn command_bytes(report: &actsim_js::ExecutionReport) -> usize {
    report
        .commands
        .iter()
        .map(|c| c.args.to_string().len())
        .sum()
}

#[test]
fn a_loop_of_megabyte_claims_stops_at_the_host_data_limit() {
    let report = run_handler(
        r#"
  for (let i = 0; i < 3000; i += 1) {
    api.idToken.setCustomClaim('claim' + i, 'x'.repeat(1 << 20));
  }
"#,
    );
    expect_host_limit(&report);
    // The default limit is 16 MiB: about 16 of the 3000 claims were recorded, no more.
    assert!(command_bytes(&report) <= actsim_js::DEFAULT_HOST_BYTES);
    assert!(report.commands.len() < 20, "{}", report.commands.len());
}

#[test]
fn access_token_claims_and_objects_count_toward_the_limit_too() {
    // (Transaction metadata cannot get here: its own documented limits, 8 kB a value and 16 KB
    // in all, refuse it first; api_commands.rs tests them.)
    for call in [
        "api.accessToken.setCustomClaim('k' + i, 'x'.repeat(1 << 20))",
        "api.user.setAppMetadata('k' + i, { blob: 'x'.repeat(1 << 20) })",
    ] {
        let report = run_handler(&format!(
            "  for (let i = 0; i < 3000; i += 1) {{ {call}; }}\n"
        ));
        expect_host_limit(&report);
        assert!(
            report.commands.len() < 20,
            "{call}: {}",
            report.commands.len()
        );
    }
}

#[test]
fn console_output_counts_in_full_though_only_256_kib_is_kept() {
    let report = run_handler(
        r#"
  const line = 'y'.repeat(256 * 1024);
  for (let i = 0; i < 3000; i += 1) console.log(line);
"#,
    );
    expect_host_limit(&report);
    let kept: usize = report.console.iter().map(|l| l.text.len()).sum();
    assert!(kept <= 256 * 1024, "{kept}");
    assert!(report.console_truncated);
}

#[test]
fn an_action_that_catches_the_limit_error_still_fails_and_cannot_record_more() {
    let config = InstanceConfig {
        max_host_bytes_per_execution: 64 * 1024,
        ..InstanceConfig::default()
    };
    let code = cjs_handler(
        r#"
  let caught = 0;
  for (let i = 0; i < 100; i += 1) {
    try { api.idToken.setCustomClaim('c' + i, 'z'.repeat(10 * 1024)); } catch (e) { caught += 1; }
  }
  api.idToken.setCustomClaim('caught', caught);
"#,
    );
    let (mut inst, clock) = instance_with("catch.js", &code, config);
    let report = run(&mut inst, &clock, post_login());
    expect_host_limit(&report);
    assert!(report.commands.len() <= 7, "{}", report.commands.len());
    assert!(command_bytes(&report) <= 64 * 1024);
    // The instance itself is healthy: a small execution completes.
    assert!(!inst.is_poisoned());
}

#[test]
fn the_host_limit_is_per_execution_and_configurable() {
    let config = InstanceConfig {
        max_host_bytes_per_execution: 4096,
        ..InstanceConfig::default()
    };
    let code = cjs_handler(
        r#"
  api.idToken.setCustomClaim('big', 'q'.repeat(event.size));
"#,
    );
    let (mut inst, clock) = instance_with("limit.js", &code, config);
    let mut event = post_login_event();
    event["size"] = json!(3000);
    // 3000 bytes fit, and each execution starts from zero.
    expect_completed(&run(&mut inst, &clock, post_login_with(event.clone())));
    expect_completed(&run(&mut inst, &clock, post_login_with(event.clone())));
    event["size"] = json!(5000);
    let report = run(&mut inst, &clock, post_login_with(event));
    expect_host_limit(&report);
    assert!(report
        .error()
        .is_some_and(|e| e.message.contains("4096 bytes")));
}

#[test]
fn fetch_request_and_response_bodies_count_toward_the_limit() {
    let config = InstanceConfig {
        max_host_bytes_per_execution: 8 * 1024,
        ..InstanceConfig::default()
    };
    let code = cjs_handler(
        r#"
  const res = await fetch('https://api.example.com/x', { method: 'POST', body: 'b'.repeat(event.body) });
  const text = await res.text();
  api.idToken.setCustomClaim('n', text.length);
"#,
    );
    let (mut inst, clock) = instance_with("fetch.js", &code, config);
    let big_answer = |_: &actsim_js::FetchRequest| {
        actsim_js::OpResult::Fetch(actsim_js::FetchResponse {
            status: 200,
            headers: vec![],
            body: "r".repeat(event_size_answer()),
        })
    };
    let mut event = post_login_event();
    event["body"] = json!(10 * 1024);
    let report = run_to_end(
        &mut inst,
        &clock,
        post_login_with(event.clone()),
        no_network,
    );
    expect_host_limit(&report);
    // A small request whose answer is too large fails the same way.
    event["body"] = json!(10);
    let report = run_to_end(&mut inst, &clock, post_login_with(event), big_answer);
    expect_host_limit(&report);
    assert!(report.commands.is_empty());
}

/// The size of the large answer in the fetch test: above its 8 KiB limit.
fn event_size_answer() -> usize {
    20 * 1024
}

#[test]
fn the_documented_huge_allocation_at_32_mib_is_named_out_of_memory() {
    let config = InstanceConfig {
        memory_limit_bytes: 32 * 1024 * 1024,
        ..InstanceConfig::default()
    };
    let code = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/actions/huge-allocation.js"
    ))
    .expect("the fixture exists");
    let (mut inst, clock) = instance_with("huge-allocation.js", &code, config);
    let report = run(&mut inst, &clock, post_login());
    let e = expect_failure(&report, ErrorKind::OutOfMemory);
    assert!(e.message.contains("out of memory"), "{}", e.message);
    assert!(!e.message.contains("non-Error"), "{}", e.message);
    assert!(e.message.contains("--memory-limit"), "{}", e.message);
    assert!(inst.is_poisoned(), "drivers replace the runtime");
}

#[test]
fn throw_null_is_still_a_thrown_value_when_memory_is_fine() {
    let report = run_handler("  throw null;\n");
    let e = expect_failure(&report, ErrorKind::Thrown);
    assert!(
        e.message.contains("non-Error value thrown: null"),
        "{}",
        e.message
    );
}

#[test]
fn a_microtask_loop_after_the_handler_returned_is_named_and_poisons() {
    for (what, body) in [
        (
            "after an await",
            "  await new Promise((r) => setTimeout(r, 10));\n  const spin = () => queueMicrotask(spin);\n  spin();\n",
        ),
        (
            "at once",
            "  const spin = () => Promise.resolve().then(spin);\n  spin();\n",
        ),
    ] {
        let (mut inst, clock) = instance_with("spin.js", &cjs_handler(body), small_cpu_budget());
        let report = run(&mut inst, &clock, post_login());
        let e = expect_failure(&report, ErrorKind::CpuBudgetExceeded);
        assert_eq!(e.name, "CpuBudgetSpentAfterReturn", "{what}");
        assert!(
            e.message.contains("CPU budget spent after the handler returned"),
            "{what}: {}",
            e.message
        );
        assert!(inst.is_poisoned(), "{what}: the runtime must be replaced");
    }
}

#[test]
fn a_loop_inside_the_handler_is_still_a_plain_cpu_budget_failure() {
    let (mut inst, clock) = instance_with(
        "loop.js",
        &cjs_handler("  while (true) {}\n"),
        small_cpu_budget(),
    );
    let report = run(&mut inst, &clock, post_login());
    let e = expect_failure(&report, ErrorKind::CpuBudgetExceeded);
    assert_eq!(e.name, "CpuBudgetExceeded");
}
