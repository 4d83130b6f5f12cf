// actsim prelude: loading what CommonJS `require` resolved (modules.js makes `module` objects
// and their `require`): files and JSON in Node's wrapper, Actions Modules, actsim's stand-ins,
// the Node built-in modules actsim emulates and the refused ones (stubs); stand-ins through
// modules.js's loader. Shares modules.js's module cache.
//
// Loaded lazily (see lockdown.js), on the first `require` of something other than a stand-in
// or import of CommonJS from an ES module: the file evaluates to a function of (host, internal, globals) that puts its helpers
// on `internal`. The built-in modules' code is compiled by the host (host.nodeModule), once
// per process.
(function (host, internal, globals) {
  'use strict';
  void globals;
  const { Module, moduleFiles: fileCache, moduleDirname: dirname } = internal;
  const builtinCache = new Map();

  function load(kind, id, parent) {
    switch (kind) {
      case 'builtin': return loadNode(id);
      case 'stub': return loadStub(id);
      case 'standin': return internal.loadStandIn(id);
      case 'actions': return loadActionsModule(id, parent);
      case 'json':
      case 'cjs': return loadFile(kind, id, parent);
      case 'esm': return requireEsm(id);
      default: throw new Error(`actsim: cannot load a module of kind ${kind}`);
    }
  }

  function loadFile(kind, filename, parent) {
    const cached = fileCache.get(filename);
    if (cached) {
      if (parent && parent.children && !parent.children.includes(cached)) parent.children.push(cached);
      return cached.exports;
    }
    const module = new Module(filename, parent, filename, filename);
    fileCache.set(filename, module);
    let ok = false;
    try {
      const source = host.readModule(filename);
      if (kind === 'json') {
        try {
          module.exports = JSON.parse(source);
        } catch (e) {
          e.message = `${filename}: ${e.message}`;
          throw e;
        }
      } else {
        const code = source.startsWith('#!') ? `//${source}` : source;
        const fn = host.compileCjs(code, filename);
        fn.call(module.exports, module.exports, module.require, module, filename, dirname(filename));
      }
      module.loaded = true;
      ok = true;
    } finally {
      if (!ok) fileCache.delete(filename);
    }
    return module.exports;
  }

  // require() of an ES module, as Node 22.12+ does it: the module graph is loaded and run at
  // once (it must have no top-level await), and require returns its namespace object (or its
  // `module.exports` export, when it has one). The module is the one `import` gives.
  const esmCache = new Map();
  function requireEsm(filename) {
    if (esmCache.has(filename)) return esmCache.get(filename);
    const r = host.requireEsm(filename);
    if (r.state === 'rejected') {
      r.promise.catch(() => {});
      throw r.reason;
    }
    if (r.state === 'pending') {
      r.promise.catch(() => {});
      const e = new Error(`require() cannot be used on an ESM graph with top-level await. Use import() instead. To see where the top-level await comes from, use --experimental-print-required-tla.\n  From ${filename}`);
      e.code = 'ERR_REQUIRE_ASYNC_MODULE';
      throw e;
    }
    const ns = r.namespace;
    const exported = Object.prototype.hasOwnProperty.call(ns, 'module.exports') ? ns['module.exports'] : ns;
    esmCache.set(filename, exported);
    return exported;
  }

  const STUB_REASONS = {
    http: 'actsim routes HTTP only through fetch (to the mock tenant and declared mocks): use fetch, or a client built on it',
    https: 'actsim routes HTTP only through fetch (to the mock tenant and declared mocks): use fetch, or a client built on it',
    zlib: 'actsim does not emulate compression',
    stream: 'actsim does not emulate Node streams',
  };
  function loadStub(name) {
    const key = `stub:${name}`;
    if (builtinCache.has(key)) return builtinCache.get(key).exports;
    const members = new Map();
    const stub = new Proxy({}, {
      get(t, k) {
        if (typeof k === 'symbol' || k === '__esModule' || k === 'then' || k === 'default' || k === 'toJSON') return undefined;
        if (!members.has(k)) {
          const fn = function actsimStub() {
            const e = new Error(`${name}.${k}: the '${name}' module is available in production Node 22, but ${STUB_REASONS[name]}; actsim refuses it`);
            e.code = 'ERR_ACTSIM_NOT_EMULATED';
            throw e;
          };
          members.set(k, fn);
        }
        return members.get(k);
      },
    });
    builtinCache.set(key, { exports: stub });
    return stub;
  }

  // Node built-ins, compiled on first use with access to `internal`.
  function loadNode(name) {
    const key = `node:${name}`;
    if (builtinCache.has(key)) return builtinCache.get(key).exports;
    const fn = host.nodeModule(name);
    if (fn === undefined) {
      const e = new Error(`No such built-in module: node:${name}`);
      e.code = 'ERR_UNKNOWN_BUILTIN_MODULE';
      throw e;
    }
    const filename = `node:${name}`;
    const module = { id: filename, filename, exports: {}, loaded: false };
    builtinCache.set(key, module);
    let ok = false;
    try {
      fn.call(module.exports, module.exports, internalRequire, module, internal);
      module.loaded = true;
      ok = true;
    } finally {
      if (!ok) builtinCache.delete(key);
    }
    return module.exports;
  }
  function internalRequire(name) {
    const bare = name.startsWith('node:') ? name.slice(5) : name;
    if (STUB_REASONS[bare]) return loadStub(bare);
    return loadNode(bare);
  }
  internal.requireBuiltin = internalRequire;

  // Actions Modules: CommonJS code configured on the instance, with its own `actions.secrets`.
  function loadActionsModule(name, parent) {
    const key = `actions:${name}`;
    const cached = fileCache.get(key);
    if (cached) return cached.exports;
    const info = host.actionsModule(name);
    const module = new Module(key, parent, info.filename, key);
    fileCache.set(key, module);
    const secrets = Object.freeze(JSON.parse(info.secrets));
    const actions = Object.freeze({ secrets });
    let ok = false;
    try {
      const fn = host.compileWrapped(info.code, info.filename, 'exports, require, module, __filename, __dirname, actions');
      fn.call(module.exports, module.exports, module.require, module, info.filename, dirname(info.filename), actions);
      module.loaded = true;
      ok = true;
    } finally {
      if (!ok) fileCache.delete(key);
    }
    return module.exports;
  }

  internal.loadModule = load;

  // The error of require() and require.resolve() called with a non-string (see modules.js).
  internal.requireArgError = function argError(request) {
    const e = new TypeError(`The "id" argument must be of type string. Received ${request === null ? 'null' : typeof request === 'object' ? 'an instance of ' + (request.constructor ? request.constructor.name : 'Object') : `type ${typeof request} (${String(request)})`}`);
    e.code = 'ERR_INVALID_ARG_TYPE';
    return e;
  };

  // The traps of require.cache (see modules.js).
  internal.moduleCacheTraps = {
    get(t, k) { return typeof k === 'string' ? fileCache.get(k) : undefined; },
    set(t, k, v) { if (typeof k === 'string') fileCache.set(k, v); return true; },
    has(t, k) { return fileCache.has(k); },
    deleteProperty(t, k) { fileCache.delete(k); return true; },
    ownKeys() { return [...fileCache.keys()]; },
    getOwnPropertyDescriptor(t, k) { return fileCache.has(k) ? { value: fileCache.get(k), writable: true, enumerable: true, configurable: true } : undefined; },
  };

  // What the ES-module loader's bridge (`__actsim_import`, defined in lockdown.js) calls to
  // import CommonJS modules and built-ins.
  internal.importModule = function importModule(kind, id) {
    if (!['builtin', 'stub', 'standin', 'actions', 'json', 'cjs'].includes(kind)) throw new Error('actsim: bad import');
    return load(kind, id, null);
  };
})
