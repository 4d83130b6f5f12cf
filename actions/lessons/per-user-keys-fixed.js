// Lesson per-user-keys, FIXED: only shared data in the cache.
//
// The cache holds one record, the Management API token, which every login on the instance
// shares. Per-user data is not cached: it is fetched with that token when it is needed. (Often it
// does not need fetching at all: event.user carries the profile and app_metadata, and
// event.authorization.roles the roles. Data the action derives per user and wants to keep belongs
// in the user's app_metadata, via api.user.setAppMetadata, which the next login sees in
// event.user.app_metadata.)
const { AuthenticationClient, ManagementClient } = require('auth0');

const TOKEN_KEY = 'mgmt-token';

async function managementToken(event, api) {
  const cached = api.cache.get(TOKEN_KEY)?.value;
  if (cached) return cached;
  const { domain, clientID, clientSecret } = event.secrets;
  const auth = new AuthenticationClient({ domain, clientId: clientID, clientSecret });
  const { data } = await auth.oauth.clientCredentialsGrant({ audience: `https://${domain}/api/v2/` });
  const result = api.cache.set(TOKEN_KEY, data.access_token, { ttl: (data.expires_in - 60) * 1000 });
  if (result.type === 'error') console.warn(`token not cached: ${result.code}`);
  return data.access_token;
}

exports.onExecutePostLogin = async (event, api) => {
  const management = new ManagementClient({ domain: event.secrets.domain, token: await managementToken(event, api) });
  const { data: user } = await management.users.get({ id: event.user.user_id });
  const { data: roles } = await management.users.getRoles({ id: event.user.user_id });
  api.idToken.setCustomClaim('https://actsim.dev/email_verified', user.email_verified);
  api.idToken.setCustomClaim('https://actsim.dev/roles', roles.map((r) => r.name));
};
