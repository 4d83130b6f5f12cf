// Lesson long-key, FIXED: a short key whose variable part is a hash.
//
// The key stays unique per client and audience, but its length no longer depends on them:
// 'mgmt:' plus 22 characters of a base64url SHA-256 = 27 bytes, whatever the domain or client id.
// (An action that only ever caches one token can simply use a fixed key such as 'mgmt-token'.)
const crypto = require('crypto');
const { AuthenticationClient, ManagementClient } = require('auth0');

const cacheKey = (clientId, audience) =>
  'mgmt:' + crypto.createHash('sha256').update(`${clientId} ${audience}`).digest('base64url').slice(0, 22);

exports.onExecutePostLogin = async (event, api) => {
  const { domain, clientID, clientSecret } = event.secrets;
  const audience = `https://${domain}/api/v2/`;
  const key = cacheKey(clientID, audience);

  let token = api.cache.get(key)?.value;
  if (!token) {
    const auth = new AuthenticationClient({ domain, clientId: clientID, clientSecret });
    const { data } = await auth.oauth.clientCredentialsGrant({ audience });
    token = data.access_token;
    const result = api.cache.set(key, token, { ttl: (data.expires_in - 60) * 1000 });
    if (result.type === 'error') {
      console.warn(`token not cached: ${result.code}`);
    }
  }

  const management = new ManagementClient({ domain, token });
  const { data: user } = await management.users.get({ id: event.user.user_id });
  api.idToken.setCustomClaim('https://actsim.dev/email', user.email);
};
