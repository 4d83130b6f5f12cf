#!/usr/bin/env node
// Checks the Node reference runner itself: the recording rules match actsim's post-login
// commands (crates/actsim-js/tests/api_commands.rs), api.cache returns the documented codes,
// and check-all's comparison catches a wrong expectation and an undeclared HTTP call.
// `node tests/node-runner/selftest.js`; exits 1 on the first failure.
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { TRIGGERS, recordedArgs } = require('./spec');
const { Cache, deepMerge } = require('./record');
const { check } = require('./check-all');

const member = (trigger, p) => TRIGGERS[trigger].members.find((x) => x.path === p);
const copy = (args) => JSON.parse(JSON.stringify(args.map((v) => (v === undefined ? null : v))));
const rec = (trigger, p, ...actual) => copy(recordedArgs(member(trigger, p), actual));

const tests = {
  'optional arguments are recorded only when given (as actsim records multifactor.enable)': () => {
    assert.deepStrictEqual(rec('post-login', 'multifactor.enable', 'duo'), ['duo']);
    assert.deepStrictEqual(rec('post-login', 'multifactor.enable', 'any', { allowRememberBrowser: true }), ['any', { allowRememberBrowser: true }]);
    assert.deepStrictEqual(rec('post-login', 'session.evictMetadata'), []);
  },
  'required arguments are always recorded, null when omitted': () => {
    assert.deepStrictEqual(rec('credentials-exchange', 'access.deny', 'invalid_scope'), ['invalid_scope', null]);
    assert.deepStrictEqual(rec('post-login', 'idToken.setCustomClaim', 'b', undefined), ['b', null]);
  },
  'sendUserTo records the url, and {query} only when a query is given': () => {
    assert.deepStrictEqual(rec('post-login', 'redirect.sendUserTo', 'https://x.example.com'), ['https://x.example.com']);
    assert.deepStrictEqual(rec('post-login', 'redirect.sendUserTo', 'https://m.example.com/start', { query: { a: '1' }, other: 1 }), ['https://m.example.com/start', { query: { a: '1' } }]);
  },
  'every trigger has its handler and api.cache': () => {
    assert.strictEqual(Object.keys(TRIGGERS).length, 11);
    for (const [name, t] of Object.entries(TRIGGERS)) {
      assert.ok(t.handlers[0].startsWith('onExecute'), name);
      assert.ok(member(name, 'cache.set'), `${name} has api.cache`);
    }
  },
  'api.cache gives the documented codes and lifetimes': () => {
    const now = Date.parse('2026-01-01T09:00:00Z');
    const c = new Cache(() => now);
    assert.deepStrictEqual(c.set('k', 'v'), { type: 'success', record: { value: 'v', expires_at: now + 15 * 60 * 1000 } });
    assert.deepStrictEqual(c.get('k'), { value: 'v', expires_at: now + 15 * 60 * 1000 });
    assert.strictEqual(c.get('missing'), undefined);
    assert.strictEqual(c.set('x'.repeat(65), 'v').code, 'CacheKeySizeExceeded');
    assert.strictEqual(c.set('k', 'é'.repeat(2049)).code, 'CacheValueSizeExceeded');
    assert.strictEqual(c.set('k', 'v', { ttl: 0 }).code, 'ItemAlreadyExpired');
    assert.strictEqual(c.set('k', 'v', { ttl: NaN }).code, 'InvalidExpiry');
    assert.strictEqual(c.set('k', 'v', { ttl: 48 * 3600 * 1000 }).record.expires_at, now + 24 * 3600 * 1000);
    assert.strictEqual(c.set('k', 'v', { ttl: 60000, expires_at: now + 1000 }).record.expires_at, now + 1000);
    assert.strictEqual(c.delete('nope').code, 'CacheKeyDoesNotExist');
    assert.deepStrictEqual(c.delete('k'), { type: 'success' });
    for (let i = 0; i < 20; i++) assert.strictEqual(c.set(`k${i}`, 'v').type, 'success');
    assert.strictEqual(c.set('one-more', 'v').code, 'CacheSizeExceeded');
    assert.throws(() => c.set('k', { a: 1 }), TypeError);
  },
  'event overrides merge like actsim run --event (objects by key, the rest replaces)': () => {
    assert.deepStrictEqual(deepMerge({ a: { b: 1, c: [1, 2] }, d: null }, { a: { c: [3] }, d: { e: 1 } }), { a: { b: 1, c: [3] }, d: { e: 1 } });
  },
  'check-all catches a wrong expectation and an undeclared HTTP call': () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actsim-selftest-'));
    const js = path.join(dir, 'a.js');
    const manifest = path.join(dir, 'a.json');
    fs.writeFileSync(js, "exports.onExecutePostLogin = async (event, api) => { api.access.deny('no'); await fetch('https://x.example.com/').catch(() => {}); };\n");
    fs.writeFileSync(manifest, JSON.stringify({ trigger: 'post-login', description: 'd', http: false, expect: { outcome: 'ok', commands: [] } }));
    const problems = check({ trigger: 'post-login', js, manifest }).join('\n');
    assert.match(problems, /commands differ/);
    assert.match(problems, /outcome denied \(expected ok\)/);
    assert.match(problems, /http = false but the action called GET https:\/\/x\.example\.com\//);
    fs.writeFileSync(manifest, JSON.stringify({ trigger: 'post-login', description: 'd', http: true, expect: { outcome: 'denied', commands: [{ name: 'access.deny', args: ['no'] }] } }));
    assert.deepStrictEqual(check({ trigger: 'post-login', js, manifest }), []);
    fs.rmSync(dir, { recursive: true });
  },
};

let failed = 0;
for (const [name, fn] of Object.entries(tests)) {
  try {
    fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n     ${e.message.split('\n').join('\n     ')}`);
  }
}
process.exit(failed ? 1 : 0);
