// Lesson long-key, FLAWED: a cache key built from the client id and the audience.
//
// `access_token_${clientID}_${audience}` reads well and is unique per client and API, but a
// cache key may be at most 64 bytes (Auth0 docs, Actions limitations, "Cached data"). On the
// local tenant it is exactly 64 bytes; on a tenant whose domain is one character longer
// (acme-eu.actsim.test) it is 65, and with a real 32-character client id and any *.auth0.com
// domain it is 76 bytes or more. Every api.cache.set then fails with CacheKeySizeExceeded,
// so every login fetches a new token. The action even checks the result, but only logs it.
const { AuthenticationClient, ManagementClient } = require('auth0');

exports.onExecutePostLogin = async (event, api) => {
  const { domain, clientID, clientSecret } = event.secrets;
  const audience = `https://${domain}/api/v2/`;
  const key = `access_token_${clientID}_${audience}`; // 65 bytes on acme-eu.actsim.test

  let token = api.cache.get(key)?.value;
  if (!token) {
    const auth = new AuthenticationClient({ domain, clientId: clientID, clientSecret });
    const { data } = await auth.oauth.clientCredentialsGrant({ audience });
    token = data.access_token;
    const result = api.cache.set(key, token, { ttl: (data.expires_in - 60) * 1000 });
    if (result.type === 'error') {
      console.warn(`token not cached: ${result.code}`); // CacheKeySizeExceeded, on every login
    }
  }

  const management = new ManagementClient({ domain, token });
  const { data: user } = await management.users.get({ id: event.user.user_id });
  api.idToken.setCustomClaim('https://actsim.dev/email', user.email);
};
