// actsim prelude: CommonJS `require`. The host resolves specifiers (node_modules, package.json
// main/exports, Actions Modules, built-ins) and reads files; this file keeps the per-instance
// module cache (module state lives as long as the instance, as in production), runs module
// code in Node's wrapper, and provides the Node built-in modules actsim emulates.
//
// Loaded lazily (see lockdown.js): the file evaluates to a function of (host, internal,
// globals) that puts `require` in `globals` and its helpers on `internal`. The built-in
// modules' code is compiled by the host (host.nodeModule, host.standInModule), once per process.
(function (host, internal, globals) {
  'use strict';
  const hide = (obj, name, value) => Object.defineProperty(obj, name, { value, writable: true, configurable: true, enumerable: false });

  // Natives the stand-ins use on their hot paths (their sixth wrapper argument, `actsim`).
  const standInNatives = Object.freeze({ jwtPartText: host.jwtPartText });
  const fileCache = new Map();
  const builtinCache = new Map();

  function dirname(p) {
    const i = p.lastIndexOf('/');
    return i < 0 ? '.' : i === 0 ? '/' : p.slice(0, i);
  }

  class Module {
    constructor(id, parent, filename, resolveFrom) {
      this.id = id;
      this.path = filename ? dirname(filename) : '.';
      this.exports = {};
      this.filename = filename || null;
      this.loaded = false;
      this.children = [];
      this.paths = [];
      hide(this, 'parent', parent || null);
      hide(this, '_resolveFrom', resolveFrom);
      if (parent && parent.children) parent.children.push(this);
      this.require = makeRequire(this);
    }
  }

  function argError(request) {
    const e = new TypeError(`The "id" argument must be of type string. Received ${request === null ? 'null' : typeof request === 'object' ? 'an instance of ' + (request.constructor ? request.constructor.name : 'Object') : `type ${typeof request} (${String(request)})`}`);
    e.code = 'ERR_INVALID_ARG_TYPE';
    return e;
  }

  const cacheView = new Proxy({}, {
    get(t, k) { return typeof k === 'string' ? fileCache.get(k) : undefined; },
    set(t, k, v) { if (typeof k === 'string') fileCache.set(k, v); return true; },
    has(t, k) { return fileCache.has(k); },
    deleteProperty(t, k) { fileCache.delete(k); return true; },
    ownKeys() { return [...fileCache.keys()]; },
    getOwnPropertyDescriptor(t, k) { return fileCache.has(k) ? { value: fileCache.get(k), writable: true, enumerable: true, configurable: true } : undefined; },
  });

  let mainModule = null;
  function makeRequire(module) {
    function require(request) {
      if (typeof request !== 'string') throw argError(request);
      const r = host.resolveModule(request, module._resolveFrom);
      return load(r.kind, r.id, module);
    }
    require.resolve = function resolve(request) {
      if (typeof request !== 'string') throw argError(request);
      const r = host.resolveModule(request, module._resolveFrom);
      if (r.kind === 'builtin' || r.kind === 'stub') return request;
      if (r.kind === 'standin') return `actsim:standin/${r.id}`;
      if (r.kind === 'actions') return `actions:${r.id}`;
      return r.id;
    };
    require.resolve.paths = function paths() { return null; };
    require.cache = cacheView;
    Object.defineProperty(require, 'main', { get() { return mainModule; }, enumerable: true });
    require.extensions = Object.freeze({ '.js': null, '.json': null, '.cjs': null });
    return require;
  }

  function load(kind, id, parent) {
    switch (kind) {
      case 'builtin': return loadNode(id);
      case 'stub': return loadStub(id);
      case 'standin': return loadStandIn(id);
      case 'actions': return loadActionsModule(id, parent);
      case 'json':
      case 'cjs': return loadFile(kind, id, parent);
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

  function loadStandIn(name) {
    const key = `standin:${name}`;
    if (builtinCache.has(key)) return builtinCache.get(key).exports;
    const filename = `actsim:builtin/${name}.js`;
    const module = new Module(filename, null, filename, '');
    builtinCache.set(key, module);
    const fn = host.standInModule(name);
    fn.call(module.exports, module.exports, module.require, module, filename, 'actsim:builtin', standInNatives);
    module.loaded = true;
    return module.exports;
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

  // The action's own module (CommonJS form) and the global `require` (both forms).
  internal.actionModule = function actionModule(filename) {
    if (!mainModule) mainModule = new Module('.', null, filename, filename);
    return mainModule;
  };
  let actionRequire = null;
  const globalRequire = function require(request) {
    if (!actionRequire) actionRequire = internal.actionModule(host.actionInfo().filename).require;
    return actionRequire(request);
  };
  globalRequire.resolve = function resolve(request) {
    if (!actionRequire) actionRequire = internal.actionModule(host.actionInfo().filename).require;
    return actionRequire.resolve(request);
  };
  globalRequire.cache = cacheView;
  globals.require = globalRequire;

  // What the ES-module loader's bridge (`__actsim_import`, defined in lockdown.js) calls to
  // import CommonJS modules and built-ins.
  internal.importModule = function importModule(kind, id) {
    if (!['builtin', 'stub', 'standin', 'actions', 'json', 'cjs'].includes(kind)) throw new Error('actsim: bad import');
    return load(kind, id, null);
  };
})
