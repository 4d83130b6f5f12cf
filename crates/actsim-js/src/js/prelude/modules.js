// actsim prelude: CommonJS `require`. The host resolves specifiers (node_modules, package.json
// main/exports, Actions Modules, built-ins) and reads files; this file keeps the per-instance
// module cache (module state lives as long as the instance, as in production) and makes the
// `module` objects and their `require` functions. Loading what `require` resolved (running
// module code in Node's wrapper, the Node built-in modules actsim emulates) is in
// module-loaders.js, read on the first `require` of anything but a stand-in: an action that
// never calls `require` (most of them) pays only for its own `module` object.
//
// Loaded lazily (see lockdown.js): the file evaluates to a function of (host, internal,
// globals) that puts `require` in `globals` and its helpers on `internal`.
(function (host, internal, globals) {
  'use strict';
  const hide = (obj, name, value) => Object.defineProperty(obj, name, { value, writable: true, configurable: true, enumerable: false });

  const fileCache = new Map();

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

  // require.cache: a view of the module cache. Its traps are made by module-loaders.js, read
  // when an action first uses require.cache: the handler is a proxy that finds them there.
  const cacheView = new Proxy({}, new Proxy({}, { get(h, trap) { return internal.moduleCacheTraps[trap]; } }));

  let mainModule = null;
  // actsim's stand-ins (`auth0`, `jwt-decode`), loaded here rather than in module-loaders.js:
  // most actions require nothing else, and then never read that file. Each gets `actsim`,
  // natives for its hot paths, the prelude's keepShapes and (for `auth0`) clientFetch,
  // clientRequest and jsonText, as its sixth wrapper argument.
  const standInCache = new Map();
  // (Looked up when called: `internal.clientFetch` and `internal.clientRequest` come with
  // fetch.js, loaded lazily.)
  const lazyClientFetch = (url, method, headers, body) => internal.clientFetch(url, method, headers, body);
  const lazyClientRequest = (url, method, bearer, body) => internal.clientRequest(url, method, bearer, body);
  const standInNatives = Object.freeze({ jwtPartText: host.jwtPartText, keepShapes: internal.keepShapes, clientFetch: lazyClientFetch, clientRequest: lazyClientRequest, jsonText: internal.jsonText });
  function loadStandIn(name) {
    const cached = standInCache.get(name);
    if (cached !== undefined) return cached.exports;
    const filename = `actsim:builtin/${name}.js`;
    const module = new Module(filename, null, filename, '');
    standInCache.set(name, module);
    const fn = host.standInModule(name);
    fn.call(module.exports, module.exports, module.require, module, filename, 'actsim:builtin', standInNatives);
    module.loaded = true;
    return module.exports;
  }

  function makeRequire(module) {
    function require(request) {
      if (typeof request !== 'string') throw internal.requireArgError(request);
      const r = host.resolveModule(request, module._resolveFrom);
      if (r.kind === 'standin') return loadStandIn(r.id);
      return internal.loadModule(r.kind, r.id, module);
    }
    require.resolve = function resolve(request) {
      if (typeof request !== 'string') throw internal.requireArgError(request);
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

  // For module-loaders.js.
  internal.loadStandIn = loadStandIn;
  internal.Module = Module;
  internal.moduleFiles = fileCache;
  internal.moduleDirname = dirname;
})
