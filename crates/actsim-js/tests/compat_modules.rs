//! Node built-in modules (with and without `node:`), ES-module actions importing built-ins,
//! CommonJS packages and ES-module files, and `actions:<name>` Actions Modules with their own
//! `actions.secrets`.
//!
//! `tests/fixtures/compat/node_builtins.js` was run on Node.js; its output is kept in
//! `node_builtins.expected` (one line differs and is marked in the test).

use crate::common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use actsim_js::{ActionSource, Clock, ErrorKind, Instance, InstanceConfig};
use common::*;

fn fixture_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn app_file() -> String {
    fixture_path("resolve/app/action.js")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn util_events_assert_querystring_url_path_and_friends_print_what_node_prints() {
    let body = std::fs::read_to_string(fixture_path("compat/node_builtins.js")).unwrap();
    let report = run_handler(&body);
    expect_completed(&report);
    let expected: Vec<String> =
        std::fs::read_to_string(fixture_path("compat/node_builtins.expected"))
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
    // Node prints "0 == true" for `assert.ok(0)` when it cannot read the call's source (as in
    // `node -e`) and the expression text otherwise; actsim always prints the expression form's
    // first line. The .expected file holds actsim's line there.
    assert_eq!(console_texts(&report), expected);
}

#[test]
fn built_ins_load_with_and_without_the_node_prefix_as_the_same_object() {
    let report = run_handler(
        r#"
  const names = ['assert', 'assert/strict', 'buffer', 'crypto', 'events', 'path', 'path/posix', 'perf_hooks', 'process',
    'querystring', 'string_decoder', 'timers', 'timers/promises', 'url', 'util', 'util/types', 'http', 'https', 'zlib', 'stream'];
  const bad = names.filter((n) => require(n) !== require(`node:${n}`) || require(n) === undefined);
  console.log(bad.join(',') || 'all the same');
  console.log(require('util').types === require('util/types'), require('perf_hooks').performance === performance);
"#,
    );
    assert_eq!(console_texts(&report), ["all the same", "true true"]);
}

#[test]
fn node_crypto_random_values_follow_the_instance_seed() {
    let body = r#"
  const c = require('node:crypto');
  console.log(c.randomBytes(6).toString('hex'), c.randomUUID(), c.randomInt(10, 20));
  const buf = Buffer.alloc(4); c.randomFillSync(buf); console.log(buf.toString('hex'));
  c.randomBytes(3, (err, b) => console.log(`callback ${err} ${b.length}`));
  await new Promise((r) => setTimeout(r, 0));
"#;
    let with_seed = |seed| {
        let config = InstanceConfig {
            seed,
            ..InstanceConfig::default()
        };
        let (mut inst, clock) = instance_with("action.js", &cjs_handler(body), config);
        console_texts(&run(&mut inst, &clock, post_login()))
    };
    let (a, b, c) = (with_seed(5), with_seed(5), with_seed(6));
    assert_eq!(a, b);
    assert_ne!(a[0], c[0]);
    assert_eq!(a[2], "callback null 3");
    let n: u32 = a[0].rsplit(' ').next().unwrap().parse().unwrap();
    assert!((10..20).contains(&n));
}

#[test]
fn util_deprecate_warns_once_through_the_console() {
    let report = run_handler(
        r#"
  const util = require('util');
  const old = util.deprecate((x) => x + 1, 'old() is deprecated, use new()', 'DEP_ACTSIM_1');
  console.log(old(1), old(2));
"#,
    );
    expect_completed(&report);
    let lines: Vec<(String, String)> = report
        .console
        .iter()
        .map(|l| (l.level.clone(), l.text.clone()))
        .collect();
    assert_eq!(
        lines,
        [
            (
                "warn".to_string(),
                "(node) DeprecationWarning: old() is deprecated, use new()".to_string()
            ),
            ("log".to_string(), "2 3".to_string()),
        ]
    );
}

#[test]
fn an_es_module_action_imports_built_ins_packages_and_files() {
    let code = r#"
import crypto, { createHash } from 'node:crypto';
import { EventEmitter } from 'events';
import mainPkg from 'main-pkg';
import { format } from 'exports-pkg';
import esmDefault, { greeting } from './esm/helper.mjs';
import * as helper from './lib/helper.js';
const legacy = require('exports-pkg');
export const onExecutePostLogin = async (event, api) => {
  console.log(createHash('md5').update('x').digest('hex'), crypto.createHash === createHash, typeof EventEmitter);
  console.log(mainPkg.dep, '|', format, '|', legacy.format);
  console.log(esmDefault, '|', greeting, '|', helper.name, helper.default.sibling);
  const dynamic = await import('@scope/pkg');
  console.log(dynamic.default);
};
"#;
    let (mut inst, clock) = instance_with(&app_file(), code, InstanceConfig::default());
    let report = run(&mut inst, &clock, post_login());
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        [
            "9dd4e461268c8034f5c8564e155c67a6 true function",
            "nested dep | import condition | require condition",
            "esm default | esm helper sees helper | helper sibling",
            "scoped package",
        ]
    );
}

// ------------------------------------------------------------------ Actions Modules

fn secrets(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const MODULE_CODE: &str = r#"
const helper = require('../lib/helper');
let calls = 0;
module.exports = {
  apiKey: () => actions.secrets.API_KEY,
  secretNames: () => Object.keys(actions.secrets).join(','),
  count: () => ++calls,
  helperName: helper.name,
  filename: __filename,
};
"#;

fn module_instance(action_code: &str) -> (Instance, Clock) {
    let source = ActionSource::new(app_file(), action_code)
        .with_module(
            "tokens",
            fixture_path("resolve/app/modules/tokens.js").to_string_lossy(),
            MODULE_CODE,
            secrets(&[("API_KEY", "module-secret"), ("OTHER", "x")]),
        )
        .with_module(
            "empty",
            "empty.js",
            "module.exports = 'empty module';",
            BTreeMap::new(),
        );
    let clock = Clock::new(T0);
    let inst = Instance::new(source, clock.clone(), InstanceConfig::default()).unwrap();
    (inst, clock)
}

#[test]
fn actions_modules_load_with_their_own_secrets_visible_only_inside() {
    let (mut inst, clock) = module_instance(&cjs_handler(
        r#"
  const tokens = require('actions:tokens');
  console.log(tokens.apiKey(), tokens.secretNames(), tokens.helperName, tokens.filename.endsWith('/app/modules/tokens.js'));
  console.log(typeof actions, event.secrets.API_KEY === undefined);
  console.log(tokens.count(), require('actions:tokens') === tokens, require('actions:empty'));
  try { require('actions:missing'); } catch (e) { console.log(`${e.code}|${e.message}`); }
"#,
    ));
    let report = run(&mut inst, &clock, post_login());
    expect_completed(&report);
    let lines = console_texts(&report);
    assert_eq!(lines[0], "module-secret API_KEY,OTHER helper true");
    assert_eq!(lines[1], "undefined true");
    assert_eq!(lines[2], "1 true empty module");
    assert_eq!(
        lines[3],
        "MODULE_NOT_FOUND|Cannot find module 'actions:missing': no Actions Module named 'missing' is configured on this instance (configured: 'tokens', 'empty')"
    );
    // Module state lives as long as the instance.
    let report = run(&mut inst, &clock, post_login());
    assert_eq!(console_texts(&report)[2], "2 true empty module");
}

#[test]
fn an_actions_module_that_throws_fails_module_init_of_the_action() {
    let source = ActionSource::new(
        "action.js",
        "const m = require('actions:broken');\nexports.onExecutePostLogin = async () => {};\n",
    )
    .with_module(
        "broken",
        "broken.js",
        "throw new Error('module top level failed');",
        BTreeMap::new(),
    );
    let clock = Clock::new(T0);
    let mut inst = Instance::new(source, clock.clone(), InstanceConfig::default()).unwrap();
    let report = run(&mut inst, &clock, post_login());
    let e = expect_failure(&report, ErrorKind::ModuleInit);
    assert_eq!(e.message, "module top level failed");
}

#[test]
fn an_es_module_action_imports_an_actions_module() {
    let (mut inst, clock) = module_instance(
        "import tokens from 'actions:tokens';\nexport const onExecutePostLogin = async () => { console.log(tokens.apiKey()); };\n",
    );
    let report = run(&mut inst, &clock, post_login());
    expect_completed(&report);
    assert_eq!(console_texts(&report), ["module-secret"]);
}
