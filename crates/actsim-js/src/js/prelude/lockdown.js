// actsim prelude, last script run when an instance is created: the lazily loaded globals,
// `global`, the bridge ES modules import CommonJS through, and V8-only APIs that packages call
// (`Error.captureStackTrace`). (The host then checks that no QuickJS-only global remains.)
//
// Lazy loading: most of the prelude (the scripts of LAZY_PRELUDE in boundary.rs, which lists the
// globals and `internal` helpers of each) runs only when an action first uses what it provides.
// Each global such a script provides starts as an accessor on globalThis (host.defineLazyGlobals)
// in the place and with the enumerability the global has always had; reading it runs its script
// and turns it into a data property. A helper missing from `internal` is looked for by the
// host's `get` trap of a proxy on `internal`'s prototype: if a lazy script provides it, the
// script is loaded. The host keeps the state of lazy loading.
//
// The file evaluates to a function of (host, internal); the host calls it once.
(function (host, internal) {
  'use strict';
  const g = globalThis;
  const { defineProperty } = Object;

  // The lazy globals before `global`, in their places; `navigator` (and any later one) comes
  // after.
  host.defineLazyGlobals(false);
  // The engine's JSON.parse, before any action can replace it: fetch.js parses a response body
  // the `auth0` stand-in received only when it is first read (a fast path, warm.rs), which is
  // the same only while the global is still this function.
  internal.jsonParse = JSON.parse;
  // The engine's JSON.stringify, and `JSON.stringify(value)` with the host writing the text of
  // plain data (plain_json.rs) while the global is still the engine's (a fast path, warm.rs):
  // the `auth0` stand-in's request bodies and a redirect's query. Anything else, and any value
  // the host leaves (a toJSON, a getter, a proxy, a cycle, a BigInt...), goes to JSON.stringify.
  // (`JSON` and its `stringify` are read once, as the call `JSON.stringify(value)` reads them.)
  const engineStringify = JSON.stringify;
  const apply = Reflect.apply;
  const fastJson = internal.fastPaths === true;
  internal.jsonText = function jsonText(value) {
    const json = JSON;
    const stringify = json.stringify;
    if (fastJson && stringify === engineStringify) {
      const text = host.plainJson(value);
      if (text !== undefined) return text;
    }
    return apply(stringify, json, [value]);
  };
  // `jsonText({})`, for a redirect without a query (prelude.js, `completed`): the same reads
  // of `JSON` and its `stringify`; with the engine's stringify and no `toJSON` on
  // Object.prototype (`in` runs no getter), the text is `{}` without asking the host (a fast
  // path, warm.rs); otherwise a new empty object goes to JSON.stringify.
  const ObjectPrototype = Object.prototype;
  internal.emptyQueryText = function emptyQueryText() {
    const json = JSON;
    const stringify = json.stringify;
    if (fastJson && stringify === engineStringify && !('toJSON' in ObjectPrototype)) return '{}';
    return apply(stringify, json, [{}]);
  };
  Object.setPrototypeOf(internal, new Proxy(Object.create(null), { get: host.lazyHelper }));

  // The bridge the ES-module loader uses to import CommonJS modules and built-ins.
  defineProperty(g, '__actsim_import', {
    value: function actsimImport(kind, id) { return internal.importModule(kind, id); },
    enumerable: false,
    writable: false,
    configurable: false,
  });

  // ---------------------------------------------------------------- the remaining Node globals
  defineProperty(g, 'global', { value: g, writable: true, configurable: true, enumerable: false });
  // (`in` does not make the engine's function, which it creates on first use.)
  if (!('captureStackTrace' in Error)) {
    Error.captureStackTrace = function captureStackTrace(target) {
      if (target !== null && typeof target === 'object') {
        const stack = new Error().stack;
        defineProperty(target, 'stack', { value: stack, writable: true, configurable: true, enumerable: false });
      }
    };
  }
  if (typeof Error.stackTraceLimit !== 'number') Error.stackTraceLimit = 10;
  host.defineLazyGlobals(true);
})
