// Real Node.js clients against a running `actsim serve`:
//   node check-serve.mjs BASE_URL [DOMAIN] [CLIENT_ID] [CLIENT_SECRET] [USER_ID]
//
// - node-auth0 v4 (`auth0` package): AuthenticationClient.oauth.clientCredentialsGrant and
//   ManagementClient.users.get / users.getRoles, with the `fetch` option rewriting
//   https://DOMAIN to BASE_URL (tokens keep iss = https://DOMAIN/, as in production);
// - jose: verifies the token's RS256 signature with createRemoteJWKSet on the local jwks_uri
//   (found through the discovery document), plus issuer, audience and expiry;
// - a client-credentials grant asking for a scope beyond the client grant, refused.
//
// Prints one JSON object with what it observed; exits 1 (with the error on stderr) on failure.
// crates/actsim-cli/tests/serve.rs runs it and checks the output.

import { AuthenticationClient, ManagementClient } from 'auth0';
import { createRemoteJWKSet, jwtVerify, errors as joseErrors } from 'jose';

const [base, domain = 'tenant.actsim.test', clientId = 'actsim-local-m2m',
  clientSecret = 'local-secret-change-me', userId = 'auth0|5f7c8ec7c33c6c004bbafe82'] =
  process.argv.slice(2);
if (!base) {
  console.error('usage: node check-serve.mjs BASE_URL [DOMAIN] [CLIENT_ID] [CLIENT_SECRET] [USER_ID]');
  process.exit(2);
}
const origin = `https://${domain}`;
const audience = `${origin}/api/v2/`;

// Every request the SDKs make, after rewriting, as "METHOD /path".
const seen = [];
const localFetch = (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const local = url.startsWith(origin) ? base + url.slice(origin.length) : url;
  seen.push(`${init?.method ?? 'GET'} ${new URL(local).pathname}`);
  return fetch(local, init);
};

async function main() {
  // 1. A token through the Authentication API client.
  const auth = new AuthenticationClient({ domain, clientId, clientSecret, fetch: localFetch });
  const grant = await auth.oauth.clientCredentialsGrant({ audience });
  const token = grant.data.access_token;
  // A scope beyond the client grant: Auth0 refuses the request (403 access_denied).
  let excessScope = null;
  try {
    await auth.oauth.clientCredentialsGrant({ audience, scope: 'read:users delete:users' });
  } catch (e) {
    excessScope = { name: e.name, statusCode: e.statusCode, error: e.error, error_description: e.error_description };
  }

  // 2. Verify it with jose against the JWKS named by the discovery document.
  const discovery = await (await fetch(`${base}/.well-known/openid-configuration`)).json();
  const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer: `${origin}/`,
    audience,
    algorithms: ['RS256'],
  });
  // A token with a forged payload must fail verification.
  const [h, , s] = token.split('.');
  const forged = Buffer.from(JSON.stringify({ ...payload, scope: 'delete:everything' })).toString('base64url');
  let forgedError = null;
  try {
    await jwtVerify(`${h}.${forged}.${s}`, jwks, { issuer: `${origin}/`, audience });
  } catch (e) {
    forgedError = e instanceof joseErrors.JWSSignatureVerificationFailed ? 'JWSSignatureVerificationFailed' : e.name;
  }

  // 3. The Management API through ManagementClient (its own token provider, same fetch).
  const management = new ManagementClient({ domain, clientId, clientSecret, fetch: localFetch });
  const user = await management.users.get({ id: userId });
  const roles = await management.users.getRoles({ id: userId });
  let missing = null;
  try {
    await management.users.get({ id: 'auth0|does-not-exist' });
  } catch (e) {
    missing = { name: e.name, statusCode: e.statusCode, errorCode: e.errorCode, message: e.message };
  }

  return {
    tokenResponse: {
      status: grant.status,
      token_type: grant.data.token_type,
      expires_in: grant.data.expires_in,
      scope: grant.data.scope,
    },
    excessScope,
    discovery: { issuer: discovery.issuer, token_endpoint: discovery.token_endpoint, jwks_uri: discovery.jwks_uri },
    verified: { alg: protectedHeader.alg, kid: protectedHeader.kid, iss: payload.iss, aud: payload.aud, sub: payload.sub, azp: payload.azp, gty: payload.gty, lifetime: payload.exp - payload.iat },
    forgedError,
    user: { status: user.status, user_id: user.data.user_id, email: user.data.email, name: user.data.name },
    roles: roles.data.map((r) => r.name),
    missing,
    requests: seen,
  };
}

main().then(
  (result) => console.log(JSON.stringify(result)),
  (error) => {
    console.error(error?.stack ?? String(error));
    process.exit(1);
  },
);
