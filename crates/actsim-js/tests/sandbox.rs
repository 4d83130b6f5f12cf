//! The sandbox: no filesystem, processes, sockets or environment from JavaScript; the only
//! network is `fetch` (host operations). Refused built-ins, requires and imports that leave the
//! action's directory, and `process` escapes each fail with a clear message.

use crate::common;

use std::path::PathBuf;

use actsim_js::{ErrorKind, InstanceConfig, NODE_VERSION};
use common::*;

fn app_file() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/resolve/app/action.js")
        .to_string_lossy()
        .into_owned()
}

fn run_in_app(code: &str) -> actsim_js::ExecutionReport {
    let (mut inst, clock) = instance_with(&app_file(), code, InstanceConfig::default());
    run(&mut inst, &clock, post_login())
}

/// `code|message` of what `require(spec)` throws in the fixture app, or `loaded`.
fn require_outcome(spec: &str) -> String {
    let report = run_in_app(&cjs_handler(&format!(
        "try {{ require('{spec}'); console.log('loaded'); }} catch (e) {{ console.log(`${{e.code}}|${{e.message}}`); }}"
    )));
    expect_completed(&report);
    console_texts(&report)[0].clone()
}

#[test]
fn refused_built_ins_fail_at_require_with_the_reason() {
    let cases = [
        ("fs", "require('fs'): Auth0 Actions cannot use the filesystem (writes are disabled in Node 22 actions); actsim refuses it"),
        ("node:fs/promises", "require('node:fs/promises'): Auth0 Actions cannot use the filesystem"),
        ("child_process", "require('child_process'): Auth0 Actions cannot start processes or threads; actsim refuses it"),
        ("worker_threads", "cannot start processes or threads"),
        ("cluster", "cannot start processes or threads"),
        ("net", "no sockets or DNS: the only network is fetch"),
        ("node:dgram", "no sockets or DNS"),
        ("tls", "no sockets or DNS"),
        ("dns", "no sockets or DNS"),
        ("os", "require('os'): actsim does not emulate this Node built-in"),
        ("vm", "actsim does not emulate this Node built-in"),
        ("v8", "actsim does not emulate this Node built-in"),
    ];
    for (spec, message) in cases {
        let outcome = require_outcome(spec);
        assert!(
            outcome.starts_with("ERR_ACTSIM_REFUSED|"),
            "{spec}: {outcome}"
        );
        assert!(outcome.contains(message), "{spec}: {outcome}");
        assert!(outcome.ends_with("actsim refuses it"), "{spec}: {outcome}");
    }
}

#[test]
fn http_https_and_zlib_load_but_refuse_every_call() {
    let report = run_handler(
        r#"
  const http = require('http');
  const https = require('node:https');
  for (const call of [() => https.get('https://example.com'), () => http.request({}), () => require('zlib').gzipSync('x')]) {
    try { call(); console.log('called'); } catch (e) { console.log(`${e.code}|${e.message}`); }
  }
"#,
    );
    expect_completed(&report);
    let lines = console_texts(&report);
    assert_eq!(lines.len(), 3);
    assert!(lines[0].starts_with("ERR_ACTSIM_NOT_EMULATED|https.get: the 'https' module is available in production Node 22, but actsim routes HTTP only through fetch"), "{}", lines[0]);
    assert!(
        lines[1].starts_with("ERR_ACTSIM_NOT_EMULATED|http.request:"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].contains("'zlib'") && lines[2].contains("does not emulate compression"),
        "{}",
        lines[2]
    );
}

#[test]
fn requires_outside_the_action_directory_are_refused_even_if_the_file_exists() {
    for spec in [
        "../outside",
        "../outside.js",
        "../../etc/passwd",
        "/etc/passwd",
        "./lib/../../outside.js",
    ] {
        let outcome = require_outcome(spec);
        assert!(
            outcome.starts_with("ERR_ACTSIM_SANDBOX|"),
            "{spec}: {outcome}"
        );
        assert!(
            outcome.contains(&format!("require('{spec}')"))
                && outcome.contains("is outside the action's directory")
                && outcome.contains("actsim refuses it"),
            "{spec}: {outcome}"
        );
    }
    // Inside the tree, `..` is fine.
    assert_eq!(require_outcome("./lib/../data.json"), "loaded");
    // URLs are not module specifiers actsim loads.
    let outcome = require_outcome("file:///etc/passwd");
    assert!(outcome.starts_with("ERR_ACTSIM_REFUSED|"), "{outcome}");
}

#[test]
fn dynamic_import_outside_the_action_directory_fails_clearly() {
    let report = run_in_app(&cjs_handler(
        r#"
  for (const spec of ['/etc/passwd', '../outside.js', 'fs', './lib/sibling.js']) {
    try { const m = await import(spec); console.log(`loaded ${spec}: ${m.default.name}`); }
    catch (e) { console.log(`${spec} -> ${e.message}`); }
  }
"#,
    ));
    expect_completed(&report);
    let lines = console_texts(&report);
    assert!(lines[0].starts_with("/etc/passwd -> "), "{}", lines[0]);
    assert!(
        lines[0].contains("[ERR_ACTSIM_SANDBOX] import('/etc/passwd')")
            && lines[0].contains("outside the action's directory"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("[ERR_ACTSIM_SANDBOX] import('../outside.js')"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2]
            .contains("[ERR_ACTSIM_REFUSED] import('fs'): Auth0 Actions cannot use the filesystem"),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3], "loaded ./lib/sibling.js: sibling");
}

/// The refusal's reason and code survive a long path: the import's error message names the
/// action's file, the target and the action's directory, and once went through a fixed
/// 256-byte buffer that cut the reason off for a checkout under a temporary directory.
#[test]
fn an_import_refusal_keeps_its_reason_under_a_long_path() {
    let root = std::env::temp_dir().join(format!(
        "actsim-sandbox-{}-{}",
        std::process::id(),
        "a-long-directory-name".repeat(6)
    ));
    let app = root.join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(root.join("outside.js"), "export default 1;\n").unwrap();
    let action = app.join("action.js");
    let code = r#"
export const onExecutePostLogin = async (event, api) => {
  try { await import('../outside.js'); console.log('escaped'); } catch (e) { console.log(`${e.name}|${e.code}|${e.message}`); }
};
"#;
    let (mut inst, clock) =
        instance_with(&action.to_string_lossy(), code, InstanceConfig::default());
    let report = run(&mut inst, &clock, post_login());
    std::fs::remove_dir_all(&root).unwrap();
    expect_completed(&report);
    let line = &console_texts(&report)[0];
    assert!(line.len() > 300, "the message is long: {line}");
    assert!(
        line.starts_with(
            "ReferenceError|ERR_ACTSIM_SANDBOX|Error resolving module '../outside.js'"
        ),
        "{line}"
    );
    assert!(
        line.ends_with("actsim refuses it"),
        "the whole reason is there: {line}"
    );
}

#[test]
fn the_same_applies_to_an_es_module_action() {
    let code = r#"
import { createHash } from 'node:crypto';
export const onExecutePostLogin = async (event, api) => {
  console.log(createHash('sha1').update('x').digest('hex'));
  try { await import('../outside.js'); console.log('escaped'); } catch (e) { console.log(e.message.includes('outside the action')); }
};
"#;
    let report = run_in_app(code);
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        ["11f6ad8ec52a2984abaafd7c3b516503785c2072", "true"]
    );
    // A static import of a refused module fails when the module is compiled.
    let report =
        run_in_app("import fs from 'fs';\nexport const onExecutePostLogin = async () => {};\n");
    let e = error_of(&report);
    assert!(
        e.message
            .contains("import('fs'): Auth0 Actions cannot use the filesystem"),
        "{e:?}"
    );
}

#[test]
fn process_has_no_escape_hatches() {
    let report = run_handler(
        r#"
  console.log(JSON.stringify(process.env), Object.keys(process.env).length);
  console.log(process.version, process.versions.node, process.platform);
  for (const [name, call] of [['binding', () => globalThis.process.binding('fs')], ['exit', () => process.exit(0)], ['kill', () => process.kill(1)], ['dlopen', () => process.dlopen({}, 'x.node')], ['chdir', () => process.chdir('/')]]) {
    try { call(); console.log(`${name} returned`); } catch (e) { console.log(`${e.code}|${e.message}`); }
  }
  console.log(process.cwd());
"#,
    );
    expect_completed(&report);
    let lines = console_texts(&report);
    assert_eq!(lines[0], "{} 0");
    assert_eq!(
        lines[1],
        format!(
            "{NODE_VERSION} {} linux",
            NODE_VERSION.trim_start_matches('v')
        )
    );
    assert!(NODE_VERSION.starts_with("v22."));
    assert_eq!(
        lines[2],
        "ERR_ACTSIM_REFUSED|process.binding: internal Node bindings would escape the sandbox; actsim refuses it"
    );
    assert_eq!(
        lines[3],
        "ERR_ACTSIM_REFUSED|process.exit: actions cannot control or leave their process; actsim refuses it"
    );
    assert!(
        lines[4].starts_with("ERR_ACTSIM_REFUSED|process.kill:"),
        "{}",
        lines[4]
    );
    assert!(
        lines[5].contains("native addons are not supported"),
        "{}",
        lines[5]
    );
    assert!(
        lines[6].starts_with("ERR_ACTSIM_REFUSED|process.chdir:"),
        "{}",
        lines[6]
    );
    assert_eq!(lines[7], "/");
}

#[test]
fn process_env_is_per_instance_and_starts_empty() {
    let code = cjs_handler(
        "console.log(process.env.MARK || 'unset'); process.env.MARK = 'set by an execution';",
    );
    let (mut one, clock) = instance(&code);
    let (mut two, _) = instance(&code);
    let a = console_texts(&run(&mut one, &clock, post_login()));
    let b = console_texts(&run(&mut one, &clock, post_login()));
    let c = console_texts(&run(&mut two, &clock, post_login()));
    assert_eq!(
        [a, b, c].concat(),
        ["unset", "set by an execution", "unset"]
    );
}

#[test]
fn no_host_internals_are_reachable_from_javascript() {
    let report = run_handler(
        r#"
  const names = ['__host', '__actsim_internal', '__actsim_builtins', '__actsim_node_sources', 'std', 'os', 'scriptArgs'];
  console.log(names.map((n) => typeof globalThis[n]).join(','));
  console.log((0, eval)('typeof __host'), new Function('return typeof __actsim_internal')());
  try { __actsim_import('cjs', '/etc/passwd'); console.log('read'); } catch (e) { console.log(e.message); }
"#,
    );
    expect_completed(&report);
    let lines = console_texts(&report);
    assert_eq!(
        lines[0],
        "undefined,undefined,undefined,undefined,undefined,undefined,undefined"
    );
    assert_eq!(lines[1], "undefined undefined");
    assert!(
        lines[2].contains("was not resolved by require or import; refusing to read it"),
        "{}",
        lines[2]
    );
}

#[test]
fn a_module_init_require_outside_the_tree_is_a_module_init_failure() {
    let report = run_in_app(
        "const x = require('../outside');\nexports.onExecutePostLogin = async () => {};\n",
    );
    let e = expect_failure(&report, ErrorKind::ModuleInit);
    assert!(
        e.message.contains("is outside the action's directory"),
        "{}",
        e.message
    );
}
