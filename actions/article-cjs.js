// The article's pattern in production's CommonJS form (`exports.onExecutePostLogin`): same
// behaviour as actions/article-esm.js, including the missing ttl (a 15-minute cache record for a
// 24-hour token).
const auth0 = require('auth0');
const jwtDecode = require('jwt-decode');

const CACHE_KEY = 'management-api-token';

function tokenIsFresh(token) {
  if (!token) return false;
  return jwtDecode(token).exp > Date.now() / 1000;
}

exports.onExecutePostLogin = async (event, api) => {
  const { domain, clientID, clientSecret } = event.secrets;

  const cached = api.cache.get(CACHE_KEY);
  let token = cached ? cached.value : undefined;
  if (!tokenIsFresh(token)) {
    const client = new auth0.ManagementClient({ domain, clientId: clientID, clientSecret });
    token = await client.getAccessToken();
    const result = await api.cache.set(CACHE_KEY, token);
    if (result.type === 'error') {
      console.log(`Failed to cache the token: ${result.code}`);
    }
  }

  const management = new auth0.ManagementClient({ domain, token });
  const { data: user } = await management.users.get({ id: event.user.user_id });
  api.idToken.setCustomClaim('https://actsim.dev/email_verified', user.email_verified);
};
