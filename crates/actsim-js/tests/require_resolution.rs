//! `require` from the action's directory, like Node's CommonJS loader, over hand-written trees
//! in `tests/fixtures/resolve`: relative files with extension and index probing, JSON, `.cjs`,
//! package.json `main`, `exports` (conditions, subpath patterns, null targets, unexported
//! paths), `imports` (`#x`), scoped packages, nested node_modules beside top-level ones,
//! parent directories' node_modules, circular requires with partial exports, one module cache
//! per instance, installed packages over the stand-ins, and ESM-only packages.

use crate::common;

use std::path::PathBuf;

use actsim_js::InstanceConfig;
use common::*;

fn app_file() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/resolve/app/action.js")
        .to_string_lossy()
        .into_owned()
}

/// Run a handler body in an action living in the fixture app directory.
fn run_in_app(body: &str) -> Vec<String> {
    let (mut inst, clock) =
        instance_with(&app_file(), &cjs_handler(body), InstanceConfig::default());
    let report = run(&mut inst, &clock, post_login());
    expect_completed(&report);
    console_texts(&report)
}

/// `code|message` of what `require(spec)` throws, or `loaded`.
fn require_error(spec: &str) -> String {
    let lines = run_in_app(&format!(
        "try {{ require('{spec}'); console.log('loaded'); }} catch (e) {{ console.log(`${{e.code}}|${{e.message}}`); }}"
    ));
    lines[0].clone()
}

#[test]
fn relative_files_probe_extensions_and_see_their_own_filename() {
    let lines = run_in_app(
        r#"
  const h = require('./lib/helper');
  console.log(h.name, h.file, h.dir, h.sibling, h.up);
  console.log(require('./lib/helper.js') === h);
  console.log(require('./data').answer, require('./data.json').answer);
  console.log(require('./only-cjs').kind);
  console.log(require('./dir-with-index'), '|', require('./dir-with-main'));
"#,
    );
    assert_eq!(
        lines,
        [
            "helper /app/lib/helper.js /app/lib sibling 42",
            "true",
            "42 42",
            "cjs-extension",
            "dir index | dir main entry",
        ]
    );
}

#[test]
fn packages_resolve_main_scopes_json_mains_and_nested_node_modules() {
    let lines = run_in_app(
        r#"
  const m = require('main-pkg');
  console.log(m.util, '|', m.dep);
  console.log(require('dep').version);
  console.log(require('@scope/pkg'));
  console.log(require('json-main').from);
  console.log(require('shebang'));
  console.log(require('up-pkg'));
  console.log(require.resolve('main-pkg').replace(/^.*\/app\//, ''));
"#,
    );
    assert_eq!(
        lines,
        [
            "main-pkg util | nested dep",
            "top-level dep",
            "scoped package",
            "json main",
            "shebang stripped",
            "from a parent directory node_modules",
            "node_modules/main-pkg/lib/main.js",
        ]
    );
}

#[test]
fn exports_conditions_patterns_and_imports() {
    let lines = run_in_app(
        r#"
  console.log(require('exports-pkg').format);
  console.log(require('exports-pkg/feature'));
  console.log(require('exports-pkg/sub/a'));
  console.log(require('exports-pkg/package.json').name);
  console.log(JSON.stringify(require('imports-pkg')));
"#,
    );
    assert_eq!(
        lines,
        [
            "require condition",
            "node condition",
            "pattern sub/a",
            "exports-pkg",
            r#"["package import","top-level dep"]"#,
        ]
    );
    let e = require_error("exports-pkg/hidden.js");
    assert!(e.starts_with("ERR_PACKAGE_PATH_NOT_EXPORTED|"), "{e}");
    assert!(e.contains("'./hidden.js'"), "{e}");
    let e = require_error("exports-pkg/sub/private/x");
    assert!(e.starts_with("ERR_PACKAGE_PATH_NOT_EXPORTED|"), "{e}");
}

#[test]
fn missing_modules_say_where_they_were_looked_for() {
    let e = require_error("./nope");
    assert!(
        e.starts_with("MODULE_NOT_FOUND|Cannot find module './nope'"),
        "{e}"
    );
    let e = require_error("not-installed");
    assert!(
        e.starts_with("MODULE_NOT_FOUND|Cannot find module 'not-installed'"),
        "{e}"
    );
    assert!(e.contains("node_modules/not-installed"), "{e}");
    assert!(e.contains("npm install"), "{e}");
}

#[test]
fn circular_requires_see_partial_exports_as_in_node() {
    let lines = run_in_app(
        r#"
  const a = require('./circular/a.js');
  const b = require('./circular/b.js');
  console.log(a.seenInA, '|', b.seenInB, '|', a.done, b.done);
"#,
    );
    assert_eq!(
        lines,
        ["in a, b.done = true | in b, a.done = false | true true"]
    );
}

#[test]
fn the_module_cache_is_per_instance_and_lasts_as_long_as_the_instance() {
    let code = cjs_handler("console.log(require('state')());");
    let (mut one, clock) = instance_with(&app_file(), &code, InstanceConfig::default());
    let (mut two, _) = instance_with(&app_file(), &code, InstanceConfig::default());
    let mut out = Vec::new();
    for which in [1, 1, 2, 1] {
        let inst = if which == 1 { &mut one } else { &mut two };
        let report = run(inst, &clock, post_login());
        out.extend(console_texts(&report));
    }
    assert_eq!(out, ["1", "2", "1", "3"]);
}

#[test]
fn a_module_that_throws_while_loading_is_not_cached() {
    let lines = run_in_app(
        r#"
  try { require('throws-once'); } catch (e) { console.log(e.message); }
  console.log(require('throws-once'));
"#,
    );
    assert_eq!(lines, ["first load fails", "loaded on attempt 2"]);
}

#[test]
fn an_installed_package_wins_over_the_built_in_stand_in() {
    let lines = run_in_app("console.log(require('auth0').fixture);");
    assert_eq!(lines, ["installed auth0 wins over the stand-in"]);
    // Without a node_modules copy, the stand-in answers.
    let report = run_handler("console.log(typeof require('auth0').ManagementClient);");
    assert_eq!(console_texts(&report), ["function"]);
}

#[test]
fn packages_whose_exports_offer_only_an_import_target_fail_with_a_message_naming_the_package() {
    let e = require_error("esm-only");
    assert!(e.starts_with("ERR_REQUIRE_ESM|"), "{e}");
    assert!(e.contains("the package 'esm-only' is"), "{e}");
    assert!(e.contains("import()"), "{e}");
}

/// Node 22.12+ loads ES modules with require() (jose 6 and openid-client 6 are ESM only):
/// require returns the namespace, the same module `import` gives, with its own imports loaded.
#[test]
fn require_loads_es_modules_as_node_22_does() {
    let lines = run_in_app(
        r#"
  const t = require('esm-type');
  console.log(t.kind, Object.prototype.toString.call(t), require('esm-type') === t);
  const g = require('esm-graph');
  console.log(g.default('ada'), g.named);
  const imported = await import('esm-type');
  console.log(imported === t);
"#,
    );
    assert_eq!(
        lines,
        [
            "esm by type [object Module] true",
            "hello ada / esm by type named",
            "true"
        ]
    );
}

#[test]
fn require_of_an_es_module_with_top_level_await_or_a_throw_fails_as_in_node() {
    let e = require_error("esm-tla");
    assert!(
        e.starts_with("ERR_REQUIRE_ASYNC_MODULE|require() cannot be used on an ESM graph with top-level await."),
        "{e}"
    );
    let e = require_error("esm-throws");
    assert_eq!(e, "undefined|esm-throws failed while loading");
}

#[test]
fn require_cache_and_resolve_behave_like_node() {
    let lines = run_in_app(
        r#"
  const id = require.resolve('./lib/sibling');
  const first = require('./lib/sibling');
  console.log(id in require.cache, require.cache[id].exports === first);
  delete require.cache[id];
  console.log(require('./lib/sibling') !== first);
  console.log(require.resolve('crypto'), require.resolve('node:url'));
  console.log(module.id, module.loaded, require.main === module);
"#,
    );
    assert_eq!(
        lines,
        ["true true", "true", "crypto node:url", ". true true"]
    );
}
