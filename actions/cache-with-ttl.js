// The fix for the default-lifetime trap: cache the token for as long as it lives (minus a safety
// margin), passing the ttl in MILLISECONDS. Uses node-auth0 v4's AuthenticationClient.
const { AuthenticationClient, ManagementClient } = require('auth0');

const KEY = 'mgmt-token';
const MARGIN_SECONDS = 60;

exports.onExecutePostLogin = async (event, api) => {
  const { domain, clientID, clientSecret } = event.secrets;

  let token = api.cache.get(KEY)?.value;
  if (!token) {
    const auth = new AuthenticationClient({ domain, clientId: clientID, clientSecret });
    const { data } = await auth.oauth.clientCredentialsGrant({ audience: `https://${domain}/api/v2/` });
    token = data.access_token;
    const result = api.cache.set(KEY, token, { ttl: (data.expires_in - MARGIN_SECONDS) * 1000 });
    if (result.type === 'error') {
      console.warn(`token not cached: ${result.code}`);
    }
  }

  const management = new ManagementClient({ domain, token });
  const { data: user } = await management.users.get({ id: event.user.user_id });
  api.idToken.setCustomClaim('https://actsim.dev/email', user.email);
};
