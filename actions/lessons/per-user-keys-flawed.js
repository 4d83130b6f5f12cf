// Lesson per-user-keys, FLAWED: a cache record per user.
//
// To spare the Management API, this action caches each user's profile and roles for an hour
// under `profile:${user_id}`, next to the shared Management API token. But the trigger's cache
// holds at most 20 entries and 8 kB of keys plus values, for ALL post-login actions together
// (Auth0 docs, Actions limitations, "Cached data"). After about 20 distinct users the cache is
// full: every further set returns { type: 'error', code: 'CacheSizeExceeded' }, for this action
// and for every other action bound to the trigger (including the token's next refresh).
const { AuthenticationClient, ManagementClient } = require('auth0');

const TOKEN_KEY = 'mgmt-token';
const PROFILE_TTL_MS = 60 * 60 * 1000;

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
  const key = `profile:${event.user.user_id}`; // one record per user: the cache fills up
  let profile = api.cache.get(key)?.value;
  if (profile) {
    profile = JSON.parse(profile);
  } else {
    const management = new ManagementClient({ domain: event.secrets.domain, token: await managementToken(event, api) });
    const { data: user } = await management.users.get({ id: event.user.user_id });
    const { data: roles } = await management.users.getRoles({ id: event.user.user_id });
    profile = { ...user, roles: roles.map((r) => r.name) }; // about 250 bytes per user
    const result = api.cache.set(key, JSON.stringify(profile), { ttl: PROFILE_TTL_MS });
    if (result.type === 'error') console.warn(`profile not cached: ${result.code}`);
  }
  api.idToken.setCustomClaim('https://actsim.dev/email_verified', profile.email_verified);
  api.idToken.setCustomClaim('https://actsim.dev/roles', profile.roles);
};
