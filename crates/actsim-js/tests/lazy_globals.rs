//! Lazily loaded globals: most of the prelude (URL, TextEncoder, Buffer, fetch, Web Crypto,
//! process, require, navigator, ...) runs only when an action first uses it. Action code must
//! not be able to tell, apart from a global's descriptor before its first use: the same global
//! names in the same order with the same attributes, and everything works on a fresh instance.

use crate::common;

use common::*;

/// Every global of a fresh instance once all of them were read, in order, with its attributes
/// (`w`ritable, `e`numerable, `c`onfigurable; `-` if not), as actsim defined them before lazy
/// loading. actsim's own `__actsim_*` bridges are left out.
const GLOBALS: &[&str] = &[
    "Object w-c",
    "Function w-c",
    "Error w-c",
    "EvalError w-c",
    "RangeError w-c",
    "ReferenceError w-c",
    "SyntaxError w-c",
    "TypeError w-c",
    "URIError w-c",
    "InternalError w-c",
    "AggregateError w-c",
    "SuppressedError w-c",
    "Iterator w-c",
    "Array w-c",
    "parseInt w-c",
    "parseFloat w-c",
    "isNaN w-c",
    "isFinite w-c",
    "queueMicrotask w-c",
    "decodeURI w-c",
    "decodeURIComponent w-c",
    "encodeURI w-c",
    "encodeURIComponent w-c",
    "escape w-c",
    "unescape w-c",
    "Infinity ---",
    "NaN ---",
    "undefined ---",
    "eval w-c",
    "Number w-c",
    "Boolean w-c",
    "String w-c",
    "Math w-c",
    "Reflect w-c",
    "Symbol w-c",
    "DisposableStack w-c",
    "globalThis w-c",
    "BigInt w-c",
    "Date w-c",
    "RegExp w-c",
    "JSON w-c",
    "Proxy w-c",
    "Map w-c",
    "Set w-c",
    "WeakMap w-c",
    "WeakSet w-c",
    "ArrayBuffer w-c",
    "SharedArrayBuffer w-c",
    "Uint8ClampedArray w-c",
    "Int8Array w-c",
    "Uint8Array w-c",
    "Int16Array w-c",
    "Uint16Array w-c",
    "Int32Array w-c",
    "Uint32Array w-c",
    "BigInt64Array w-c",
    "BigUint64Array w-c",
    "Float16Array w-c",
    "Float32Array w-c",
    "Float64Array w-c",
    "DataView w-c",
    "Atomics w-c",
    "Promise w-c",
    "AsyncDisposableStack w-c",
    "WeakRef w-c",
    "FinalizationRegistry w-c",
    "DOMException w-c",
    "btoa w-c",
    "atob w-c",
    "performance wec",
    "setTimeout wec",
    "setInterval wec",
    "clearTimeout wec",
    "clearInterval wec",
    "setImmediate wec",
    "clearImmediate wec",
    "console wec",
    "TextEncoder wec",
    "TextDecoder wec",
    "Buffer wec",
    "Blob wec",
    "structuredClone wec",
    "URL wec",
    "URLSearchParams wec",
    "Event wec",
    "EventTarget wec",
    "AbortSignal wec",
    "AbortController wec",
    "Headers wec",
    "FormData wec",
    "Request wec",
    "Response wec",
    "fetch wec",
    "crypto wec",
    "Crypto wec",
    "CryptoKey wec",
    "SubtleCrypto wec",
    "process wec",
    "require wec",
    "global w-c",
    "navigator wec",
    "Symbol(Symbol.toStringTag) --c",
];

/// JavaScript that prints the globals as in [`GLOBALS`], one line with `|` between them.
const LIST_GLOBALS: &str = r#"
  const attrs = (d) => `${d.writable ? 'w' : '-'}${d.enumerable ? 'e' : '-'}${d.configurable ? 'c' : '-'}`;
  const list = () => Reflect.ownKeys(globalThis)
    .filter((k) => typeof k !== 'string' || !k.startsWith('__actsim'))
    .map((k) => `${String(k)} ${attrs(Object.getOwnPropertyDescriptor(globalThis, k))}`);
"#;

#[test]
fn the_globals_are_the_same_before_and_after_they_load() {
    let report = run_handler(&format!(
        r#"{LIST_GLOBALS}
  // Before anything was read: the same names in the same order, accessors with the final
  // enumerability and configurability.
  const before = Reflect.ownKeys(globalThis).filter((k) => typeof k !== 'string' || !k.startsWith('__actsim'));
  const lazy = before.filter((k) => typeof Object.getOwnPropertyDescriptor(globalThis, k).get === 'function');
  const shapes = before.map((k) => {{ const d = Object.getOwnPropertyDescriptor(globalThis, k); return `${{String(k)}} ${{d.enumerable}} ${{d.configurable}}`; }});
  for (const k of before) void globalThis[k];
  const after = list();
  console.log(after.join('|'));
  console.log(lazy.join(','));
  const afterShapes = Reflect.ownKeys(globalThis).filter((k) => typeof k !== 'string' || !k.startsWith('__actsim'))
    .map((k) => {{ const d = Object.getOwnPropertyDescriptor(globalThis, k); return `${{String(k)}} ${{d.enumerable}} ${{d.configurable}}`; }});
  console.log(JSON.stringify(shapes) === JSON.stringify(afterShapes));
  console.log(Reflect.ownKeys(globalThis).filter((k) => typeof Object.getOwnPropertyDescriptor(globalThis, k).get === 'function').join(',') || 'no accessors left');
  console.log(Object.keys(globalThis).length);
"#
    ));
    expect_completed(&report);
    let lines = console_texts(&report);
    let globals: Vec<&str> = lines[0].split('|').collect();
    assert_eq!(globals, GLOBALS);
    // The action's module had loaded `require` (modules.js); the rest was still lazy.
    assert_eq!(
        lines[1],
        "Date,DOMException,performance,TextEncoder,TextDecoder,Buffer,Blob,structuredClone,URL,\
         URLSearchParams,Event,EventTarget,AbortSignal,AbortController,Headers,FormData,Request,\
         Response,fetch,crypto,Crypto,CryptoKey,SubtleCrypto,process,navigator"
    );
    assert_eq!(lines[2], "true");
    assert_eq!(lines[3], "no accessors left");
    let enumerable = GLOBALS.iter().filter(|g| g.ends_with(" wec")).count();
    assert_eq!(lines[4], enumerable.to_string());
}

#[test]
fn a_fresh_instance_has_working_lazy_globals() {
    let report = run_handler(
        r#"
  console.log(typeof fetch, typeof Headers, typeof AbortController, 'URL' in globalThis, typeof crypto.subtle);
  console.log(new URL('https://a/b').pathname, new TextEncoder().encode('é').length, new URLSearchParams('a=1&b=2').get('b'));
  console.log(Buffer.from('hi').toString('hex'), btoa('hi'), structuredClone({ d: new Date(0) }).d.toISOString());
  console.log(process.version.startsWith('v22.'), navigator.userAgent, typeof performance.mark, typeof performance.now);
  console.log(require('crypto').createHash('sha256').update('x').digest('hex').slice(0, 8), require('util').inspect({ a: [1] }));
  console.log(crypto.randomUUID().length, new DOMException('m', 'AbortError').code, typeof new Event('x').timeStamp);
"#,
    );
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        [
            "function function function true object",
            "/b 2 2",
            "6869 aGk= 1970-01-01T00:00:00.000Z",
            "true Node.js/22 function function",
            "2d711642 { a: [ 1 ] }",
            "36 20 number",
        ]
    );
}

#[test]
fn globals_assigned_deleted_or_redefined_before_their_first_use_stay_so() {
    let report = run_handler(
        r#"
  const mock = async () => 'mocked';
  globalThis.fetch = mock;
  delete globalThis.URL;
  Object.defineProperty(globalThis, 'TextDecoder', { value: 42, writable: false, enumerable: false, configurable: true });
  // Load their scripts through other globals of the same scripts.
  new Headers();
  new URLSearchParams('a=1');
  new TextEncoder();
  const d = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  console.log(fetch === mock, d.writable, d.enumerable, d.configurable, await fetch());
  console.log('URL' in globalThis, typeof URLSearchParams);
  console.log(TextDecoder, Object.getOwnPropertyDescriptor(globalThis, 'TextDecoder').writable);
  // An unread global keeps its enumerability when assigned.
  process = 'replaced';
  console.log(process, Object.keys(globalThis).includes('process'));
"#,
    );
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        [
            "true true true true mocked",
            "false function",
            "42 false",
            "replaced true",
        ]
    );
}

#[test]
fn lazy_globals_work_after_global_this_is_frozen() {
    let report = run_handler(
        r#"
  Object.freeze(globalThis);
  console.log(new URL('https://a/b?c=1').searchParams.get('c'), typeof fetch, Buffer.from('a').length);
  console.log(URL === URL, Object.getOwnPropertyDescriptor(globalThis, 'URL').configurable);
  process = 'ignored, as for a frozen property';
  console.log(typeof process, typeof process.nextTick);
"#,
    );
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        ["1 function 1", "true false", "object function"]
    );
}

#[test]
fn node_built_ins_load_the_helpers_they_need_on_a_fresh_instance() {
    // Each instance is fresh: the built-ins find the prelude's helpers (on `internal`) although
    // no global of those scripts was read.
    for (body, expected) in [
        (
            "require('buffer').Buffer.from('ab').toString('base64')",
            "YWI=",
        ),
        ("require('url').parse('https://a/b?c=1').query", "c=1"),
        ("require('querystring').parse('a=%C3%A9').a", "é"),
        (
            "require('string_decoder').StringDecoder.name",
            "StringDecoder",
        ),
        ("require('process') === process", "true"),
        ("require('perf_hooks').performance.timeOrigin > 0", "true"),
        (
            "typeof require('crypto').webcrypto.subtle.digest",
            "function",
        ),
    ] {
        let report = run_handler(&format!("console.log(String({body}));"));
        expect_completed(&report);
        assert_eq!(console_texts(&report), [expected], "{body}");
    }
}

#[test]
fn actsims_functions_are_native_to_structured_clone_only_if_the_engine_implements_them() {
    // actsim's prelude is kept without source text, so its functions print as `[native code]`;
    // structuredClone still clones instances of its classes like those of any JavaScript class.
    let report = run_handler(
        r#"
  console.log(/native code/.test(String(Date)), JSON.stringify(structuredClone(new Headers({ a: '1' }))));
  console.log(JSON.stringify(structuredClone(new (class A { constructor() { this.x = 1; } })())));
  try { structuredClone(new WeakRef({})); } catch (e) { console.log(e.name); }
"#,
    );
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        ["true {}", r#"{"x":1}"#, "DataCloneError"]
    );
}
