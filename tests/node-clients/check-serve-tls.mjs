// Real Node.js clients against `actsim serve --tls`, trusting its authority through
// NODE_EXTRA_CA_CERTS (set by the caller), with no request rewriting at all:
//   NODE_EXTRA_CA_CERTS=ca.pem node check-serve-tls.mjs BASE_URL [CLIENT_ID] [CLIENT_SECRET]
//
// - node-auth0 v3 (`auth0-v3`): ManagementClient.getAccessToken and getUsers with a Lucene
//   query (search_engine v3) and include_totals;
// - node-auth0 v4 (`auth0`): ManagementClient.users.getAll with q and paging, and the 400 for
//   an unsupported query;
// - openid-client 6: discovery (issuer checked against BASE_URL/), then a client-credentials
//   grant through the discovered token endpoint.
//
// Prints one JSON object with what it observed; exits 1 (with the error on stderr) on failure.
// crates/actsim-cli/tests/serve.rs runs it and checks the output.

import ManagementClientV3Module from 'auth0-v3';
import { ManagementClient } from 'auth0';
import * as oidc from 'openid-client';

const [base, clientId = 'actsim-local-m2m', clientSecret = 'local-secret-change-me'] =
  process.argv.slice(2);
if (!base) {
  console.error('usage: node check-serve-tls.mjs BASE_URL [CLIENT_ID] [CLIENT_SECRET]');
  process.exit(2);
}
const domain = new URL(base).host;

async function main() {
  // node-auth0 v3: the token its ManagementClient fetches, and a user search.
  const { ManagementClient: ManagementClientV3 } = ManagementClientV3Module;
  const v3 = new ManagementClientV3({ domain, clientId, clientSecret });
  const v3Token = await v3.getAccessToken();
  const v3Users = await v3.getUsers({
    q: 'email:"j+smith@example.com"',
    search_engine: 'v3',
    include_totals: true,
    per_page: 10,
    page: 0,
  });

  // node-auth0 v4: users.getAll with a wildcard query and paging, and a user's permissions.
  const v4 = new ManagementClient({ domain, clientId, clientSecret });
  const all = await v4.users.getAll({ q: 'name:ja*', search_engine: 'v3', per_page: 5, page: 0 });
  const none = await v4.users.getAll({ q: 'app_metadata.plan:"nothing"', search_engine: 'v3' });
  let badQuery = null;
  try {
    await v4.users.getAll({ q: 'logins_count:[1 TO 5]', search_engine: 'v3' });
  } catch (e) {
    badQuery = { statusCode: e.statusCode, message: e.message };
  }

  // openid-client: discovery must agree with the URL it was asked for, over https.
  const config = await oidc.discovery(new URL(base), clientId, clientSecret);
  const meta = config.serverMetadata();
  const grant = await oidc.clientCredentialsGrant(config, { audience: `${base}/api/v2/` });

  return {
    v3: {
      tokenParts: v3Token.split('.').length,
      total: v3Users.total,
      emails: v3Users.users.map((u) => u.email),
    },
    v4: {
      status: all.status,
      names: all.data.map((u) => u.name),
      none: none.data.length,
      badQuery,
    },
    openid: {
      issuer: meta.issuer,
      authorization_endpoint: meta.authorization_endpoint,
      token_endpoint: meta.token_endpoint,
      token_type: grant.token_type,
      scope: grant.scope,
    },
    tokenIss: JSON.parse(Buffer.from(v3Token.split('.')[1], 'base64url').toString()).iss,
  };
}

main().then(
  (result) => console.log(JSON.stringify(result)),
  (error) => {
    console.error(error?.stack ?? String(error));
    if (error?.cause) console.error('cause:', error.cause);
    process.exit(1);
  },
);
