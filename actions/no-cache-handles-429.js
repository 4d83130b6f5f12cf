// Never caches the Management API token (a new one per login), but at least handles the token
// endpoint refusing: on 429 (quota or rate limit) it logs the reason and lets the login through
// without the enrichment instead of failing it.
const { AuthenticationClient, ManagementClient } = require('auth0');

exports.onExecutePostLogin = async (event, api) => {
  const { domain, clientID, clientSecret } = event.secrets;
  const auth = new AuthenticationClient({ domain, clientId: clientID, clientSecret });
  let token;
  try {
    const { data } = await auth.oauth.clientCredentialsGrant({ audience: `https://${domain}/api/v2/` });
    token = data.access_token;
  } catch (err) {
    if (err.statusCode === 429) {
      console.warn(`token endpoint refused (${err.statusCode} ${err.error_description}); skipping enrichment`);
      api.accessToken.setCustomClaim('https://actsim.dev/enriched', false);
      return;
    }
    throw err;
  }
  const management = new ManagementClient({ domain, token });
  const { data: user } = await management.users.get({ id: event.user.user_id });
  api.accessToken.setCustomClaim('https://actsim.dev/enriched', true);
  api.idToken.setCustomClaim('https://actsim.dev/email', user.email);
};
