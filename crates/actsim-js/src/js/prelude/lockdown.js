// actsim prelude, last script run when an instance is created: the lazily loaded globals,
// `global`, the bridge ES modules import CommonJS through, and V8-only APIs that packages call
// (`Error.captureStackTrace`). (The host then checks that no QuickJS-only global remains.)
//
// Lazy loading: most of the prelude (the scripts in LAZY below) runs only when an action first
// uses what it provides; a trivial action never pays for URL, fetch or Web Crypto. Each global
// such a script provides starts as a configurable accessor on globalThis (defined by the host:
// host.defineLazyGlobals), in the place and with the enumerability the global has always had,
// so `typeof URL`, `'URL' in globalThis` and `Object.getOwnPropertyNames(globalThis)` are
// unchanged. Reading one runs its script (from bytecode the host compiled once per process) and
// turns every accessor of that script into a data property (writable, configurable) holding
// the value. Assigning a global before it was read replaces the accessor with the assigned
// value; deleting or redefining it is kept too.
// The helpers the scripts share on `internal` are found through a proxy on `internal`'s
// prototype: a helper that is not there yet loads its script.
//
// The file evaluates to a function of (host, internal); the host calls it once.
(function (host, internal) {
  'use strict';
  const g = globalThis;
  const { defineProperty } = Object;
  const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

  // btoa/atob with Node's check for a missing argument.
  g.btoa = function btoa(s) {
    if (arguments.length === 0) throw new TypeError('The "data" argument must be specified');
    return host.btoa(String(s));
  };
  g.atob = function atob(s) {
    if (arguments.length === 0) throw new TypeError('The "data" argument must be specified');
    return host.atob(String(s));
  };

  // ---------------------------------------------------------------- lazy globals
  // [script (prelude/NAME.js), the globals it provides, the `internal` helpers it provides].
  // Both lists must be exact: loading a script checks them. The globals are defined in this
  // order (`navigator` after `global`, below), the order they have always had.
  const LAZY = [
    ['encoding', ['TextEncoder', 'TextDecoder', 'Buffer', 'Blob', 'structuredClone'],
      ['utf8Encode', 'utf8Decode', 'bytesView', 'plainBytes', 'encodeString', 'decodeBytes', 'normalizeEncoding', 'base64url', 'Buffer', 'kMaxLength']],
    ['url', ['URL', 'URLSearchParams'],
      ['percentDecode', 'encodeURIComponentSet', 'domainToASCII', 'URL', 'URLSearchParams', 'serializeUrlWithoutFragment']],
    ['fetch', ['DOMException', 'Event', 'EventTarget', 'AbortSignal', 'AbortController', 'Headers', 'FormData', 'Request', 'Response', 'fetch'],
      ['DOMException', 'Event', 'EventTarget', 'base64']],
    ['crypto', ['crypto', 'Crypto', 'CryptoKey', 'SubtleCrypto'],
      ['randomUUID', 'getRandomValues', 'rsa', 'hashSupported', 'digest', 'hmac', 'CryptoKey', 'makeCryptoKey', 'webcrypto']],
    ['process', ['process'], ['process']],
    ['modules', ['require'], ['requireBuiltin', 'actionModule', 'importModule']],
    ['node-globals', ['performance', 'navigator'], []],
  ];
  // prelude.js made `performance`; node-globals.js completes it.
  internal.performance = g.performance;
  // Every lazy global, and the index in LAZY of its script.
  const names = [];
  const owners = [];
  for (let s = 0; s < LAZY.length; s++) {
    const globals = LAZY[s][1];
    for (let i = 0; i < globals.length; i++) {
      names.push(globals[i]);
      owners.push(s);
    }
  }
  const started = []; // script index → true once the script has started loading
  const values = []; // global index → the value its script provided
  let helpersAdded = 0;
  const bug = (message) => new Error(`actsim bug: ${message}`);

  function load(s) {
    if (started[s]) return;
    started[s] = true;
    const [script, globals, helpers] = LAZY[s];
    const provided = Object.create(null);
    // `internal` may only grow by the listed helpers of this script and of those its code
    // loads in turn (helpersAdded counts them all).
    const otherHelpers = Object.keys(internal).length - helpersAdded;
    host.preludeScript(script)(host, internal, provided);
    helpersAdded += helpers.length;
    for (const name of helpers) {
      if (!hasOwn(internal, name)) throw bug(`prelude/${script}.js did not provide internal.${name}`);
    }
    if (Object.keys(internal).length - helpersAdded !== otherHelpers) throw bug(`prelude/${script}.js provides internal helpers that LAZY does not list`);
    for (const name in provided) {
      if (!globals.includes(name)) throw bug(`prelude/${script}.js provides the global ${name}, which LAZY does not list`);
    }
    for (let i = 0; i < names.length; i++) {
      if (owners[i] !== s) continue;
      const name = names[i];
      if (!(name in provided)) throw bug(`prelude/${script}.js did not provide the global ${name}`);
      values[i] = provided[name];
      const d = Object.getOwnPropertyDescriptor(g, name);
      // Only a global that still has its accessor is replaced (the action may have assigned,
      // deleted or redefined it); one made non-configurable (a frozen globalThis) keeps its
      // accessor, which then returns the value.
      if (d !== undefined && d.get === accessors[i] && d.configurable) {
        defineProperty(g, name, { value: values[i], writable: true, enumerable: d.enumerable, configurable: true });
      }
    }
  }

  // Reading global `i` (`value` absent) or assigning it, which keeps its enumerability (and
  // does nothing once globalThis is frozen).
  function lazyGlobal(i, value) {
    if (arguments.length < 2) {
      load(owners[i]);
      return values[i];
    }
    const d = Object.getOwnPropertyDescriptor(g, names[i]);
    if (d !== undefined && !d.configurable) return;
    defineProperty(g, names[i], { value, writable: true, enumerable: d === undefined || d.enumerable, configurable: true });
  }
  // The globals before `global`, in their places; `navigator` (and any later one) comes after.
  const accessors = [];
  const late = names.indexOf('navigator');
  host.defineLazyGlobals(names, 0, late, lazyGlobal, accessors);

  // A helper missing from `internal` is looked for here: if a lazy script provides it, the
  // script is loaded. (Own helpers of `internal` are found first and never reach the proxy.)
  Object.setPrototypeOf(internal, new Proxy(Object.create(null), {
    get(target, name, receiver) {
      if (typeof name !== 'string') return undefined;
      for (let s = 0; s < LAZY.length; s++) {
        if (!started[s] && LAZY[s][2].includes(name)) {
          load(s);
          return hasOwn(receiver, name) ? receiver[name] : undefined;
        }
      }
      return undefined;
    },
  }));

  // The bridge the ES-module loader uses to import CommonJS modules and built-ins.
  defineProperty(g, '__actsim_import', {
    value: function actsimImport(kind, id) { return internal.importModule(kind, id); },
    enumerable: false,
    writable: false,
    configurable: false,
  });

  // ---------------------------------------------------------------- the remaining Node globals
  defineProperty(g, 'global', { value: g, writable: true, configurable: true, enumerable: false });
  if (typeof Error.captureStackTrace !== 'function') {
    Error.captureStackTrace = function captureStackTrace(target) {
      if (target !== null && typeof target === 'object') {
        const stack = new Error().stack;
        defineProperty(target, 'stack', { value: stack, writable: true, configurable: true, enumerable: false });
      }
    };
  }
  if (typeof Error.stackTraceLimit !== 'number') Error.stackTraceLimit = 10;
  host.defineLazyGlobals(names, late, names.length, lazyGlobal, accessors);
})
