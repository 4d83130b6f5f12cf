//! The differential test over the catalog of real-world actions (`actions/catalog/<trigger>/`):
//! every action whose manifest says `"http": false` runs through an [`Instance`] with the
//! manifest's event (its fixture with `overrides` deep-merged over it), secrets, clock and
//! preloaded cache, and must record the commands and end in the outcome of the manifest's
//! `expect` (which `tests/node-runner/check-all.sh` validated against real Node), for the
//! execute step and, when the manifest has one, the continue step. When `node` is installed the
//! same action also runs under Node with the reference runner (`tests/node-runner/record.js`)
//! and both must agree; without node that part is SKIPPED loudly (and fails when `CI=true`).

use crate::common;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::rc::Rc;

use actsim_cache::{CacheLimits, CacheStore, SetOptions};
use actsim_js::{
    ActionSource, Clock, ExecutionReport, ExecutionSpec, Instance, InstanceConfig, Notification,
    Outcome, Phase, SharedCache, Trigger,
};
use common::{no_network, run_to_end};
use serde_json::{json, Value};

/// The clock of a manifest without `now` (record.js's DEFAULT_NOW, 2026-01-01T09:00:00Z).
const DEFAULT_NOW: i64 = 1_767_258_000_000;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Print a loud skip; under `CI=true` a skip is a failure.
fn skip(why: &str) {
    eprintln!("SKIPPED: {why}");
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "a skip under CI=true: {why}"
    );
}

/// Every catalog action without HTTP: (its .js file, its manifest).
fn catalog() -> Vec<(PathBuf, Value)> {
    let dir = repo().join("actions/catalog");
    let mut out = Vec::new();
    let mut triggers: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("actions/catalog exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.ends_with("node_modules"))
        .collect();
    triggers.sort();
    for t in triggers {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&t)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for manifest in files {
            let m: Value = serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
            if m["http"] == json!(false) {
                out.push((manifest.with_extension("js"), m));
            }
        }
    }
    out
}

fn deep_merge(base: &Value, over: &Value) -> Value {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            let mut out = b.clone();
            for (k, v) in o {
                let merged = match b.get(k) {
                    Some(old) => deep_merge(old, v),
                    None => v.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        _ => over.clone(),
    }
}

fn base_event(m: &Value) -> Value {
    let trigger = m["trigger"].as_str().unwrap();
    let fixture = m["event"]["fixture"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("fixtures/events/{trigger}.json"));
    let event: Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join(fixture)).unwrap()).unwrap();
    match m["event"].get("overrides") {
        Some(over) => deep_merge(&event, over),
        None => event,
    }
}

/// What one step recorded: its commands as `{name, args}` and its outcome's name as
/// record.js names it.
fn step_of(report: &ExecutionReport) -> (Value, String) {
    let commands: Vec<Value> = report
        .commands
        .iter()
        .map(|c| json!({ "name": c.name, "args": c.args }))
        .collect();
    let outcome = match &report.outcome {
        Outcome::Failed { .. } => "error",
        Outcome::Completed { denied: true, .. } => "denied",
        Outcome::Completed { .. } if report.notification == Some(Notification::Drop) => "drop",
        Outcome::Completed { .. } if report.notification == Some(Notification::Retry) => "retry",
        Outcome::Completed {
            redirect: Some(r), ..
        } if r.prompt.is_some() => "prompt",
        Outcome::Completed {
            redirect: Some(_), ..
        } => "redirect",
        Outcome::Completed { .. } => "ok",
    };
    (Value::Array(commands), outcome.to_string())
}

/// The event of the continue step: the execute event as the handler left it (post-login's
/// transaction metadata applied), with the manifest's continue overrides merged over it.
fn continue_event(event: &Value, execute: &ExecutionReport, over: &Value) -> Value {
    let mut event = event.clone();
    for c in &execute.commands {
        if c.name == "transaction.setMetadata" {
            let key = c.args[0].as_str().unwrap_or_default().to_string();
            let metadata = &mut event["transaction"]["metadata"];
            if !metadata.is_object() {
                *metadata = json!({});
            }
            let metadata = metadata.as_object_mut().unwrap();
            if c.args[1].is_null() {
                metadata.remove(&key);
            } else {
                metadata.insert(key, c.args[1].clone());
            }
        }
    }
    deep_merge(&event, over)
}

/// What actsim did with the action: the execute step and, if the manifest continues, the
/// continue step (on the same instance and cache, as record.js runs it).
struct Run {
    steps: Vec<(Value, String, Option<String>)>,
}

fn run_actsim(js: &Path, m: &Value) -> Run {
    let trigger: Trigger = m["trigger"].as_str().unwrap().parse().unwrap();
    let now = DEFAULT_NOW;
    let clock = Clock::new(now);
    let code = std::fs::read_to_string(js).unwrap();
    let mut inst = Instance::new(
        ActionSource::new(js.to_string_lossy().into_owned(), code),
        clock.clone(),
        InstanceConfig::default(),
    )
    .expect("the instance starts");
    let cache: SharedCache = Rc::new(RefCell::new(CacheStore::new(CacheLimits::default())));
    if let Some(entries) = m["cache"].as_object() {
        for (k, v) in entries {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            cache
                .borrow_mut()
                .set(k, &text, &SetOptions::default(), now)
                .unwrap();
        }
    }
    let secrets: BTreeMap<String, String> = m["secrets"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let secrets = Rc::new(secrets);
    let event = base_event(m);
    let spec = |phase, event: Value| ExecutionSpec {
        trigger,
        phase,
        event: event.into(),
        secrets: secrets.clone(),
        cache: cache.clone(),
    };
    let execute = run_to_end(
        &mut inst,
        &clock,
        spec(Phase::Execute, event.clone()),
        no_network,
    );
    let mut steps = vec![step(&execute)];
    if let Some(cont) = m.get("continue") {
        let next = continue_event(&event, &execute, &cont["event"]);
        let report = run_to_end(&mut inst, &clock, spec(Phase::Continue, next), no_network);
        steps.push(step(&report));
    }
    Run { steps }
}

fn step(report: &ExecutionReport) -> (Value, String, Option<String>) {
    let (commands, outcome) = step_of(report);
    let error = report.error().map(|e| format!("{}: {}", e.name, e.message));
    (commands, outcome, error)
}

/// The manifest's expectation of each step: (commands, outcome, error text).
fn expected(m: &Value) -> Vec<(Value, String, Option<String>)> {
    let one = |e: &Value| {
        (
            e.get("commands").cloned().unwrap_or(json!([])),
            e["outcome"].as_str().unwrap().to_string(),
            e.get("error").and_then(Value::as_str).map(str::to_string),
        )
    };
    let mut out = vec![one(&m["expect"])];
    if let Some(cont) = m.get("continue") {
        out.push(one(&cont["expect"]));
    }
    out
}

/// Whether the action needs the catalog's npm packages, and they are not installed.
fn missing_packages(js: &Path) -> bool {
    let code = std::fs::read_to_string(js).unwrap();
    let needs = ["jose", "openid-client"].iter().any(|p| {
        code.contains(&format!("require('{p}')")) || code.contains(&format!("from '{p}'"))
    });
    needs && !repo().join("actions/catalog/node_modules").is_dir()
}

fn node_available() -> bool {
    Process::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// record.js's steps for the action: the execute step and the continue step if any.
fn run_node(js: &Path, manifest: &Path) -> Vec<(Value, String, Option<String>)> {
    let out = Process::new("node")
        .arg(repo().join("tests/node-runner/record.js"))
        .arg(js)
        .arg(manifest)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "record.js failed on {}: {}",
        js.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let one = |r: &Value| {
        (
            r["commands"].clone(),
            r["outcome"].as_str().unwrap().to_string(),
            r.get("error").and_then(Value::as_str).map(str::to_string),
        )
    };
    let mut steps = vec![one(&r)];
    if let Some(c) = r.get("continue") {
        steps.push(one(c));
    }
    steps
}

/// Compare commands and outcomes, and that an expected error text is in the actual one.
fn compare(
    label: &str,
    got: &[(Value, String, Option<String>)],
    want: &[(Value, String, Option<String>)],
    problems: &mut Vec<String>,
) {
    if got.len() != want.len() {
        problems.push(format!(
            "{label}: {} steps, expected {}",
            got.len(),
            want.len()
        ));
        return;
    }
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let step = if i == 0 { "execute" } else { "continue" };
        if g.0 != w.0 {
            problems.push(format!(
                "{label} {step}: commands differ\n   actsim   {}\n   expected {}",
                g.0, w.0
            ));
        }
        if g.1 != w.1 {
            problems.push(format!(
                "{label} {step}: outcome {} (error {:?}), expected {}",
                g.1, g.2, w.1
            ));
        }
        if let Some(text) = &w.2 {
            if !g.2.as_deref().unwrap_or_default().contains(text.as_str()) {
                problems.push(format!(
                    "{label} {step}: error {:?} does not say {text:?}",
                    g.2
                ));
            }
        }
    }
}

#[test]
fn every_catalog_action_without_http_records_what_its_manifest_and_node_record() {
    let actions = catalog();
    assert!(
        actions.len() >= 20,
        "the catalog has {} actions without HTTP",
        actions.len()
    );
    let node = node_available();
    if !node {
        skip("catalog differential test: node is not installed; compared with the manifests only");
    }
    let mut problems = Vec::new();
    let mut compared = 0;
    for (js, m) in &actions {
        let label = js
            .strip_prefix(repo())
            .unwrap_or(js)
            .to_string_lossy()
            .into_owned();
        if missing_packages(js) {
            skip(&format!(
                "{label}: run npm ci in actions/catalog (its npm packages are not installed)"
            ));
            continue;
        }
        let got = run_actsim(js, m).steps;
        compare(&label, &got, &expected(m), &mut problems);
        if node {
            let theirs = run_node(js, &js.with_extension("json"));
            compare(&format!("{label} (vs node)"), &got, &theirs, &mut problems);
        }
        compared += 1;
    }
    eprintln!("catalog: {compared} of {} actions compared", actions.len());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// jose 6 is published as an ES module only (`"type": "module"`, an `exports` map without a
/// `require` condition). Node 22 still loads it with `require` (require(esm)) and returns the
/// module namespace object; the catalog's custom-token-exchange action
/// (`legacy-jwt-jose.js`) relies on that. This loads the real jose 6 installed in
/// actions/catalog, signs an HS256 JWT with it and verifies it (and a wrong key's failure).
#[test]
fn require_of_the_es_module_only_jose_6_returns_its_namespace_and_verifies_a_jwt() {
    let dir = repo().join("actions/catalog");
    let package = dir.join("node_modules/jose/package.json");
    if !package.is_file() {
        skip("jose 6 (require of an ES-module-only package): run npm ci in actions/catalog");
        return;
    }
    let p: Value = serde_json::from_str(&std::fs::read_to_string(&package).unwrap()).unwrap();
    let version = p["version"].as_str().unwrap_or_default();
    assert!(
        version.starts_with("6."),
        "jose {version} is installed, not 6.x"
    );
    assert_eq!(p["type"], "module", "jose 6 is an ES module package");
    assert!(
        p["exports"]["."].get("require").is_none(),
        "jose 6 has no CommonJS entry: {}",
        p["exports"]["."]
    );
    let code = "const jose = require('jose');\nconst again = require('jose');\nexports.onExecuteCustomTokenExchange = async (event, api) => {\n  const key = new TextEncoder().encode(event.secrets.KEY);\n  const token = await new jose.SignJWT({ group: 'finance' })\n    .setProtectedHeader({ alg: 'HS256' })\n    .setSubject('legacy-7')\n    .setIssuedAt()\n    .setExpirationTime('5m')\n    .sign(key);\n  const { payload, protectedHeader } = await jose.jwtVerify(token, key, { algorithms: ['HS256'] });\n  let wrong;\n  try {\n    await jose.jwtVerify(token, new TextEncoder().encode('another-secret-of-32-bytes-length!'));\n  } catch (e) {\n    wrong = `${e.constructor.name} ${e.code} ${e instanceof jose.errors.JOSEError}`;\n  }\n  console.log(Object.prototype.toString.call(jose), jose === again, typeof jose.default, typeof jose.jwtVerify);\n  console.log(protectedHeader.alg, payload.group, payload.exp - payload.iat, wrong);\n  api.authentication.setUserById(payload.sub);\n};\n";
    let file = dir.join("custom-token-exchange/jose6-probe.js");
    let clock = Clock::new(DEFAULT_NOW);
    let mut inst = Instance::new(
        ActionSource::new(file.to_string_lossy().into_owned(), code.to_string()),
        clock.clone(),
        InstanceConfig::default(),
    )
    .expect("the instance starts");
    let secrets: BTreeMap<String, String> = [(
        "KEY".to_string(),
        "legacy-hs256-secret-not-real-32bytes!".to_string(),
    )]
    .into();
    let m = json!({ "trigger": "custom-token-exchange", "event": {} });
    let spec = ExecutionSpec {
        trigger: Trigger::CustomTokenExchange,
        phase: Phase::Execute,
        event: base_event(&m).into(),
        secrets: Rc::new(secrets),
        cache: Rc::new(RefCell::new(CacheStore::new(CacheLimits::default()))),
    };
    let report = run_to_end(&mut inst, &clock, spec, no_network);
    assert!(!report.failed(), "{:?}", report.outcome);
    let console: Vec<&str> = report.console.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        console,
        [
            "[object Module] true undefined function",
            "HS256 finance 300 JWSSignatureVerificationFailed ERR_JWS_SIGNATURE_VERIFICATION_FAILED true",
        ]
    );
    assert_eq!(report.commands.len(), 1);
    assert_eq!(report.commands[0].name, "authentication.setUserById");
    assert_eq!(report.commands[0].args, json!(["legacy-7"]));
}
