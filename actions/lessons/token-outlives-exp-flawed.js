// Lesson token-outlives-exp, FLAWED: a cache record that lives longer than the token in it.
//
// The record's lifetime is a fixed day ("tokens last 24 hours"), not the token's own lifetime,
// and the token read back from the cache is used without checking its exp. Management API
// tokens live 86400 s by default, but the lifetime is configurable per API (Auth0 docs, "Update
// Access Token Lifetime"): on a tenant that issues 1-hour tokens, the record keeps serving the
// token for 23 hours after it expired, and every call with it gets 401 "Expired token received
// for JSON Web Token validation".
const { AuthenticationClient, ManagementClient } = require('auth0');

const KEY = 'mgmt-token';
const ONE_DAY_MS = 24 * 60 * 60 * 1000;

exports.onExecutePostLogin = async (event, api) => {
  const { domain, clientID, clientSecret } = event.secrets;

  let token = api.cache.get(KEY)?.value; // BUG: not checked against its exp
  if (!token) {
    const auth = new AuthenticationClient({ domain, clientId: clientID, clientSecret });
    const { data } = await auth.oauth.clientCredentialsGrant({ audience: `https://${domain}/api/v2/` });
    token = data.access_token;
    const result = api.cache.set(KEY, token, { ttl: ONE_DAY_MS }); // BUG: ignores data.expires_in
    if (result.type === 'error') {
      console.warn(`token not cached: ${result.code}`);
    }
  }

  const management = new ManagementClient({ domain, token });
  const { data: user } = await management.users.get({ id: event.user.user_id }); // 401 once expired
  api.idToken.setCustomClaim('https://actsim.dev/email', user.email);
};
