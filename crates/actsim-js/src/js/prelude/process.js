// actsim prelude: a sandboxed `process`. It reports the emulated Node version, has an empty
// `env`, virtual-time `hrtime`/`uptime`, and `nextTick`; everything that would reach the host
// machine (exit, kill, binding, dlopen, chdir, ...) throws a clear message.
//
// Loaded lazily (see lockdown.js): the file evaluates to a function of (host, internal,
// globals) that puts its globals in `globals` and its helpers on `internal`.
(function (host, internal, globals) {
  'use strict';
  const g = globalThis;
  const NODE_VERSION = internal.NODE_VERSION;
  const refused = (name, why) => function refusedMember() {
    const e = new Error(`process.${name}: ${why}; actsim refuses it`);
    e.code = 'ERR_ACTSIM_REFUSED';
    throw e;
  };
  const noProcess = 'actions cannot control or leave their process';
  const listeners = new Map();
  const emitter = {
    on(name, fn) { const l = listeners.get(name) || []; l.push(fn); listeners.set(name, l); return process; },
    off(name, fn) { const l = listeners.get(name) || []; listeners.set(name, l.filter((f) => f !== fn)); return process; },
    emit(name, ...args) { const l = (listeners.get(name) || []).slice(); for (const fn of l) fn.apply(process, args); return l.length > 0; },
    listeners(name) { return (listeners.get(name) || []).slice(); },
    listenerCount(name) { return (listeners.get(name) || []).length; },
  };
  emitter.addListener = emitter.on;
  emitter.removeListener = emitter.off;
  emitter.once = function once(name, fn) {
    const wrapped = (...args) => { emitter.off(name, wrapped); fn.apply(process, args); };
    return emitter.on(name, wrapped);
  };
  emitter.prependListener = emitter.on;
  emitter.removeAllListeners = function removeAllListeners(name) { if (name === undefined) listeners.clear(); else listeners.delete(name); return process; };
  emitter.setMaxListeners = function setMaxListeners() { return process; };
  emitter.getMaxListeners = function getMaxListeners() { return 10; };
  function hrtime(previous) {
    const ms = internal.now() - internal.startedAt();
    let s = Math.floor(ms / 1000);
    let ns = Math.round((ms % 1000) * 1e6);
    if (previous) {
      s -= previous[0]; ns -= previous[1];
      if (ns < 0) { s -= 1; ns += 1e9; }
    }
    return [s, ns];
  }
  hrtime.bigint = function bigint() { return BigInt(Math.round((internal.now() - internal.startedAt()) * 1e6)); };
  const writeStream = (level) => ({
    write(chunk, encoding, cb) {
      const text = typeof chunk === 'string' ? chunk : internal.decodeBytes(internal.plainBytes(chunk), 'utf8');
      host.log(level, text.replace(/\n$/, ''));
      const done = typeof encoding === 'function' ? encoding : cb;
      if (typeof done === 'function') g.queueMicrotask(done);
      return true;
    },
    isTTY: false,
    columns: 80,
    end() {},
    on() { return this; },
    once() { return this; },
  });
  const process = {
    title: 'node',
    version: NODE_VERSION,
    versions: Object.freeze({ node: NODE_VERSION.slice(1), actsim: internal.ACTSIM_VERSION, engine: 'quickjs-ng' }),
    release: Object.freeze({ name: 'node', lts: 'Jod' }),
    platform: 'linux',
    arch: 'x64',
    argv: ['/usr/local/bin/node', '/action.js'],
    argv0: 'node',
    execArgv: [],
    execPath: '/usr/local/bin/node',
    env: {},
    pid: 1,
    ppid: 0,
    exitCode: undefined,
    features: Object.freeze({}),
    config: Object.freeze({ variables: Object.freeze({}) }),
    stdout: writeStream('log'),
    stderr: writeStream('error'),
    nextTick(fn, ...args) {
      if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be of type function');
      g.queueMicrotask(() => fn(...args));
    },
    hrtime,
    uptime() { return (internal.now() - internal.startedAt()) / 1000; },
    cwd() { return '/'; },
    umask() { return 0o22; },
    memoryUsage() { return { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }; },
    cpuUsage() { return { user: 0, system: 0 }; },
    emitWarning(warning, type) {
      const text = warning instanceof Error ? `${warning.name}: ${warning.message}` : `${typeof type === 'string' ? type : (type && type.type) || 'Warning'}: ${warning}`;
      host.log('warn', `(node) ${text}`);
    },
    exit: refused('exit', noProcess),
    reallyExit: refused('reallyExit', noProcess),
    abort: refused('abort', noProcess),
    kill: refused('kill', 'actions cannot signal processes'),
    binding: refused('binding', 'internal Node bindings would escape the sandbox'),
    _linkedBinding: refused('_linkedBinding', 'internal Node bindings would escape the sandbox'),
    dlopen: refused('dlopen', 'native addons are not supported in Actions'),
    chdir: refused('chdir', 'actions have no filesystem'),
    setuid: refused('setuid', noProcess),
    setgid: refused('setgid', noProcess),
    getuid() { return 1000; },
    getgid() { return 1000; },
  };
  Object.assign(process, emitter);
  Object.defineProperty(process, Symbol.toStringTag, { value: 'process' });
  globals.process = process;
  internal.process = process;
})
