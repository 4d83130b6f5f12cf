#!/usr/bin/env node
// Baseline for BENCHMARKS.md: what a user might write instead of actsim to test the article's
// caching pattern: the handler of bench/actions/cache-hit.js, run N times (default 100 000) in
// one Node.js process, with a plain-object `api.cache` (15-minute default lifetime, like
// production) and an in-memory token stub instead of the tenant. No instances, no virtual
// clock, no placement, no trace: only the action's own work.
//
//   node bench/node-baseline.js [N]
//
// Prints one line: `node-baseline: N executions in X ms → Y executions/s (token fetches: F)`.
'use strict';

const N = Number(process.argv[2] || 100000);

// --- stand-ins a user would write ------------------------------------------------------------

// jwt-decode: decode (never verify) the payload, as the npm package does.
function jwtDecode(token) {
  const part = token.split('.')[1];
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

// The token endpoint: a JWT-shaped token that lives 24 h; counts how often it is asked.
let tokenFetches = 0;
function b64url(obj) {
  return Buffer.from(JSON.stringify(obj)).toString('base64url');
}
class ManagementClient {
  constructor(options) {
    this.options = options;
  }
  async getAccessToken() {
    tokenFetches += 1;
    const now = Math.floor(Date.now() / 1000);
    const header = b64url({ alg: 'RS256', typ: 'JWT', kid: 'stub' });
    const payload = b64url({
      iss: `https://${this.options.domain}/`,
      sub: `${this.options.clientId}@clients`,
      aud: `https://${this.options.domain}/api/v2/`,
      iat: now,
      exp: now + 86400,
      scope: 'read:users update:users read:roles',
      gty: 'client-credentials',
    });
    return `${header}.${payload}.${'s'.repeat(342)}`;
  }
}

// api.cache: one plain object, records with a lifetime (default 15 minutes, as production).
const DEFAULT_TTL_MS = 15 * 60 * 1000;
const store = Object.create(null);
function makeApi(commands) {
  return {
    cache: {
      get(key) {
        const r = store[key];
        if (!r || r.expires_at <= Date.now()) return undefined;
        return { value: r.value, expires_at: r.expires_at };
      },
      set(key, value, options) {
        const ttl = options && options.ttl !== undefined ? options.ttl : DEFAULT_TTL_MS;
        store[key] = { value, expires_at: Date.now() + ttl };
        return { type: 'success', record: store[key] };
      },
    },
    idToken: {
      setCustomClaim(name, value) {
        commands.push(['idToken.setCustomClaim', name, value]);
      },
    },
  };
}

// --- the action (same code as bench/actions/cache-hit.js) -------------------------------------

const KEY = 'management-api-token';
const onExecutePostLogin = async (event, api) => {
  let token = api.cache.get(KEY)?.value;
  if (!token || jwtDecode(token).exp <= Date.now() / 1000) {
    const { domain, clientID, clientSecret } = event.secrets;
    token = await new ManagementClient({ domain, clientId: clientID, clientSecret }).getAccessToken();
    const stored = api.cache.set(KEY, token);
    if (stored.type === 'error') {
      console.log(`could not cache the token: ${stored.code}`);
    }
  }
  api.idToken.setCustomClaim('https://actsim.dev/has_token', Boolean(token));
};

// --- the loop ---------------------------------------------------------------------------------

async function main() {
  const secrets = { domain: 'tenant.actsim.test', clientID: 'actsim-local-m2m', clientSecret: 'local-secret-change-me' };
  const start = process.hrtime.bigint();
  let claims = 0;
  for (let i = 0; i < N; i++) {
    const n = (i % 100) + 1;
    const event = {
      user: { user_id: `auth0|sim-user-${String(n).padStart(5, '0')}`, email: `user${n}@example.com` },
      secrets,
    };
    const commands = [];
    await onExecutePostLogin(event, makeApi(commands));
    claims += commands.length;
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (claims !== N) throw new Error(`expected ${N} claims, got ${claims}`);
  const perSecond = Math.round(N / (ms / 1000));
  console.log(
    `node-baseline: ${N} executions in ${ms.toFixed(1)} ms → ${perSecond} executions/s (token fetches: ${tokenFetches})`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
