// Lesson module-scope, FIXED: a module-scope token, refreshed before its exp.
//
// The same module-scope cache as module-scope-flawed.js, plus the check it lacked: decode the
// token's `exp` (seconds since the epoch) and fetch a new token a minute before it. A
// ManagementClient built at module scope with clientId/clientSecret does the same for you: it
// keeps its token and refreshes it 10 s before expiry (see actions/module-scope-cache.js).
// Either way the token lives only as long as the instance: a recycled instance starts empty.
const { AuthenticationClient, ManagementClient } = require('auth0');
const { jwtDecode } = require('jwt-decode');

const MARGIN_SECONDS = 60;

let token; // module scope: kept for as long as the instance lives

const expiresSoon = (jwt) => jwtDecode(jwt).exp - MARGIN_SECONDS <= Date.now() / 1000;

exports.onExecutePostLogin = async (event, api) => {
  const { domain, clientID, clientSecret } = event.secrets;
  if (!token || expiresSoon(token)) {
    const auth = new AuthenticationClient({ domain, clientId: clientID, clientSecret });
    const { data } = await auth.oauth.clientCredentialsGrant({ audience: `https://${domain}/api/v2/` });
    token = data.access_token;
  }

  const management = new ManagementClient({ domain, token });
  const { data: user } = await management.users.get({ id: event.user.user_id });
  api.idToken.setCustomClaim('https://actsim.dev/email', user.email);
};
