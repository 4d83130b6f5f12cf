// Lesson ignored-set-result, FLAWED: api.cache.set's result is never looked at.
//
// api.cache.set does not throw when a write fails: it returns { type: 'error', code } (Auth0
// docs, post-login API object; @auth0/actions typings: CacheWriteResult). This action writes
// the token and moves on. When the write fails (here: the trigger's cache has no room for a
// 740-byte token; equally a key over 64 bytes, a full cache, or a backend failure), nothing
// is cached, nothing is logged, and every login quietly fetches a new token.
const { AuthenticationClient, ManagementClient } = require('auth0');

const KEY = 'mgmt-token';

exports.onExecutePostLogin = async (event, api) => {
  const { domain, clientID, clientSecret } = event.secrets;

  let token = api.cache.get(KEY)?.value;
  if (!token) {
    const auth = new AuthenticationClient({ domain, clientId: clientID, clientSecret });
    const { data } = await auth.oauth.clientCredentialsGrant({ audience: `https://${domain}/api/v2/` });
    token = data.access_token;
    api.cache.set(KEY, token, { ttl: (data.expires_in - 60) * 1000 }); // BUG: result ignored
  }

  const management = new ManagementClient({ domain, token });
  const { data: user } = await management.users.get({ id: event.user.user_id });
  api.idToken.setCustomClaim('https://actsim.dev/email', user.email);
};
