// actsim prelude: runs once per instance, before any action code.
// It owns the JavaScript side of the host boundary: deterministic globals (Date, Math.random,
// timers, console, fetch), `require` of the built-in stand-ins, the per-trigger `api` objects and
// the execution runner that loads the action lazily and calls its handler.
// `__host` (native functions implemented in Rust) and `internal` are captured here; the host
// removes both from the global scope right after this script, so action code cannot reach them.
// The other prelude scripts (prelude/*.js) get both from the host, most of them only when an
// action first uses what they provide (see prelude/lockdown.js), and share helpers through
// `internal`.
(function (host, internal) {
  'use strict';
  const g = globalThis;
  // The boundary's constants, generated from the host's tables when this script is compiled
  // (boundary.rs: js_constants): `triggers` (trigger ids by the trigger code the host passes),
  // `handlers` (handler names by handler code), `contextFields` (the fields of an execution
  // context the host reads and writes, checked against `contextMethods` below).
  const BOUNDARY = __ACTSIM_BOUNDARY__;

  // ---------------------------------------------------------------- object shapes
  // QuickJS gives each object a shape (its property names and flags, in order), shared by the
  // objects made the same way: adding a property to an object moves it to the next shape,
  // found in a table, as long as some live object still has that shape. Each execution makes
  // the same few objects (its context, its api parts, its event, a cache record, a decoded
  // token) which all die when it ends, and with them their shapes: every execution would build
  // them again, property by property (a sixth of a cache-hit execution). Instead, the shapes of
  // what an execution made are kept by one stand-in object per step (`keepShapes`), from the
  // second execution of an instance on (an instance that runs once pays nothing).
  // Action code can replace built-ins (Object.keys, Array.prototype.push, setters on
  // Array.prototype or Object.prototype), so this code uses only functions captured here, holds
  // the keepers in an object without a prototype, and describes properties with objects
  // without a prototype: nothing an action defines is ever called with a keeper.
  const objectCreate = Object.create;
  const defineProperty = Object.defineProperty;
  const objectKeys = Object.keys;
  const ObjectPrototype = Object.prototype;
  const PromisePrototype = Promise.prototype;
  const FunctionPrototype = Function.prototype;
  const shapeKeepers = objectCreate(null);
  let keptShapes = 0;
  // At most this many properties are defined on keepers in an instance: decoded tokens with new
  // claims keep coming (jwt-decode keeps their shapes too), and each costs memory for good.
  let shapeBudget = 4096;
  function descriptor(writable, enumerable) {
    const d = objectCreate(null);
    d.value = null;
    d.writable = writable;
    d.enumerable = enumerable;
    d.configurable = true;
    return Object.freeze(d);
  }
  const DATA_PROPERTY = descriptor(true, true);
  const FUNCTION_PROPERTY = descriptor(false, false);
  // Keep the shapes an object with prototype `proto` goes through as properties `keys` are
  // added to it in order, each as `how` describes (by default as an assignment or an object
  // literal adds them). Does nothing once the instance's budget is spent. Says whether it kept
  // them.
  // Keeping shapes is a fast path (warm.rs): off, nothing is kept.
  const FAST_PATHS = internal.fastPaths === true;
  function keepShapes(proto, keys, how = DATA_PROPERTY) {
    if (!FAST_PATHS) return false;
    const count = keys.length;
    const cost = (count * (count + 1)) / 2;
    if (cost > shapeBudget) return false;
    shapeBudget -= cost;
    for (let n = 0; n <= count; n++) {
      const stage = objectCreate(proto);
      for (let i = 0; i < n; i++) defineProperty(stage, keys[i], how);
      shapeKeepers[keptShapes++] = stage;
    }
    return true;
  }
  function keepObject(obj) {
    if (!FAST_PATHS) return;
    shapeKeepers[keptShapes++] = obj;
  }
  internal.keepShapes = keepShapes;
  // WeakRef, captured before any action runs (an action may replace the global or its
  // `deref`): the `auth0` stand-in's answers (prelude/fetch.js) hold themselves weakly.
  const WeakRefCtor = WeakRef;
  const weakRefDeref = WeakRef.prototype.deref;
  const reflectApply = Reflect.apply;
  internal.weakRef = (target) => new WeakRefCtor(target);
  internal.deref = (ref) => reflectApply(weakRefDeref, ref, []);

  // ---------------------------------------------------------------- virtual time and randomness
  const RealDate = Date;
  // The virtual clock only moves between host calls into JavaScript, so the host passes the
  // time with each call (__actsim_start, __actsim_complete) instead of being asked for it.
  let virtualNow = host.now();
  const now = () => virtualNow;
  // Production runs in UTC: the global `Date` (prelude/date.js, loaded when an action first
  // reads it: see lockdown.js) makes local-time methods UTC and reads the virtual clock.
  internal.now = now;
  internal.startedAt = () => host.startedAt();
  Math.random = function random() { return host.random(); };
  const startedAt = host.startedAt();
  // node-globals.js completes it (lazily, see lockdown.js).
  g.performance = internal.performance = { now() { return virtualNow - startedAt; }, timeOrigin: startedAt };

  // ---------------------------------------------------------------- host operations (async)
  const pendingOps = new Map();
  function startOp(start, settle) {
    return new Promise((resolve, reject) => {
      const id = start();
      pendingOps.set(id, { resolve, reject, settle });
    });
  }
  const timers = new Map();
  let nextTimerId = 1;
  // Node clamps a delay below 1 ms or above 2^31-1 ms (or not a number) to 1 ms, so a loop
  // polling with setTimeout(fn, 0) advances virtual time; setImmediate (`immediate`) waits 0.
  function addTimer(fn, ms, args, repeat, immediate) {
    if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be of type function');
    let delay = immediate ? 0 : Number(ms);
    if (!immediate && !(delay >= 1 && delay <= 2147483647)) delay = 1;
    const timerId = nextTimerId++;
    const arm = () => {
      const opId = host.timerStart(delay);
      timers.set(timerId, opId);
      pendingOps.set(opId, {
        resolve() {
          if (!timers.has(timerId)) return;
          if (repeat) arm(); else timers.delete(timerId);
          fn(...args);
        },
        reject() {},
      });
    };
    arm();
    return timerId;
  }
  function clearTimer(timerId) {
    const opId = timers.get(timerId);
    if (opId === undefined) return;
    timers.delete(timerId);
    pendingOps.delete(opId);
    host.timerCancel(opId);
  }
  g.setTimeout = (fn, ms, ...args) => addTimer(fn, ms, args, false);
  g.setInterval = (fn, ms, ...args) => addTimer(fn, ms, args, true);
  g.clearTimeout = clearTimer;
  g.clearInterval = clearTimer;
  g.setImmediate = (fn, ...args) => addTimer(fn, 0, args, false, true);
  g.clearImmediate = clearTimer;
  g.queueMicrotask = function queueMicrotask(fn) {
    if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be of type function');
    Promise.resolve().then(fn);
  };
  internal.RealDate = RealDate;
  internal.startOp = startOp;
  internal.pendingOps = pendingOps;
  internal.addTimer = addTimer;
  internal.clearTimer = clearTimer;

  // ---------------------------------------------------------------- console
  // The formatter (`internal.format`, `internal.inspect`: prelude/console.js) is read when the
  // action first logs (see lockdown.js).
  const consoleObject = {};
  for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
    consoleObject[level] = (...args) => { host.log(level, internal.format(args)); };
  }
  consoleObject.dir = (v) => { host.log('log', internal.inspect(v, 0, [])); };
  consoleObject.table = (v) => { host.log('log', internal.inspect(v, 0, [])); };
  g.console = consoleObject;

  // ---------------------------------------------------------------- base64 helpers
  // With Node's check for a missing argument.
  g.btoa = function btoa(s) {
    if (arguments.length === 0) throw new TypeError('The "data" argument must be specified');
    return host.btoa(String(s));
  };
  g.atob = function atob(s) {
    if (arguments.length === 0) throw new TypeError('The "data" argument must be specified');
    return host.atob(String(s));
  };

  // ---------------------------------------------------------------- the action module (lazy)
  // A failure while loading the action, tagged with the phase: 'compile' (syntax) or 'module'
  // (the top-level code threw).
  class ModuleFailure {
    constructor(error, phase) { this.error = error; this.phase = phase; }
  }
  let actionModule = null;
  function loadAction() {
    if (actionModule === null) {
      actionModule = (async () => {
        const info = host.actionInfo();
        if (info.esm) {
          let evaluated, namespace;
          try {
            [evaluated, namespace] = host.loadEsm();
          } catch (e) {
            // A syntax error, or an imported module that failed while loading (module init).
            throw new ModuleFailure(e, e instanceof SyntaxError ? 'compile' : 'module');
          }
          await evaluated;
          return namespace;
        }
        let fn;
        try {
          fn = host.compileCjs(info.source, info.filename);
        } catch (e) {
          throw new ModuleFailure(e, 'compile');
        }
        const module = internal.actionModule(info.filename);
        fn.call(module.exports, module.exports, module.require, module, info.filename, info.dirname);
        module.loaded = true;
        if (module.exports === null || typeof module.exports !== 'object') {
          throw new Error('The Action must export an object.');
        }
        return module.exports;
      })();
    }
    return actionModule;
  }

  // ---------------------------------------------------------------- api objects
  // The `api` objects are built from classes whose methods live on shared prototypes, and each
  // part (`api.cache`, `api.idToken`, …) is created when the action first reads it: an
  // execution pays only for what its action uses. Every part holds the execution's context.
  // An execution's context: an object with prototype `contextMethods` and fields `execId`,
  // `event`, `api` (made with Object.create, cheaper than a class instance; action code never
  // sees it). The other fields start as the prototype's defaults: an execution that never sets
  // them does not pay for adding them. `parts`: the rarely used api parts made so far; `denied`, `redirect`: the outcome so
  // far; `unread`: failed api.cache.set results not read yet; `promise`: the handler's.
  const contextMethods = {
    // Own fields of every context, set when it is made; their defaults here also mean that
    // setting them never reaches a setter an action put on Object.prototype.
    execId: 0, event: null, api: null,
    // `redirect`: what ends the execution beyond `denied`: `{url, query}` (api.redirect.sendUserTo),
    // `{url, query, prompt}` (api.prompt.render) or `{notification}` (api.notification.drop
    // or retry); the host's fast path finishes only executions where it is null.
    parts: null, denied: false, redirect: null, unread: null, promise: null,
    // Set for a continue handler's execution; and once api.authentication.setPrimaryUser ran.
    continuing: false, primaryUserSet: false,
    // The parts most actions use, each in a field of its own (no array to make first); the
    // credentials-exchange api uses the same fields for its own access and accessToken.
    accessPart: null, accessTokenPart: null, idTokenPart: null, cachePart: null,
    // post-login's api.redirect (most redirecting actions read it once per login): a field of
    // its own too, not a place in `parts`.
    redirectPart: null,
    // Record an `api` call with copies of its `count` (1 or 2) arguments: the host records
    // primitives (undefined and null included) as they are and says false for anything else,
    // which goes as a JSON copy.
    record(name, count, a, b) {
      if (!host.recordValues(this.execId, name, count, a, b)) this.recordCopies(name, count, a, b);
    },
    recordCopies(name, count, a, b) {
      this.recordList(name, count === 1 ? [a] : [a, b]);
    },
    // Record an `api` call with copies of all the arguments in `list`.
    recordList(name, list) {
      host.record(this.execId, name, JSON.stringify(list.map(cloneArg)));
    },
    // The rarely used api part number `index` (for post-login 0–12, in the order of
    // PostLoginApi's getters from api.user on; for the other triggers, the position of the part
    // in the trigger's api), made by `Make` on first use.
    part(index, Make) {
      const parts = this.parts || (this.parts = [null, null, null, null, null]);
      return parts[index] || (parts[index] = new Make(this));
    },
  };
  for (const field of BOUNDARY.contextFields) {
    if (!Object.prototype.hasOwnProperty.call(contextMethods, field)) {
      throw new Error(`actsim bug: the execution context has no field ${field} (boundary.rs: CONTEXT_FIELDS)`);
    }
  }
  function cloneArg(v) {
    if (v === undefined) return null;
    try { return JSON.parse(JSON.stringify(v)); } catch (e) { return String(v); }
  }

  // Failed api.cache.set results are watched: one whose `type` and `code` the action never read
  // is reported when the execution ends (a live caveat warning).
  function watchFailure(c, key, code) {
    const entry = { key, code, read: false };
    (c.unread || (c.unread = [])).push(entry);
    const result = {};
    Object.defineProperty(result, 'type', { get() { entry.read = true; return 'error'; }, enumerable: true });
    Object.defineProperty(result, 'code', { get() { entry.read = true; return code; }, enumerable: true });
    return result;
  }
  function reportUnread(c) {
    if (c.unread === null) return;
    for (const entry of c.unread) {
      if (!entry.read) host.unreadFailedSet(c.execId, entry.key, entry.code);
    }
    c.unread = null;
  }
  function checkKey(key, method) {
    if (typeof key !== 'string') throw new TypeError(`api.cache.${method}: the key must be a string (got ${key === null ? 'null' : typeof key})`);
  }
  const numberOption = (v) => (v === undefined ? undefined : typeof v === 'number' ? v : NaN);
  class CacheApi {
    #c;
    constructor(c) { this.#c = c; }
    get(key) {
      if (typeof key !== 'string') checkKey(key, 'get');
      return host.cacheGet(this.#c.execId, key);
    }
    set(key, value, options) {
      if (typeof key !== 'string') checkKey(key, 'set');
      if (typeof value !== 'string') {
        throw new TypeError(`api.cache.set: the value must be a string (got ${value === null ? 'null' : typeof value}); production's typings declare value: string. Store JSON.stringify(value) or String(value) and parse it after get().`);
      }
      const opts = options === undefined || options === null ? {} : options;
      const c = this.#c;
      const result = host.cacheSet(c.execId, key, value, numberOption(opts.ttl), numberOption(opts.expires_at));
      return result.type === 'error' ? watchFailure(c, key, result.code) : result;
    }
    delete(key) {
      if (typeof key !== 'string') checkKey(key, 'delete');
      return host.cacheDelete(this.#c.execId, key);
    }
  }
  // post-login
  class PostLoginAccess {
    #c;
    constructor(c) { this.#c = c; }
    deny(reason) { const c = this.#c; c.record('access.deny', 1, reason); c.denied = true; return c.api; }
  }
  // setCustomClaim of api.idToken and api.accessToken (written out in each: most actions call
  // one of them on every login). `command` is the recorded name.
  function badClaimName(command) {
    return new TypeError(`api.${command}: the claim name must be a non-empty string`);
  }
  class PostLoginIdToken {
    #c;
    constructor(c) { this.#c = c; }
    setCustomClaim(key, value) {
      if (typeof key !== 'string' || key.length === 0) throw badClaimName('idToken.setCustomClaim');
      const c = this.#c;
      if (!host.recordValues(c.execId, 'idToken.setCustomClaim', 2, key, value)) c.recordCopies('idToken.setCustomClaim', 2, key, value);
      return c.api;
    }
  }
  class PostLoginAccessToken {
    #c;
    constructor(c) { this.#c = c; }
    setCustomClaim(key, value) {
      if (typeof key !== 'string' || key.length === 0) throw badClaimName('accessToken.setCustomClaim');
      const c = this.#c;
      if (!host.recordValues(c.execId, 'accessToken.setCustomClaim', 2, key, value)) c.recordCopies('accessToken.setCustomClaim', 2, key, value);
      return c.api;
    }
    addScope(scope) { this.#c.record('accessToken.addScope', 1, scope); }
    removeScope(scope) { this.#c.record('accessToken.removeScope', 1, scope); }
  }
  class PostLoginApi {
    #c;
    constructor(c) { this.#c = c; c.api = this; }
    get access() { const c = this.#c; return c.accessPart || (c.accessPart = new PostLoginAccess(c)); }
    get accessToken() { const c = this.#c; return c.accessTokenPart || (c.accessTokenPart = new PostLoginAccessToken(c)); }
    get idToken() { const c = this.#c; return c.idTokenPart || (c.idTokenPart = new PostLoginIdToken(c)); }
    get user() { return this.#c.part(0, rare().PostLoginUser); }
    get multifactor() { return this.#c.part(1, rare().PostLoginMultifactor); }
    get transaction() { return this.#c.part(2, rare().PostLoginTransaction); }
    get validation() { return this.#c.part(3, rare().PostLoginValidation); }
    get redirect() { const c = this.#c; return c.redirectPart || (c.redirectPart = new (rare().PostLoginRedirect)(c)); }
    get cache() { const c = this.#c; return c.cachePart || (c.cachePart = new CacheApi(c)); }
    get authentication() { return this.#c.part(5, rare().PostLoginAuthentication); }
    get groups() { return this.#c.part(6, rare().PostLoginGroups); }
    get prompt() { return this.#c.part(7, rare().PostLoginPrompt); }
    get refreshToken() { return this.#c.part(8, rare().PostLoginRefreshToken); }
    get roles() { return this.#c.part(9, rare().PostLoginRoles); }
    get rules() { return this.#c.part(10, rare().PostLoginRules); }
    get samlResponse() { return this.#c.part(11, rare().PostLoginSamlResponse); }
    get session() { return this.#c.part(12, rare().PostLoginSession); }
  }

  // The api parts few actions use, and the other triggers' api classes, are in
  // prelude/api-rare.js, read on first use: every instance would otherwise pay for reading and
  // creating them.
  internal.CacheApi = CacheApi;
  const rare = () => internal.rareApiParts;
  // The api class of each trigger, by trigger code (BOUNDARY.triggers), found on first use:
  // post-login's is here, the others' are `triggerApis` of prelude/api-rare.js, by trigger id.
  // (Held without a prototype: a setter an action puts on Array.prototype never sees them.)
  const apiClasses = objectCreate(null);
  function apiClass(trigger) {
    const id = BOUNDARY.triggers[trigger];
    const Api = id === 'post-login' ? PostLoginApi : rare().triggerApis[id];
    if (typeof Api !== 'function') throw new Error(`actsim bug: no api class for the ${id} trigger`);
    apiClasses[trigger] = Api;
    return Api;
  }

  // ---------------------------------------------------------------- the event (lazy fields)
  // The host makes `event` as a native object (with Object.prototype as its prototype) that
  // holds the fields' JSON texts, with one accessor per top-level field; a field is read from
  // it and parsed the first time the action reads it, and then becomes an ordinary data
  // property. Until then it is an accessor (only Object.getOwnPropertyDescriptor can tell).
  // The accessors are shared: one pair per field name and position, made here.
  // Parsed fields of events whose accessors cannot be replaced (a frozen event): field index →
  // value, so that every read gives the same value.
  const keptFields = new WeakMap();
  // The event `obj` is or inherits from, or null (host.eventOwner walks the prototype chain).
  function ownerOf(obj) {
    const owner = host.eventOwner(obj);
    return owner === undefined ? null : owner;
  }
  function defineData(obj, name, value) {
    Object.defineProperty(obj, name, { value, writable: true, enumerable: true, configurable: true });
  }
  // The value of the lazy field `name` of the event `owner`, made by `make()` on the first read
  // and then an ordinary data property; for a frozen event, kept under `key` instead.
  function readLazy(owner, name, key, make) {
    const kept = keptFields.get(owner);
    if (kept !== undefined && kept.has(key)) return kept.get(key);
    const value = make();
    try {
      defineData(owner, name, value);
    } catch (e) {
      // Keep the accessor, and the value for the next read.
      if (kept === undefined) keptFields.set(owner, new Map([[key, value]]));
      else kept.set(key, value);
    }
    return value;
  }
  // A field's value, as JSON.parse of its JSON text makes it (the parse the engine had before
  // any action ran: an action that replaces JSON.parse does not see the event read).
  const jsonParse = JSON.parse;
  function lazyAccessor(name, index) {
    if (name === 'secrets') {
      // With the fast paths the host does the whole first read of `event.secrets` too (event.rs,
      // `read_secrets_field`), with readOnlySecrets.
      const get = FAST_PATHS ? function get() { return host.eventSecretsRead(this, index); } : secretsGetter;
      return [get, function set(value) { defineData(this, name, value); }];
    }
    // With the fast paths the host does the whole first read (event.rs, `read_lazy_field`):
    // the value made from the text, the data property defined, or the value kept.
    if (FAST_PATHS) {
      return [
        function get() { return host.eventFieldRead(this, index); },
        function set(value) { defineData(this, name, value); },
      ];
    }
    return [
      function get() {
        const owner = ownerOf(this);
        if (owner === null) return undefined;
        return readLazy(owner, name, index, () => jsonParse(host.eventFieldJson(owner, index)));
      },
      function set(value) { defineData(this, name, value); },
    ];
  }
  // Taken (and removed from the global scope) by the host once the prelude has run.
  g.__actsim_lazy_accessor = lazyAccessor;

  // ---------------------------------------------------------------- executions
  // The frozen secrets of each distinct secrets text, shared by executions (they cannot change).
  // Reports reads of secrets the action does not have (a typo, or a secret not configured).
  class SecretsHandler {
    constructor(execId) { this.execId = execId; }
    get(t, name, receiver) {
      if (typeof name === 'string' && !(name in t) && name !== 'then' && name !== 'toJSON' && name !== 'constructor') {
        host.secretMissing(this.execId, name);
      }
      return Reflect.get(t, name, receiver);
    }
  }
  // `target` is the frozen secrets object, which the host makes once per distinct set of
  // secrets (with `freezeSecrets`) and passes to every execution: frozen, it cannot carry
  // anything from one execution to the next.
  function readOnlySecrets(execId, target) {
    return new Proxy(target, new SecretsHandler(execId));
  }
  // `event.secrets`, made on first read like the other fields: the read-only view of the
  // execution's frozen secrets.
  function secretsGetter() {
    const owner = ownerOf(this);
    if (owner === null) return undefined;
    return readLazy(owner, 'secrets', 'secrets', () => readOnlySecrets(host.eventExecId(owner), host.eventSecrets(owner)));
  }
  // Taken (and removed from the global scope) by the host once the prelude has run.
  g.__actsim_secrets_view = readOnlySecrets;
  // Taken (and removed from the global scope) by the host once the prelude has run.
  g.__actsim_freeze_secrets = function freezeSecrets(json) { return Object.freeze(JSON.parse(json)); };
  function describe(e, phase) {
    const d = describeValue(e);
    d.phase = phase;
    return d;
  }
  function describeValue(e) {
    if (e instanceof Error || (e && typeof e === 'object' && 'message' in e)) {
      return { name: String(e.name || 'Error'), message: String(e.message), stack: typeof e.stack === 'string' ? e.stack : '', thrownValue: false };
    }
    let text;
    try { text = typeof e === 'string' ? e : JSON.stringify(e); } catch (x) { text = String(e); }
    return { name: 'Error', message: `non-Error value thrown: ${text}`, stack: '', thrownValue: true };
  }
  // `c` is the execution's context, or null when it failed before having one.
  function failed(execId, e, c) {
    if (c) {
      release(c);
      reportUnread(c);
    }
    host.finishFailed(execId, e instanceof ModuleFailure ? describe(e.error, e.phase) : describe(e, 'handler'));
  }
  // Drop the context's links to `api` and its parts, which point back to the context: without
  // the cycles, reference counting frees the execution's objects at once.
  function release(c) {
    c.api = null;
    if (c.parts !== null) c.parts = null;
    if (c.accessPart !== null) c.accessPart = null;
    if (c.accessTokenPart !== null) c.accessTokenPart = null;
    if (c.idTokenPart !== null) c.idTokenPart = null;
    if (c.cachePart !== null) c.cachePart = null;
    if (c.redirectPart !== null) c.redirectPart = null;
  }
  // Keep the shapes of what execution `c` made (see keepShapes): its context (with the fields
  // it set so far, in order), its api parts (post-login's, and api.cache for both triggers)
  // and promise, and a cache record. Only an optimisation: it never fails an execution.
  function keepExecutionShapes(c, trigger) {
    try {
      keepShapes(contextMethods, objectKeys(c));
      const dummy = objectCreate(contextMethods);
      // Pairs of (the part, its class), as a flat list read by index (no iterator).
      const parts = BOUNDARY.triggers[trigger] === 'post-login'
        ? [c.api, PostLoginApi, c.accessPart, PostLoginAccess, c.accessTokenPart, PostLoginAccessToken,
          c.idTokenPart, PostLoginIdToken, c.cachePart, CacheApi,
          c.redirectPart, c.redirectPart !== null ? rare().PostLoginRedirect : null]
        : [c.cachePart, CacheApi];
      for (let i = 0; i < parts.length; i += 2) {
        const Make = parts[i + 1];
        // The empty instance and one made the same way (its private field added).
        if (parts[i] !== null) {
          keepObject(objectCreate(Make.prototype));
          keepObject(new Make(dummy));
        }
      }
      keepObject(objectCreate(PromisePrototype));
      // The functions that resolve and reject each promise (the engine gives them a `length`
      // and a `name`, neither writable nor enumerable).
      keepShapes(FunctionPrototype, ['length', 'name'], FUNCTION_PROPERTY);
      keepShapes(ObjectPrototype, ['value', 'expires_at']);
    } catch (e) {
      // Shapes not kept: later executions build them again, as before.
    }
  }
  // The query of a redirect made without one (api.redirect.sendUserTo): written `{}` when
  // the execution ends, without an object made for it (lockdown.js, `emptyQueryText`). Never
  // given to action code.
  const NO_QUERY = Object.freeze(objectCreate(null));
  internal.noQuery = NO_QUERY;
  function completed(c) {
    release(c);
    reportUnread(c);
    const r = c.redirect;
    if (r === null) host.finishCompleted(c.execId, c.denied);
    else if (r.notification !== undefined) host.finishCompleted(c.execId, c.denied, r.notification);
    else {
      const query = r.query === NO_QUERY ? internal.emptyQueryText() : internal.jsonText(r.query);
      host.finishRedirected(c.execId, c.denied, r.url, query, r.prompt);
    }
  }
  // Settle the execution when its handler's promise does. The host does this itself for a
  // promise that is already fulfilled once the job queue is empty (most cache-hit executions);
  // it calls `watch` for the others.
  function watch(c) {
    c.promise.then(() => completed(c), (e) => failed(c.execId, e, c));
  }
  // Handlers called so far, up to 2: the second execution keeps its objects' shapes.
  let handlersRun = 0;
  // The last handler found to be an async function (the check runs once per handler).
  let checkedHandler = null;
  // Run the handler of a loaded action module. Returns its execution context, whose `promise`
  // is the handler's; or nothing when the execution already failed.
  // `trigger`: the trigger code (an index into BOUNDARY.triggers).
  function runHandler(mod, execId, trigger, name, event) {
    let context = null;
    try {
      const handler = mod[name];
      if (handler === undefined) {
        const e = new Error(missingHandlerMessage(mod, name));
        e.name = 'MissingHandler';
        throw e;
      }
      if (handler !== checkedHandler) {
        if (typeof handler !== 'function' || handler.constructor.name !== 'AsyncFunction') {
          const e = new Error(`Invalid function signature for the "${name}" handler. Use "exports.${name} = async function(event, api) { }" as the signature.`);
          e.name = 'InvalidHandler';
          throw e;
        }
        checkedHandler = handler;
      }
      // Not `{ __proto__: contextMethods, … }`: setting the prototype of an object made by a
      // literal gives it a shape of its own, which no other context can share.
      context = objectCreate(contextMethods);
      context.execId = execId;
      context.event = event;
      context.api = null;
      if (name !== BOUNDARY.executeHandlers[trigger]) context.continuing = true;
      const Api = apiClasses[trigger] || apiClass(trigger);
      context.promise = handler(event, new Api(context));
      if (FAST_PATHS && handlersRun < 2 && ++handlersRun === 2) keepExecutionShapes(context, trigger);
    } catch (e) {
      failed(execId, e, context);
      return undefined;
    }
    return context;
  }
  // What a missing handler's error says: how to add it, and the handlers of other triggers the
  // action does export (with their triggers), which usually means the wrong trigger was chosen.
  function missingHandlerMessage(mod, name) {
    let text = `The action does not export "${name}". Add: exports.${name} = async (event, api) => { /* ... */ };`;
    const exported = [];
    for (let i = 0; i < HANDLERS.length; i++) {
      let present = false;
      try { present = typeof mod[HANDLERS[i]] === 'function'; } catch (e) { present = false; }
      if (present) exported.push(`${HANDLERS[i]} (${BOUNDARY.handlerTriggers[i]})`);
    }
    if (exported.length > 0) text += ` It exports ${exported.join(', ')}: run it with the trigger of one of them.`;
    return text;
  }
  // The action's module once it has loaded: later executions start their handler at once.
  let loadedModule = null;
  // The host passes the handler as an index into these (trigger.rs: handler_code), and the
  // trigger as an index into BOUNDARY.triggers (trigger_code).
  const HANDLERS = BOUNDARY.handlers;
  // Start an execution. Returns its context when the handler was called at once (the host then
  // settles it, see `watch`); otherwise the execution settles itself.
  g.__actsim_start = function start(nowMs, execId, trigger, handlerCode, event) {
    virtualNow = nowMs;
    const name = HANDLERS[handlerCode];
    if (loadedModule !== null) {
      return runHandler(loadedModule, execId, trigger, name, event);
    }
    loadAction().then(
      (mod) => {
        loadedModule = mod;
        const context = runHandler(mod, execId, trigger, name, event);
        if (context !== undefined) watch(context);
      },
      (e) => failed(execId, e instanceof ModuleFailure ? e : new ModuleFailure(e, 'module')),
    );
    return undefined;
  };
  // Taken (and removed from the global scope) by the host once the prelude has run, with
  // `completed` for the host's fast path.
  g.__actsim_watch = watch;
  g.__actsim_completed = completed;
  g.__actsim_complete = function complete(nowMs, opId, ok, payload, headers, body) {
    virtualNow = nowMs;
    const op = pendingOps.get(opId);
    if (!op) return;
    pendingOps.delete(opId);
    // A response comes as its JSON text, or (fast paths, warm.rs) as its parts: the status
    // (payload), the headers flat ([name, value, …]) and the body text.
    if (!ok) op.reject(Object.assign(new TypeError(`fetch failed: ${payload}`), { cause: new Error(payload) }));
    else if (headers !== undefined) op.answer(payload, headers, body);
    else op.resolve(typeof payload === 'string' ? JSON.parse(payload) : payload);
  };
  for (const k of ['__actsim_start', '__actsim_complete']) {
    Object.defineProperty(g, k, { enumerable: false, writable: false, configurable: false });
  }
})(globalThis.__host, globalThis.__actsim_internal);
