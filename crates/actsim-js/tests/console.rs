//! Console capture: every level is recorded with its virtual time, arguments are formatted like
//! Node's `util.format` (`%s`, `%d`, `%i`, `%f`, `%j`, `%o`, `%%`, objects printed readably), the
//! per-execution byte cap truncates and flags the report, and output written after an execution
//! ended lands in the instance's orphan console.

use crate::common;

use actsim_js::{HostOpKind, InstanceConfig, OpResult};
use common::*;

#[test]
fn every_level_is_captured_in_order() {
    let report = run_handler(
        r#"
  console.log('l'); console.info('i'); console.warn('w');
  console.error('e'); console.debug('d'); console.trace('t');
  console.dir({ a: 1 });
"#,
    );
    let got: Vec<(String, String)> = report
        .console
        .iter()
        .map(|l| (l.level.clone(), l.text.clone()))
        .collect();
    let want = [
        ("log", "l"),
        ("info", "i"),
        ("warn", "w"),
        ("error", "e"),
        ("debug", "d"),
        ("trace", "t"),
        ("log", "{ a: 1 }"),
    ]
    .map(|(a, b)| (a.to_string(), b.to_string()));
    assert_eq!(got, want);
    assert!(report.console.iter().all(|l| l.at_ms == T0));
    assert!(!report.console_truncated);
}

#[test]
fn format_specifiers_work_like_util_format() {
    let report = run_handler(
        r#"
  console.log('%s is %d years', 'Ada', 36);
  console.log('%s', 42);
  console.log('%i|%f|%d', '42.9px', '1.5', '7');
  console.log('json %j', { a: [1, 'x'], b: null });
  console.log('100%% sure %s', 'yes');
  console.log('%s and %s', 'only-one');
  console.log('%o', { k: 'v' });
  console.log('extra', 'args', 3, true, null, undefined);
  console.log('no specifiers', { a: 1 });
  console.log('%d', 'abc');
  const c = {}; c.self = c;
  console.log('%j', c);
"#,
    );
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        [
            "Ada is 36 years",
            "42",
            "42|1.5|7",
            r#"json {"a":[1,"x"],"b":null}"#,
            "100% sure yes",
            "only-one and %s",
            "{ k: 'v' }",
            "extra args 3 true null undefined",
            "no specifiers { a: 1 }",
            "NaN",
            "[Circular]",
        ]
    );
}

#[test]
fn objects_are_printed_readably() {
    let report = run_handler(
        r#"
  console.log({ name: 'ada', n: 1, ok: true, nested: { list: [1, 'two', null], 'odd-key': undefined } });
  console.log([]);
  console.log({});
  console.log([1, [2, [3]]]);
  console.log(new Map([['a', 1]]));
  console.log(new Set([1, 2]));
  console.log(new Date(0));
  console.log(function named() {});
  console.log(10n);
  const c = { x: 1 }; c.me = c;
  console.log(c);
  console.log({ a: { b: { c: { d: { e: 1 } } } } });
  console.log("it's", 'plain');
"#,
    );
    assert_eq!(
        console_texts(&report),
        [
            "{ name: 'ada', n: 1, ok: true, nested: { list: [ 1, 'two', null ], 'odd-key': undefined } }",
            "[]",
            "{}",
            "[ 1, [ 2, [ 3 ] ] ]",
            "Map(1) { 'a' => 1 }",
            "Set(2) { 1, 2 }",
            "1970-01-01T00:00:00.000Z",
            "[Function: named]",
            "10n",
            "{ x: 1, me: [Circular *] }",
            "{ a: { b: { c: { d: [Object] } } } }",
            "it's plain",
        ]
    );
}

#[test]
fn errors_print_name_and_message() {
    let report = run_handler("console.error(new TypeError('bad input'));");
    let text = &report.console[0].text;
    assert!(text.starts_with("TypeError: bad input"), "{text}");
    assert_eq!(report.console[0].level, "error");
}

#[test]
fn console_lines_carry_virtual_time() {
    let report = run_handler(
        r#"
  console.log('a');
  await new Promise((r) => setTimeout(r, 250));
  console.log('b');
"#,
    );
    let at: Vec<i64> = report.console.iter().map(|l| l.at_ms).collect();
    assert_eq!(at, [T0, T0 + 250]);
}

#[test]
fn the_default_cap_is_256_kib_per_execution() {
    assert_eq!(InstanceConfig::default().console_cap_bytes, 256 * 1024);
    // 300 lines of 1 KiB: only the first 256 fit.
    let code = cjs_handler("for (let i = 0; i < 300; i++) console.log('x'.repeat(1024));");
    let (mut inst, clock) = instance(&code);
    let report = run(&mut inst, &clock, post_login());
    expect_completed(&report);
    assert_eq!(report.console.len(), 256);
    assert!(report.console_truncated);
    let bytes: usize = report.console.iter().map(|l| l.text.len()).sum();
    assert_eq!(bytes, 256 * 1024);

    // The cap is per execution: the next one starts with a fresh budget.
    let again = run(&mut inst, &clock, post_login());
    assert_eq!(again.console.len(), 256);
    assert!(again.console_truncated);
}

#[test]
fn a_small_cap_truncates_and_drops_everything_after_the_cut() {
    let config = InstanceConfig {
        console_cap_bytes: 10,
        ..InstanceConfig::default()
    };
    let code = cjs_handler(
        r#"
  console.log('12345');
  console.log('6789');
  console.log('this line does not fit');
  console.log('a');
  api.idToken.setCustomClaim('still', 'runs');
"#,
    );
    let (mut inst, clock) = instance_with("a.js", &code, config);
    let report = run(&mut inst, &clock, post_login());
    expect_completed(&report);
    // Output stops at the cut: the short line after it is not kept either, so the captured
    // console is always a prefix of what the action wrote.
    assert_eq!(console_texts(&report), ["12345", "6789"]);
    assert!(report.console_truncated);
    assert_eq!(report.commands.len(), 1);
}

#[test]
fn output_under_the_cap_is_not_flagged() {
    let config = InstanceConfig {
        console_cap_bytes: 10,
        ..InstanceConfig::default()
    };
    let (mut inst, clock) =
        instance_with("a.js", &cjs_handler("console.log('0123456789');"), config);
    let report = run(&mut inst, &clock, post_login());
    assert_eq!(console_texts(&report), ["0123456789"]);
    assert!(!report.console_truncated);
}

#[test]
fn output_after_the_execution_ended_goes_to_the_orphan_console() {
    let code = cjs_handler("setTimeout(() => console.log('late'), 5000); console.log('early');");
    let (mut inst, clock) = instance(&code);
    let exec = inst.start(post_login()).unwrap();
    let ops = inst.take_ops();
    // The handler did not wait for its timer: it has already ended.
    let report = take_report(&mut inst, exec).expect("ended without waiting");
    assert_eq!(console_texts(&report), ["early"]);
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].kind, HostOpKind::Timer { delay_ms: 5000 });
    assert_eq!(ops[0].exec_id, Some(exec));
    clock.advance(5000);
    inst.complete(ops[0].id, OpResult::TimerFired);
    let orphan = inst.take_orphan_console();
    assert_eq!(orphan.len(), 1);
    assert_eq!(orphan[0].text, "late");
    assert_eq!(orphan[0].at_ms, T0 + 5000);
    assert!(inst.take_finished().is_empty());
    assert!(inst.take_orphan_console().is_empty());
}

#[test]
fn module_scope_output_belongs_to_the_first_execution_even_in_an_es_module() {
    let code = "console.info('loading');\nexport const onExecutePostLogin = async () => { console.log('run'); };\n";
    let (mut inst, clock) = instance(code);
    let report = run(&mut inst, &clock, post_login());
    assert_eq!(
        report
            .console
            .iter()
            .map(|l| (l.level.as_str(), l.text.as_str()))
            .collect::<Vec<_>>(),
        [("info", "loading"), ("log", "run")]
    );
    assert!(inst.take_orphan_console().is_empty());
}
