// A post-login action that reads the user through the Management API, caching the API token in
// api.cache for as long as the token lives (minus a safety margin), so that most logins need no
// token request. `actsim test` checks this with tests/token-cache.toml.
const { AuthenticationClient, ManagementClient } = require('auth0');

const CACHE_KEY = 'mgmt-token';
// Refresh this long before the token expires (seconds).
const MARGIN_SECONDS = 60;

exports.onExecutePostLogin = async (event, api) => {
  const { domain, clientID, clientSecret } = event.secrets;

  let token = api.cache.get(CACHE_KEY)?.value;
  if (!token) {
    const auth = new AuthenticationClient({ domain, clientId: clientID, clientSecret });
    const { data } = await auth.oauth.clientCredentialsGrant({
      audience: `https://${domain}/api/v2/`,
    });
    token = data.access_token;
    // ttl is in MILLISECONDS; without it the record lives 15 minutes, not the token's 24 hours.
    const result = api.cache.set(CACHE_KEY, token, {
      ttl: (data.expires_in - MARGIN_SECONDS) * 1000,
    });
    if (result.type === 'error') {
      console.warn(`token not cached: ${result.code}`);
    }
  }

  const management = new ManagementClient({ domain, token });
  const { data: user } = await management.users.get({ id: event.user.user_id });
  api.idToken.setCustomClaim('https://example.com/email_verified', user.email_verified);
};
