#!/usr/bin/env node
// Node reference runner for catalog actions: `node record.js <action.js> <manifest.json>`.
// Loads the action with real Node, gives its handler the manifest's event (a fixture of
// fixtures/events/ with `overrides` deep-merged over it, as `actsim run --event` merges) and
// secrets, a fixed clock, fetch answered from the manifest's `mocks` (the scenario `[[mocks]]`
// fields), and a recording `api` built from spec.js, and prints
// `{commands:[{name,args}], outcome, error?, continue?, http, cache}` as JSON on stdout.
// The action's console output goes to stderr.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { TRIGGERS, recordedArgs } = require('./spec');

const REPO = path.resolve(__dirname, '..', '..');
const DEFAULT_NOW = Date.parse('2026-01-01T09:00:00.000Z');

// ------------------------------------------------------------------ inputs
function deepMerge(base, over) {
  if (!isPlainObject(base) || !isPlainObject(over)) return clone(over);
  const out = clone(base);
  for (const k of Object.keys(over)) out[k] = k in out ? deepMerge(out[k], over[k]) : clone(over[k]);
  return out;
}
function isPlainObject(v) { return v !== null && typeof v === 'object' && !Array.isArray(v); }
function clone(v) { return v === undefined ? undefined : JSON.parse(JSON.stringify(v)); }

function loadManifest(file) {
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!TRIGGERS[manifest.trigger]) throw new Error(`${file}: unknown trigger ${JSON.stringify(manifest.trigger)}`);
  return manifest;
}
function baseEvent(manifest) {
  const spec = manifest.event || {};
  const fixture = spec.fixture || `fixtures/events/${manifest.trigger}.json`;
  const event = JSON.parse(fs.readFileSync(path.join(REPO, fixture), 'utf8'));
  return spec.overrides ? deepMerge(event, spec.overrides) : event;
}

// ------------------------------------------------------------------ the clock
function fixClock(nowMs) {
  const RealDate = Date;
  class FixedDate extends RealDate {
    constructor(...args) { if (args.length === 0) super(nowMs); else super(...args); }
    static now() { return nowMs; }
  }
  globalThis.Date = FixedDate;
}

// ------------------------------------------------------------------ fetch from mocks
function installFetch(mocks, http) {
  const counters = mocks.map(() => 0);
  globalThis.fetch = async function fetch(input, init = {}) {
    const req = new Request(input, init);
    const url = new URL(req.url);
    const body = req.body ? await req.text() : '';
    const i = mocks.findIndex((mk) => matches(mk, req, url, body));
    if (i < 0) {
      http.push({ method: req.method, url: req.url, error: 'ENOTFOUND' });
      throw new TypeError('fetch failed', { cause: new Error(`getaddrinfo ENOTFOUND ${url.hostname}: no mock for ${req.method} ${url.pathname}`) });
    }
    const mk = mocks[i];
    const n = ++counters[i];
    if (mk.fail_first && n <= mk.fail_first) {
      if (mk.fail_status === undefined) {
        http.push({ method: req.method, url: req.url, error: 'ECONNREFUSED' });
        throw new TypeError('fetch failed', { cause: new Error(`connect ECONNREFUSED ${url.hostname} (injected failure ${n} of ${mk.fail_first})`) });
      }
      http.push({ method: req.method, url: req.url, status: mk.fail_status });
      return respond(mk.fail_status, JSON.stringify({ error: `injected failure ${n} of ${mk.fail_first}` }), {});
    }
    let answer = mk;
    if (Array.isArray(mk.sequence) && mk.sequence.length) {
      const k = Math.min(n - 1 - (mk.fail_first || 0), mk.sequence.length - 1);
      answer = mk.sequence[k];
    }
    const status = answer.status || 200;
    http.push({ method: req.method, url: req.url, status });
    const text = answer.body !== undefined ? answer.body : answer.json !== undefined ? JSON.stringify(answer.json) : '';
    return respond(status, text, mk.response_headers || {});
  };
}
function respond(status, text, headers) {
  const h = new Headers(headers);
  if (!h.has('content-type')) h.set('content-type', 'application/json');
  return new Response(status === 204 || status === 304 ? null : text, { status, headers: h });
}
function matches(mk, req, url, body) {
  if (mk.host.toLowerCase() !== url.hostname.toLowerCase()) return false;
  if (mk.method && mk.method.toUpperCase() !== req.method.toUpperCase()) return false;
  if (mk.path) {
    if (mk.path.endsWith('*') ? !url.pathname.startsWith(mk.path.slice(0, -1)) : mk.path !== url.pathname) return false;
  }
  for (const [k, v] of Object.entries(mk.query || {})) if (url.searchParams.get(k) !== v) return false;
  for (const [k, v] of Object.entries(mk.headers || {})) if (req.headers.get(k) !== v) return false;
  if (mk.body_contains !== undefined && !body.includes(mk.body_contains)) return false;
  return true;
}

// ------------------------------------------------------------------ api.cache (one per instance)
const LIMITS = { key: 64, value: 4096, total: 8192, entries: 20, defaultTtl: 15 * 60 * 1000, maxLifetime: 24 * 3600 * 1000 };
class Cache {
  constructor(now) { this.now = now; this.records = new Map(); }
  live() {
    for (const [k, r] of this.records) if (r.expires_at < this.now()) this.records.delete(k);
    return this.records;
  }
  get(key) {
    checkKey(key, 'get');
    const r = this.live().get(key);
    return r ? { value: r.value, expires_at: r.expires_at } : undefined;
  }
  set(key, value, options) {
    checkKey(key, 'set');
    if (typeof value !== 'string') throw new TypeError(`api.cache.set: the value must be a string (got ${value === null ? 'null' : typeof value})`);
    const fail = (code) => ({ type: 'error', code });
    const bytes = (s) => Buffer.byteLength(s, 'utf8');
    if (bytes(key) > LIMITS.key) return fail('CacheKeySizeExceeded');
    if (bytes(value) > LIMITS.value) return fail('CacheValueSizeExceeded');
    const records = this.live();
    let total = bytes(key) + bytes(value);
    for (const [k, r] of records) total += bytes(k) + bytes(r.value);
    if (total > LIMITS.total || (!records.has(key) && records.size >= LIMITS.entries)) return fail('CacheSizeExceeded');
    const opts = options || {};
    const now = this.now();
    let expiry;
    if (opts.ttl !== undefined) {
      if (typeof opts.ttl !== 'number' || !Number.isFinite(opts.ttl)) return fail('InvalidExpiry');
      expiry = now + Math.floor(opts.ttl);
    }
    if (opts.expires_at !== undefined) {
      if (typeof opts.expires_at !== 'number' || !Number.isFinite(opts.expires_at)) return fail('InvalidExpiry');
      const at = Math.floor(opts.expires_at);
      expiry = expiry === undefined ? at : Math.min(expiry, at);
    }
    if (expiry === undefined) expiry = now + LIMITS.defaultTtl;
    if (expiry <= now) return fail('ItemAlreadyExpired');
    expiry = Math.min(expiry, now + LIMITS.maxLifetime);
    records.set(key, { value, expires_at: expiry });
    return { type: 'success', record: { value, expires_at: expiry } };
  }
  delete(key) {
    checkKey(key, 'delete');
    const records = this.live();
    if (!records.has(key)) return { type: 'error', code: 'CacheKeyDoesNotExist' };
    records.delete(key);
    return { type: 'success' };
  }
  snapshot() {
    const out = {};
    for (const [k, r] of [...this.live()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = r.value;
    return out;
  }
}
function checkKey(key, method) {
  if (typeof key !== 'string') throw new TypeError(`api.cache.${method}: the key must be a string (got ${key === null ? 'null' : typeof key})`);
}

// ------------------------------------------------------------------ redirect token helpers
const b64url = (s) => Buffer.from(s).toString('base64url');
const hmac = (secret, data) => crypto.createHmac('sha256', secret).update(data).digest('base64url');
function encodeToken(ctx, { secret, payload, expiresInSeconds } = {}) {
  if (typeof secret !== 'string' || secret.length === 0) throw new TypeError('A "secret" string is required to sign or validate a token');
  const event = ctx.event;
  const iat = Math.floor(Date.now() / 1000);
  const request = event.request || {};
  const claims = { iat, iss: request.hostname, sub: event.user && event.user.user_id, exp: iat + (expiresInSeconds === undefined ? 900 : expiresInSeconds), ip: request.ip, ...(payload || {}) };
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  return `${head}.${body}.${hmac(secret, `${head}.${body}`)}`;
}
function validateToken(ctx, { secret, tokenParameterName } = {}) {
  const event = ctx.event;
  const name = tokenParameterName || 'session_token';
  const request = event.request || {};
  const params = { ...(request.query || {}), ...(request.body || {}) };
  const token = params[name];
  if (token === undefined) throw new Error(`There is no parameter called '${name}' available in either the POST body or query string.`);
  const invalid = (why) => new Error(`The session token is invalid: ${why}`);
  const parts = String(token).split('.');
  if (parts.length !== 3) throw invalid('malformed token');
  if (hmac(secret, `${parts[0]}.${parts[1]}`) !== parts[2]) throw invalid('invalid signature');
  let payload;
  try { payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')); } catch (e) { throw invalid('malformed payload'); }
  if (typeof payload.exp === 'number' && payload.exp <= Math.floor(Date.now() / 1000)) throw invalid('jwt expired');
  if (params.state !== undefined && payload.state !== params.state) throw invalid('state mismatch');
  if (event.user && payload.sub !== event.user.user_id) throw invalid('subject mismatch');
  return payload;
}

// ------------------------------------------------------------------ the recording api
function cloneArg(v) {
  if (v === undefined) return null;
  try { return JSON.parse(JSON.stringify(v)); } catch (e) { return String(v); }
}
const DENY_CODES = ['invalid_scope', 'invalid_request', 'server_error'];
const NON_INTERACTIVE = ['oauth2-resource-owner', 'oauth2-refresh-token', 'oauth2-password', 'oauth2-webauthn'];

// Checks and side effects beyond recording, as actsim (and production's documented rules) do.
const BEHAVIOUR = {
  'accessToken.setCustomClaim': (ctx, [key]) => { if (ctx.trigger === 'post-login' && (typeof key !== 'string' || !key)) throw new TypeError('api.accessToken.setCustomClaim: the claim name must be a non-empty string'); },
  'idToken.setCustomClaim': (ctx, [key]) => { if (typeof key !== 'string' || !key) throw new TypeError('api.idToken.setCustomClaim: the claim name must be a non-empty string'); },
  'access.deny': (ctx, [code]) => {
    if (ctx.trigger === 'credentials-exchange' && !DENY_CODES.includes(code)) throw new TypeError(`api.access.deny: code must be one of ${DENY_CODES.join(', ')} (got ${JSON.stringify(code)})`);
  },
  'transaction.setMetadata': (ctx, [key, value]) => {
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) throw new TypeError('api.transaction.setMetadata: the value must be a string, number, boolean or null');
    return () => { const t = ctx.event.transaction; if (t) { if (value === null) delete t.metadata[key]; else t.metadata[key] = value; } };
  },
  'redirect.sendUserTo': (ctx, [url]) => {
    if (typeof url !== 'string' || !/^https?:\/\/[^\s/]+/i.test(url)) throw new TypeError(`api.redirect.sendUserTo: "${url}" is not an absolute http(s) URL`);
    if (ctx.rendered) throw new Error('Redirect and render commands cannot be used in the same action.');
    return () => { ctx.redirected = true; };
  },
  'prompt.render': (ctx) => {
    if (ctx.redirected) throw new Error('Redirect and render commands cannot be used in the same action.');
    return () => { ctx.rendered = true; };
  },
  'authentication.recordMethod': (ctx) => { if (!ctx.continuing) throw new Error('api.authentication.recordMethod is only available in onContinuePostLogin'); },
  'authentication.setPrimaryUser': (ctx) => {
    if (ctx.primaryUserSet) throw new Error('The primary user can only be altered once per transaction');
    return () => { ctx.primaryUserSet = true; };
  },
  'transaction.addTargetScope': (ctx, [scope]) => () => { const t = targetScopes(ctx); if (!t.includes(scope)) t.push(scope); },
  'transaction.removeTargetScope': (ctx, [scope]) => () => { const t = targetScopes(ctx); const i = t.indexOf(scope); if (i >= 0) t.splice(i, 1); },
  'transaction.setTargetScopes': (ctx, [scopes]) => () => { ctx.event.transaction.target_scopes = [...scopes]; },
  'transaction.clearTargetScopes': (ctx) => () => { ctx.event.transaction.target_scopes = []; },
};
function targetScopes(ctx) {
  const t = ctx.event.transaction;
  if (!Array.isArray(t.target_scopes)) t.target_scopes = [];
  return t.target_scopes;
}
// Members that are not commands.
const QUERIES = {
  'cache.get': (ctx, [key]) => ctx.cache.get(key),
  'cache.set': (ctx, [key, value, options]) => ctx.cache.set(key, value, options),
  'cache.delete': (ctx, [key]) => ctx.cache.delete(key),
  'redirect.encodeToken': (ctx, [options]) => encodeToken(ctx, options),
  'redirect.validateToken': (ctx, [options]) => validateToken(ctx, options),
  'redirect.canRedirect': (ctx) => {
    const q = (ctx.event.request && ctx.event.request.query) || {};
    return q.prompt !== 'none' && !NON_INTERACTIVE.includes(ctx.event.transaction && ctx.event.transaction.protocol);
  },
  'rules.wasExecuted': () => false,
  'groups.getUserGroups': async () => ({ groups: [] }),
  'groups.hasGroupMembership': async (ctx, [groups]) => ({ memberships: Object.fromEntries((groups || []).map((g) => [g, { is_member: false }])) }),
  'roles.getUserEffectiveRoles': async () => ({ roles: [] }),
  'roles.getUserEffectiveRolesByIds': async () => ({ roles: [] }),
  'roles.getUserEffectiveRolesByNames': async () => ({ roles: [] }),
};

function buildApi(ctx) {
  const api = {};
  for (const member of TRIGGERS[ctx.trigger].members) {
    const [part, method] = member.path.split('.');
    if (!api[part]) api[part] = {};
    api[part][method] = function (...actual) {
      if (!member.record) return QUERIES[member.path](ctx, actual);
      const check = BEHAVIOUR[member.path];
      const after = check ? check(ctx, actual) : undefined;
      ctx.commands.push({ name: member.path, args: recordedArgs(member, actual).map(cloneArg) });
      if (typeof after === 'function') after();
      if (member.effect === 'deny') ctx.denied = true;
      if (member.effect === 'drop' || member.effect === 'retry') ctx.notification = member.effect;
      return member.returns === 'api' ? api : undefined;
    };
  }
  return api;
}

// ------------------------------------------------------------------ running
function describe(e) {
  if (e instanceof Error || (e && typeof e === 'object' && 'message' in e)) return `${e.name || 'Error'}: ${e.message}`;
  return `non-Error value thrown: ${typeof e === 'string' ? e : JSON.stringify(e)}`;
}
async function execute(mod, handlerName, ctx) {
  try {
    const handler = mod[handlerName];
    if (handler === undefined) throw Object.assign(new Error(`The action does not export "${handlerName}".`), { name: 'MissingHandler' });
    if (typeof handler !== 'function' || handler.constructor.name !== 'AsyncFunction') {
      throw Object.assign(new Error(`Invalid function signature for the "${handlerName}" handler.`), { name: 'InvalidHandler' });
    }
    await handler(ctx.event, buildApi(ctx));
  } catch (e) {
    ctx.error = describe(e);
  }
  const result = { commands: ctx.commands, outcome: outcomeOf(ctx) };
  if (ctx.error) result.error = ctx.error;
  return result;
}
function outcomeOf(ctx) {
  if (ctx.error) return 'error';
  if (ctx.denied) return 'denied';
  if (ctx.notification) return ctx.notification;
  if (ctx.redirected) return 'redirect';
  if (ctx.rendered) return 'prompt';
  return 'ok';
}
function newContext(trigger, event, secrets, cache, continuing) {
  const ev = clone(event);
  Object.defineProperty(ev, 'secrets', { value: Object.freeze({ ...secrets }), enumerable: true, writable: false });
  if (trigger === 'post-login' && ev.transaction && !ev.transaction.metadata) ev.transaction.metadata = {};
  return { trigger, event: ev, cache, commands: [], continuing };
}

async function main(actionFile, manifestFile) {
  const manifest = loadManifest(manifestFile);
  const trigger = manifest.trigger;
  const [executeName, continueName] = TRIGGERS[trigger].handlers;
  const nowMs = manifest.now ? Date.parse(manifest.now) : DEFAULT_NOW;
  fixClock(nowMs);
  const http = [];
  installFetch(manifest.mocks || [], http);
  const cache = new Cache(() => Date.now());
  for (const [k, v] of Object.entries(manifest.cache || {})) cache.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  // A rejection nothing handles fails the execution it happened in (Node 22 and actsim do).
  let unhandled = null;
  process.on('unhandledRejection', (e) => { unhandled = unhandled || e; });
  const console_ = globalThis.console;
  globalThis.console = new console_.Console({ stdout: process.stderr, stderr: process.stderr });

  const event = baseEvent(manifest);
  const secrets = manifest.secrets || {};
  let mod;
  let result;
  try {
    mod = require(path.resolve(actionFile));
  } catch (e) {
    result = { commands: [], outcome: 'error', error: describe(e) };
  }
  if (!result) {
    const ctx = newContext(trigger, event, secrets, cache, false);
    result = await execute(mod, executeName, ctx);
    await new Promise((r) => setImmediate(r));
    if (unhandled && result.outcome !== 'error') Object.assign(result, { outcome: 'error', error: `unhandled rejection: ${describe(unhandled)}` });
    if (manifest.continue) {
      if (!continueName) throw new Error(`${trigger} has no continue handler`);
      // The continue event: the execute event after the handler (transaction metadata kept),
      // with the manifest's continue overrides (the /continue request) merged over it.
      const base = clone(ctx.event);
      delete base.secrets;
      const next = manifest.continue.event ? deepMerge(base, manifest.continue.event) : base;
      result.continue = await execute(mod, continueName, newContext(trigger, next, secrets, cache, true));
    }
  }
  result.http = http;
  result.cache = cache.snapshot();
  return result;
}

if (require.main === module) {
  const [actionFile, manifestFile] = process.argv.slice(2);
  if (!actionFile || !manifestFile) {
    process.stderr.write('usage: node record.js <action.js> <manifest.json>\n');
    process.exit(2);
  }
  main(actionFile, manifestFile).then(
    (r) => { process.stdout.write(`${JSON.stringify(r)}\n`); },
    (e) => { process.stderr.write(`record.js: ${e.stack || e}\n`); process.exit(2); },
  );
}
module.exports = { main, deepMerge, Cache };
