// Anti-pattern: a new Management API token on every login. Each execution asks the tenant's
// /oauth/token endpoint for a fresh token and throws it away afterwards.
const { AuthenticationClient, ManagementClient } = require('auth0');

exports.onExecutePostLogin = async (event, api) => {
  const { domain, clientID, clientSecret } = event.secrets;
  const auth = new AuthenticationClient({ domain, clientId: clientID, clientSecret });
  const { data } = await auth.oauth.clientCredentialsGrant({ audience: `https://${domain}/api/v2/` });

  const management = new ManagementClient({ domain, token: data.access_token });
  const { data: user } = await management.users.get({ id: event.user.user_id });
  api.accessToken.setCustomClaim('https://actsim.dev/logins', event.stats.logins_count);
  api.idToken.setCustomClaim('https://actsim.dev/name', user.name);
};
