// actsim prelude: runs once per instance, before any action code.
// It owns the JavaScript side of the host boundary: deterministic globals (Date, Math.random,
// timers, console, fetch), `require` of the built-in stand-ins, the per-trigger `api` objects and
// the execution runner that loads the action lazily and calls its handler.
// `__host` (native functions implemented in Rust) is captured here and by the other prelude
// scripts (prelude/*.js), which share helpers through `internal`; the host removes both from the
// global scope after the last script, so action code cannot reach them.
(function (host, internal) {
  'use strict';
  const g = globalThis;

  // ---------------------------------------------------------------- virtual time and randomness
  const RealDate = Date;
  // Production runs in UTC. Local-time methods are made UTC here, so that output never depends
  // on the time zone of the machine running actsim.
  function VirtualDate(...args) {
    if (!new.target) return new RealDate(host.now()).toString();
    if (args.length === 0) return Reflect.construct(RealDate, [host.now()], new.target);
    if (args.length >= 2) return Reflect.construct(RealDate, [RealDate.UTC(...args)], new.target);
    return Reflect.construct(RealDate, args, new.target);
  }
  const proto = RealDate.prototype;
  for (const part of ['FullYear', 'Month', 'Date', 'Day', 'Hours', 'Minutes', 'Seconds', 'Milliseconds']) {
    Object.defineProperty(proto, `get${part}`, { value: proto[`getUTC${part}`], writable: true, configurable: true });
    if (part !== 'Day') {
      Object.defineProperty(proto, `set${part}`, { value: proto[`setUTC${part}`], writable: true, configurable: true });
    }
  }
  Object.defineProperty(proto, 'getTimezoneOffset', { value: function getTimezoneOffset() { return 0; }, writable: true, configurable: true });
  const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n) => String(n).padStart(2, '0');
  function dateString(d) {
    return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${d.getUTCFullYear()}`;
  }
  function timeString(d) {
    return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} GMT+0000 (Coordinated Universal Time)`;
  }
  const valid = (d) => !isNaN(d.getTime());
  const methods = {
    toString() { return valid(this) ? `${dateString(this)} ${timeString(this)}` : 'Invalid Date'; },
    toDateString() { return valid(this) ? dateString(this) : 'Invalid Date'; },
    toTimeString() { return valid(this) ? timeString(this) : 'Invalid Date'; },
    toLocaleString() { return valid(this) ? `${this.getUTCMonth() + 1}/${this.getUTCDate()}/${this.getUTCFullYear()}, ${this.toLocaleTimeString()}` : 'Invalid Date'; },
    toLocaleDateString() { return valid(this) ? `${this.getUTCMonth() + 1}/${this.getUTCDate()}/${this.getUTCFullYear()}` : 'Invalid Date'; },
    toLocaleTimeString() {
      if (!valid(this)) return 'Invalid Date';
      const h = this.getUTCHours();
      return `${h % 12 === 0 ? 12 : h % 12}:${two(this.getUTCMinutes())}:${two(this.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
    },
  };
  for (const name of Object.keys(methods)) {
    Object.defineProperty(proto, name, { value: methods[name], writable: true, configurable: true });
  }
  VirtualDate.prototype = RealDate.prototype;
  Object.defineProperty(RealDate.prototype, 'constructor', { value: VirtualDate, writable: true, configurable: true });
  VirtualDate.now = function now() { return host.now(); };
  VirtualDate.parse = RealDate.parse;
  VirtualDate.UTC = RealDate.UTC;
  g.Date = VirtualDate;
  internal.now = () => host.now();
  internal.startedAt = () => host.startedAt();
  Math.random = function random() { return host.random(); };
  g.performance = { now() { return host.now() - host.startedAt(); }, timeOrigin: host.startedAt() };

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
  function addTimer(fn, ms, args, repeat) {
    if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be of type function');
    const delay = Math.max(0, Number(ms) || 0);
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
  g.setImmediate = (fn, ...args) => addTimer(fn, 0, args, false);
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
  function inspect(value, depth, seen) {
    if (value === null) return 'null';
    const t = typeof value;
    if (t === 'string') return depth === 0 ? value : `'${value.replace(/'/g, "\\'")}'`;
    if (t === 'undefined' || t === 'number' || t === 'boolean') return String(value);
    if (t === 'bigint') return `${value}n`;
    if (t === 'symbol') return value.toString();
    if (t === 'function') return `[Function: ${value.name || '(anonymous)'}]`;
    if (value instanceof Error) return value.stack ? `${value.name}: ${value.message}\n${value.stack}`.trimEnd() : `${value.name}: ${value.message}`;
    if (value instanceof RealDate) return isNaN(value) ? 'Invalid Date' : value.toISOString();
    const custom = value[Symbol.for('nodejs.util.inspect.custom')];
    if (typeof custom === 'function') {
      const r = custom.call(value, 3 - depth, { depth: 3 - depth }, (v) => inspect(v, depth + 1, seen));
      return typeof r === 'string' ? r : inspect(r, depth, seen);
    }
    if (seen.includes(value)) return '[Circular *]';
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      const items = Array.from(value.length > 100 ? value.subarray(0, 100) : value, (v) => (typeof v === 'bigint' ? `${v}n` : String(v)));
      if (value.length > 100) items.push(`... ${value.length - 100} more items`);
      return `${value.constructor.name}(${value.length}) [${items.length ? ` ${items.join(', ')} ` : ''}]`;
    }
    if (value instanceof ArrayBuffer) return `ArrayBuffer { byteLength: ${value.byteLength} }`;
    if (depth > 3) return Array.isArray(value) ? '[Array]' : '[Object]';
    const inner = seen.concat([value]);
    if (Array.isArray(value)) {
      if (value.length === 0) return '[]';
      return `[ ${value.map((v) => inspect(v, depth + 1, inner)).join(', ')} ]`;
    }
    if (value instanceof Map) return `Map(${value.size}) { ${[...value].map(([k, v]) => `${inspect(k, depth + 1, inner)} => ${inspect(v, depth + 1, inner)}`).join(', ')} }`;
    if (value instanceof Set) return `Set(${value.size}) { ${[...value].map((v) => inspect(v, depth + 1, inner)).join(', ')} }`;
    if (value instanceof Promise) return 'Promise { <pending> }';
    const keys = Object.keys(value);
    if (keys.length === 0) return '{}';
    const body = keys.map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : `'${k}'`}: ${inspect(value[k], depth + 1, inner)}`);
    return `{ ${body.join(', ')} }`;
  }
  function format(args) {
    if (args.length === 0) return '';
    let first = args[0];
    let rest = args.slice(1);
    let out;
    if (typeof first === 'string' && rest.length > 0 && /%[sdifjoO%]/.test(first)) {
      out = first.replace(/%([sdifjoO%])/g, (m, f) => {
        if (f === '%') return '%';
        if (rest.length === 0) return m;
        const v = rest.shift();
        switch (f) {
          case 's': return typeof v === 'string' ? v : inspect(v, 1, []);
          case 'd': case 'i': return String(f === 'i' ? parseInt(v, 10) : Number(v));
          case 'f': return String(parseFloat(v));
          case 'j': try { return JSON.stringify(v); } catch (e) { return '[Circular]'; }
          default: return inspect(v, 1, []);
        }
      });
    } else {
      out = inspect(first, 0, []);
    }
    for (const v of rest) out += ' ' + inspect(v, 0, []);
    return out;
  }
  const consoleObject = {};
  for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
    consoleObject[level] = (...args) => { host.log(level, format(args)); };
  }
  consoleObject.dir = (v) => { host.log('log', inspect(v, 0, [])); };
  consoleObject.table = (v) => { host.log('log', inspect(v, 0, [])); };
  g.console = consoleObject;
  internal.inspect = inspect;
  internal.format = format;

  // ---------------------------------------------------------------- base64 helpers
  g.btoa = (s) => host.btoa(String(s));
  g.atob = (s) => host.atob(String(s));

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
  // Failed api.cache.set results are watched: one whose `type` and `code` the action never read
  // is reported when the execution ends (a live caveat warning).
  const failedSets = new Map();
  function watchFailure(execId, key, code) {
    const entry = { key, code, read: false };
    if (!failedSets.has(execId)) failedSets.set(execId, []);
    failedSets.get(execId).push(entry);
    const result = {};
    Object.defineProperty(result, 'type', { get() { entry.read = true; return 'error'; }, enumerable: true });
    Object.defineProperty(result, 'code', { get() { entry.read = true; return code; }, enumerable: true });
    return result;
  }
  function reportUnread(execId) {
    for (const entry of failedSets.get(execId) || []) {
      if (!entry.read) host.unreadFailedSet(execId, entry.key, entry.code);
    }
    failedSets.delete(execId);
  }
  function makeCache(execId) {
    const checkKey = (key, method) => {
      if (typeof key !== 'string') throw new TypeError(`api.cache.${method}: the key must be a string (got ${key === null ? 'null' : typeof key})`);
    };
    return Object.freeze({
      get(key) {
        checkKey(key, 'get');
        return host.cacheGet(execId, key);
      },
      set(key, value, options) {
        checkKey(key, 'set');
        if (typeof value !== 'string') {
          throw new TypeError(`api.cache.set: the value must be a string (got ${value === null ? 'null' : typeof value}); production's typings declare value: string. Store JSON.stringify(value) or String(value) and parse it after get().`);
        }
        const opts = options === undefined || options === null ? {} : options;
        const num = (v) => (v === undefined ? undefined : typeof v === 'number' ? v : NaN);
        const result = host.cacheSet(execId, key, value, num(opts.ttl), num(opts.expires_at));
        return result.type === 'error' ? watchFailure(execId, key, result.code) : result;
      },
      delete(key) {
        checkKey(key, 'delete');
        return host.cacheDelete(execId, key);
      },
    });
  }
  function cloneArg(v) {
    if (v === undefined) return null;
    try { return JSON.parse(JSON.stringify(v)); } catch (e) { return String(v); }
  }
  function recorder(execId) {
    return (name, args) => host.record(execId, name, JSON.stringify(args.map(cloneArg)));
  }
  function base64urlJson(obj) { return host.base64urlEncode(JSON.stringify(obj)); }
  function hs256(secret, payload) {
    if (typeof secret !== 'string' || secret.length === 0) throw new TypeError('A "secret" string is required to sign or validate a token');
    const head = base64urlJson({ alg: 'HS256', typ: 'JWT' });
    const body = base64urlJson(payload);
    return `${head}.${body}.${host.hmacSha256(secret, `${head}.${body}`)}`;
  }
  function makePostLoginApi(execId, event, flow) {
    const record = recorder(execId);
    const api = {};
    api.access = {
      deny(reason) { record('access.deny', [reason]); flow.denied = true; return api; },
    };
    const claims = (target) => ({
      setCustomClaim(key, value) {
        if (typeof key !== 'string' || key.length === 0) throw new TypeError(`api.${target}.setCustomClaim: the claim name must be a non-empty string`);
        record(`${target}.setCustomClaim`, [key, value]);
        return api;
      },
    });
    api.accessToken = Object.assign(claims('accessToken'), {
      addScope(scope) { record('accessToken.addScope', [scope]); },
      removeScope(scope) { record('accessToken.removeScope', [scope]); },
    });
    api.idToken = claims('idToken');
    api.user = {
      setAppMetadata(key, value) { record('user.setAppMetadata', [key, value]); return api; },
      setUserMetadata(key, value) { record('user.setUserMetadata', [key, value]); return api; },
    };
    api.multifactor = {
      enable(provider, options) { record('multifactor.enable', options === undefined ? [provider] : [provider, options]); return api; },
    };
    api.transaction = {
      setMetadata(key, value) {
        if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
          throw new TypeError('api.transaction.setMetadata: the value must be a string, number, boolean or null');
        }
        record('transaction.setMetadata', [key, value]);
        if (event.transaction) {
          if (value === null) delete event.transaction.metadata[key]; else event.transaction.metadata[key] = value;
        }
        return api;
      },
    };
    api.validation = {
      error(errorCode, errorMessage) { record('validation.error', [errorCode, errorMessage]); flow.denied = true; return api; },
    };
    api.redirect = {
      sendUserTo(url, options) {
        if (typeof url !== 'string' || !/^https?:\/\/[^\s/]+/i.test(url)) {
          throw new TypeError(`api.redirect.sendUserTo: "${url}" is not an absolute http(s) URL`);
        }
        const query = options && options.query ? options.query : undefined;
        record('redirect.sendUserTo', query ? [url, { query }] : [url]);
        flow.redirect = { url, query: query || {} };
        return api;
      },
      encodeToken({ secret, payload, expiresInSeconds } = {}) {
        const iat = Math.floor(host.now() / 1000);
        const ttl = expiresInSeconds === undefined ? 900 : expiresInSeconds;
        const request = event.request || {};
        const claimsOut = { iat, iss: request.hostname, sub: event.user && event.user.user_id, exp: iat + ttl, ip: request.ip, ...(payload || {}) };
        return hs256(secret, claimsOut);
      },
      validateToken({ secret, tokenParameterName } = {}) {
        const name = tokenParameterName || 'session_token';
        const request = event.request || {};
        const params = { ...(request.query || {}), ...(request.body || {}) };
        const token = params[name];
        if (token === undefined) {
          throw new Error(`There is no parameter called '${name}' available in either the POST body or query string.`);
        }
        const invalid = (why) => new Error(`The session token is invalid: ${why}`);
        const parts = String(token).split('.');
        if (parts.length !== 3) throw invalid('malformed token');
        const expected = host.hmacSha256(secret, `${parts[0]}.${parts[1]}`);
        if (expected !== parts[2]) throw invalid('invalid signature');
        let payload;
        try { payload = JSON.parse(host.base64urlDecode(parts[1])); } catch (e) { throw invalid('malformed payload'); }
        if (typeof payload.exp === 'number' && payload.exp <= Math.floor(host.now() / 1000)) throw invalid('jwt expired');
        if (params.state !== undefined && payload.state !== params.state) throw invalid('state mismatch');
        if (event.user && payload.sub !== event.user.user_id) throw invalid('subject mismatch');
        return payload;
      },
    };
    api.cache = makeCache(execId);
    return api;
  }
  const DENY_CODES = ['invalid_scope', 'invalid_request', 'server_error'];
  function makeCredentialsExchangeApi(execId, event, flow) {
    const record = recorder(execId);
    const api = {};
    api.access = {
      deny(code, reason) {
        if (!DENY_CODES.includes(code)) {
          throw new TypeError(`api.access.deny: code must be one of ${DENY_CODES.join(', ')} (got ${JSON.stringify(code)})`);
        }
        record('access.deny', [code, reason]);
        flow.denied = true;
        return api;
      },
    };
    api.accessToken = {
      setCustomClaim(key, value) { record('accessToken.setCustomClaim', [key, value]); return api; },
    };
    api.cache = makeCache(execId);
    return api;
  }
  const API_FACTORIES = {
    'post-login': makePostLoginApi,
    'credentials-exchange': makeCredentialsExchangeApi,
  };

  // ---------------------------------------------------------------- executions
  function readOnlySecrets(execId, secrets) {
    const target = Object.freeze(Object.assign({}, secrets));
    return new Proxy(target, {
      get(t, name, receiver) {
        if (typeof name === 'string' && !(name in t) && name !== 'then' && name !== 'toJSON' && name !== 'constructor') {
          host.secretMissing(execId, name);
        }
        return Reflect.get(t, name, receiver);
      },
    });
  }
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
  async function runExecution(execId, spec) {
    let mod;
    try {
      mod = await loadAction();
    } catch (e) {
      throw e instanceof ModuleFailure ? e : new ModuleFailure(e, 'module');
    }
    const name = spec.handler;
    const handler = mod[name];
    if (handler === undefined) {
      const e = new Error(`The action does not export "${name}". Add: exports.${name} = async (event, api) => { /* ... */ };`);
      e.name = 'MissingHandler';
      throw e;
    }
    if (typeof handler !== 'function' || handler.constructor.name !== 'AsyncFunction') {
      const e = new Error(`Invalid function signature for the "${name}" handler. Use "exports.${name} = async function(event, api) { }" as the signature.`);
      e.name = 'InvalidHandler';
      throw e;
    }
    const event = JSON.parse(spec.event);
    event.secrets = readOnlySecrets(execId, JSON.parse(spec.secrets));
    if (spec.trigger === 'post-login') {
      event.transaction = event.transaction || {};
      event.transaction.metadata = event.transaction.metadata || {};
    }
    const flow = { denied: false, redirect: null };
    const api = API_FACTORIES[spec.trigger](execId, event, flow);
    await handler(event, api);
    return flow;
  }
  g.__actsim_start = function start(execId, spec) {
    runExecution(execId, spec).then(
      (flow) => { reportUnread(execId); host.finish(execId, true, JSON.stringify(flow)); },
      (e) => reportUnread(execId) || host.finish(execId, false, JSON.stringify(e instanceof ModuleFailure ? describe(e.error, e.phase) : describe(e, 'handler'))),
    );
  };
  g.__actsim_complete = function complete(opId, ok, payload) {
    const op = pendingOps.get(opId);
    if (!op) return;
    pendingOps.delete(opId);
    if (ok) op.resolve(payload === undefined ? undefined : JSON.parse(payload));
    else op.reject(Object.assign(new TypeError(`fetch failed: ${payload}`), { cause: new Error(payload) }));
  };
  for (const k of ['__actsim_start', '__actsim_complete']) {
    Object.defineProperty(g, k, { enumerable: false, writable: false, configurable: false });
  }
})(globalThis.__host, globalThis.__actsim_internal);
