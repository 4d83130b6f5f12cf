// Account linking on a first social login: when another account with the same verified email
// exists, link this identity into it through the Management API and make that account the
// login's primary user. The Management API token comes from a client-credentials grant made
// with openid-client (discovery + clientCredentialsGrant) and is cached in api.cache.
// openid-client 6 is an ES module: a CommonJS action loads it with import().
const TOKEN_KEY = 'mgmt-token';

async function managementToken(event, api) {
  const cached = api.cache.get(TOKEN_KEY);
  if (cached) return cached.value;
  const { discovery, clientCredentialsGrant } = await import('openid-client');
  const { domain, clientID, clientSecret } = event.secrets;
  const config = await discovery(new URL(`https://${domain}/`), clientID, clientSecret);
  const tokens = await clientCredentialsGrant(config, { audience: `https://${domain}/api/v2/` });
  api.cache.set(TOKEN_KEY, tokens.access_token, { ttl: Math.max(1, tokens.expires_in - 60) * 1000 });
  return tokens.access_token;
}

exports.onExecutePostLogin = async (event, api) => {
  const user = event.user;
  if (!user.email_verified || event.stats.logins_count > 1) return;
  const identity = user.identities[0];
  if (!identity || !identity.isSocial) return;
  const { domain } = event.secrets;
  const headers = { authorization: `Bearer ${await managementToken(event, api)}`, 'content-type': 'application/json' };
  const found = await fetch(`https://${domain}/api/v2/users-by-email?email=${encodeURIComponent(user.email)}`, { headers });
  if (!found.ok) throw new Error(`users-by-email failed: ${found.status}`);
  const primary = (await found.json()).find((u) => u.user_id !== user.user_id && u.email_verified);
  if (!primary) return;
  const link = await fetch(`https://${domain}/api/v2/users/${encodeURIComponent(primary.user_id)}/identities`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ provider: identity.provider, user_id: identity.user_id }),
  });
  if (!link.ok) throw new Error(`linking failed: ${link.status}`);
  api.authentication.setPrimaryUser(primary.user_id);
};
