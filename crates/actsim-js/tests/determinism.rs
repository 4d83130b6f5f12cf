//! Determinism: time, randomness and timer order come only from the virtual clock and the seed.
//! The same action, seed and clock give identical reports; another seed changes only
//! `Math.random`; `Date` (with and without `new`), `Date.now()` and `performance.now()` follow
//! the clock; timers fire in virtual-time order.

use crate::common;

use actsim_js::{ExecutionReport, InstanceConfig, SeededRng};
use common::*;

const NOISY: &str = r#"
exports.onExecutePostLogin = async (event, api) => {
  console.log(`now ${Date.now()}`);
  console.log(`iso ${new Date().toISOString()}`);
  console.log(`rand ${Math.random()} ${Math.random()}`);
  const order = [];
  const at = (label, ms) => new Promise((resolve) => setTimeout(() => {
    order.push(`${label}@${Date.now() - ${T0}}`);
    resolve();
  }, ms));
  await Promise.all([at('c', 300), at('a', 100), at('b', 100), at('z', 0)]);
  console.log(`order ${order.join(',')}`);
  console.log(`perf ${performance.now()}`);
  api.idToken.setCustomClaim('r', Math.random());
};
"#;

fn noisy_run(seed: u64) -> ExecutionReport {
    let code = NOISY.replace("${T0}", &T0.to_string());
    let config = InstanceConfig {
        seed,
        ..InstanceConfig::default()
    };
    let (mut inst, clock) = instance_with("noisy.js", &code, config);
    run(&mut inst, &clock, post_login())
}

#[test]
fn same_seed_and_clock_give_identical_reports() {
    let a = noisy_run(42);
    let b = noisy_run(42);
    expect_completed(&a);
    assert_eq!(a, b);
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    let texts = console_texts(&a);
    assert_eq!(texts[0], format!("now {T0}"));
    assert_eq!(texts[1], "iso 2023-11-14T22:13:20.000Z");
    // `at('z', 0)` waits 1 ms: Node clamps a 0 delay to 1 ms.
    assert_eq!(texts[3], "order z@1,a@100,b@100,c@300");
    assert_eq!(texts[4], "perf 300");
    assert_eq!(a.finished_at_ms, T0 + 300);
}

#[test]
fn another_seed_changes_only_math_random() {
    let a = noisy_run(1);
    let b = noisy_run(2);
    let (ta, tb) = (console_texts(&a), console_texts(&b));
    assert_ne!(ta[2], tb[2], "Math.random must depend on the seed");
    assert_ne!(a.commands[0].args, b.commands[0].args);
    for i in [0, 1, 3, 4] {
        assert_eq!(ta[i], tb[i]);
    }
}

#[test]
fn math_random_is_the_seeded_generator_across_executions() {
    let code = cjs_handler("console.log(`${Math.random()} ${Math.random()}`);");
    let config = InstanceConfig {
        seed: 7,
        ..InstanceConfig::default()
    };
    let (mut inst, clock) = instance_with("r.js", &code, config);
    let first = run(&mut inst, &clock, post_login());
    let second = run(&mut inst, &clock, post_login());
    let mut rng = SeededRng::new(7);
    for report in [first, second] {
        let values: Vec<f64> = report.console[0]
            .text
            .split(' ')
            .map(|s| s.parse().unwrap())
            .collect();
        // The sequence continues across executions of the instance.
        assert_eq!(values, [rng.next_f64(), rng.next_f64()]);
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
    }
}

#[test]
fn date_follows_the_virtual_clock() {
    let code = cjs_handler(
        r#"
  const d = new Date();
  console.log(String(Date.now()));
  console.log(String(d.getTime()));
  console.log(String(d instanceof Date) + ' ' + String(d.constructor === Date));
  console.log(typeof Date());
  console.log(String(Date() === new Date(Date.now()).toString()));
  console.log(new Date(0).toISOString());
  console.log(String(new Date(2020, 0, 2).getFullYear()));
  console.log(String(Date.UTC(2020, 0, 1)));
  console.log(String(Date.parse('2020-01-01T00:00:00Z')));
  console.log(new Date('2021-05-06T07:08:09Z').toISOString());
  await new Promise((r) => setTimeout(r, 61000));
  console.log(String(Date.now() - d.getTime()));
"#,
    );
    let (mut inst, clock) = instance(&code);
    clock.set(T0 + 12_345);
    let report = run(&mut inst, &clock, post_login());
    expect_completed(&report);
    let now = T0 + 12_345;
    assert_eq!(
        console_texts(&report),
        [
            now.to_string(),
            now.to_string(),
            "true true".to_string(),
            "string".to_string(),
            "true".to_string(),
            "1970-01-01T00:00:00.000Z".to_string(),
            "2020".to_string(),
            "1577836800000".to_string(),
            "1577836800000".to_string(),
            "2021-05-06T07:08:09.000Z".to_string(),
            "61000".to_string(),
        ]
    );
    assert_eq!(clock.now_ms(), now + 61_000);
}

#[test]
fn date_string_without_new_names_the_clock_time() {
    let code = cjs_handler("console.log(Date());");
    let (mut inst, clock) = instance(&code);
    clock.set(0);
    let report = run(&mut inst, &clock, post_login());
    // Whatever the local time zone, the epoch is in 1969 or 1970.
    let text = &report.console[0].text;
    assert!(text.contains("1970") || text.contains("1969"), "{text}");
}

#[test]
fn computation_does_not_move_the_clock() {
    let report = run_handler(
        r#"
  const before = Date.now();
  let x = 0;
  for (let i = 0; i < 2e5; i++) x += Math.sqrt(i);
  console.log(String(Date.now() - before));
"#,
    );
    assert_eq!(console_texts(&report), ["0"]);
    assert_eq!(report.finished_at_ms, report.started_at_ms);
}

#[test]
fn performance_now_is_virtual_time_since_the_instance_started() {
    let code = cjs_handler(
        r#"
  const a = performance.now();
  await new Promise((r) => setTimeout(r, 250));
  console.log(`${a} ${performance.now()} ${performance.timeOrigin}`);
"#,
    );
    let (mut inst, clock) = instance(&code);
    clock.advance(1000);
    let first = run(&mut inst, &clock, post_login());
    assert_eq!(console_texts(&first), [format!("1000 1250 {T0}")]);
    clock.advance(750);
    let second = run(&mut inst, &clock, post_login());
    assert_eq!(console_texts(&second), [format!("2000 2250 {T0}")]);
}

#[test]
fn timers_with_equal_due_times_fire_in_creation_order_and_nested_timers_later() {
    let report = run_handler(
        r#"
  const log = [];
  await new Promise((done) => {
    setTimeout(() => {
      log.push('outer');
      setTimeout(() => { log.push('nested-0'); }, 0);
      setTimeout(() => { log.push('nested-50'); done(); }, 50);
    }, 100);
    setTimeout(() => log.push('second'), 100);
    setImmediate(() => log.push('immediate'));
    Promise.resolve().then(() => log.push('microtask'));
    queueMicrotask(() => log.push('queued-microtask'));
    log.push('sync');
  });
  console.log(log.join(','));
"#,
    );
    assert_eq!(
        console_texts(&report),
        ["sync,microtask,queued-microtask,immediate,outer,second,nested-0,nested-50"]
    );
    assert_eq!(report.finished_at_ms, T0 + 150);
}

#[test]
fn timer_arguments_and_delays_are_passed_through() {
    let code = cjs_handler(
        r#"
  await new Promise((r) => setTimeout((a, b) => { console.log(`${a}-${b}`); r(); }, '20', 'x', 'y'));
  await new Promise((r) => setTimeout(r, -5));
  await new Promise((r) => setTimeout(r));
"#,
    );
    let (mut inst, clock) = instance(&code);
    let exec = inst.start(post_login()).unwrap();
    let mut delays = Vec::new();
    loop {
        let ops = inst.take_ops();
        if ops.is_empty() {
            break;
        }
        for op in ops {
            let actsim_js::HostOpKind::Timer { delay_ms } = op.kind else {
                panic!("unexpected op {op:?}")
            };
            delays.push(delay_ms);
            clock.advance(delay_ms);
            inst.complete(op.id, actsim_js::OpResult::TimerFired);
        }
    }
    // A string delay is a number; negative and missing delays wait 1 ms, as Node clamps them.
    assert_eq!(delays, [20, 1, 1]);
    let report = take_report(&mut inst, exec).expect("ended");
    assert_eq!(console_texts(&report), ["x-y"]);
}
