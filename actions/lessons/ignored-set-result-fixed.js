// Lesson ignored-set-result, FIXED: check the result, log the code, and fall back.
//
// The same action, but the result of api.cache.set is checked. On { type: 'error' } it logs
// result.code (so the failure shows in the logs, with its reason) and keeps the token in a
// module-scope variable, which lasts as long as the instance. Later logins on the instance use
// that copy until a minute before its exp, so the token is still reused when the cache refuses
// it.
const { AuthenticationClient, ManagementClient } = require('auth0');
const { jwtDecode } = require('jwt-decode');

const KEY = 'mgmt-token';
const MARGIN_SECONDS = 60;

let fallbackToken; // module scope: used when the cache would not take the token

const stillValid = (jwt) => Boolean(jwt) && jwtDecode(jwt).exp - MARGIN_SECONDS > Date.now() / 1000;

exports.onExecutePostLogin = async (event, api) => {
  const { domain, clientID, clientSecret } = event.secrets;

  let token = api.cache.get(KEY)?.value ?? (stillValid(fallbackToken) ? fallbackToken : undefined);
  if (!token) {
    const auth = new AuthenticationClient({ domain, clientId: clientID, clientSecret });
    const { data } = await auth.oauth.clientCredentialsGrant({ audience: `https://${domain}/api/v2/` });
    token = data.access_token;
    const result = api.cache.set(KEY, token, { ttl: (data.expires_in - MARGIN_SECONDS) * 1000 });
    if (result.type === 'error') {
      console.error(`api.cache.set('${KEY}') failed: ${result.code}; keeping the token in module scope`);
      fallbackToken = token;
    }
  }

  const management = new ManagementClient({ domain, token });
  const { data: user } = await management.users.get({ id: event.user.user_id });
  api.idToken.setCustomClaim('https://actsim.dev/email', user.email);
};
