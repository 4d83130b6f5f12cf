// Lesson ttl-in-seconds, FLAWED: the token's expires_in (SECONDS) passed as ttl (MILLISECONDS).
//
// It looks like the fix for the 15-minute default: the record is given the token's lifetime.
// But api.cache.set's ttl is in milliseconds (Auth0 docs, post-login API object: "ttl: the
// time-to-live value of this cache entry in milliseconds"), while the token endpoint's
// expires_in is in seconds. { ttl: 86400 } keeps a 24-hour token for 86.4 seconds.
// Compare with actions/cache-with-ttl.js, which multiplies by 1000.
const { AuthenticationClient, ManagementClient } = require('auth0');

const KEY = 'mgmt-token';

exports.onExecutePostLogin = async (event, api) => {
  const { domain, clientID, clientSecret } = event.secrets;

  let token = api.cache.get(KEY)?.value;
  if (!token) {
    const auth = new AuthenticationClient({ domain, clientId: clientID, clientSecret });
    const { data } = await auth.oauth.clientCredentialsGrant({ audience: `https://${domain}/api/v2/` });
    token = data.access_token;
    // BUG: expires_in is 86400 (seconds); ttl wants milliseconds, so this is 86.4 s.
    const result = api.cache.set(KEY, token, { ttl: data.expires_in });
    if (result.type === 'error') {
      console.warn(`token not cached: ${result.code}`);
    }
  }

  const management = new ManagementClient({ domain, token });
  const { data: user } = await management.users.get({ id: event.user.user_id });
  api.idToken.setCustomClaim('https://actsim.dev/email', user.email);
};
