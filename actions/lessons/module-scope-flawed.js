// Lesson module-scope, FLAWED: a token kept in a module-scope variable and never checked again.
//
// Module scope survives between executions on a warm instance (Auth0 docs, Actions coding
// guidelines), so this action fetches the Management API token once per instance and reuses it.
// That is a fine cache, but the token has an `exp`: the code never looks at it. On an instance
// that lives longer than the token, every login after `exp` sends an expired token and the
// Management API answers 401 "Expired token received for JSON Web Token validation".
const { AuthenticationClient, ManagementClient } = require('auth0');

let token; // module scope: kept for as long as the instance lives

exports.onExecutePostLogin = async (event, api) => {
  const { domain, clientID, clientSecret } = event.secrets;
  if (!token) {
    const auth = new AuthenticationClient({ domain, clientId: clientID, clientSecret });
    const { data } = await auth.oauth.clientCredentialsGrant({ audience: `https://${domain}/api/v2/` });
    token = data.access_token; // BUG: used until the instance goes away, even after it expired
  }

  const management = new ManagementClient({ domain, token });
  const { data: user } = await management.users.get({ id: event.user.user_id }); // 401 after exp
  api.idToken.setCustomClaim('https://actsim.dev/email', user.email);
};
