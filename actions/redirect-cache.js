// A redirect flow that relies on the cache across the redirect: onExecutePostLogin caches a
// token and sends the user away; onContinuePostLogin expects the token to still be cached.
// In production the continue may run on another instance with a different cache, so the
// continue phase must be able to fetch again. Compare:
//   actsim run actions/redirect-cache.js --continue --resume-on same
//   actsim run actions/redirect-cache.js --continue --resume-on fresh
const { AuthenticationClient } = require('auth0');

const KEY = 'mgmt-token';

async function token(event, api) {
  const cached = api.cache.get(KEY);
  if (cached) {
    return cached.value;
  }
  const { domain, clientID, clientSecret } = event.secrets;
  const auth = new AuthenticationClient({ domain, clientId: clientID, clientSecret });
  const { data } = await auth.oauth.clientCredentialsGrant({ audience: `https://${domain}/api/v2/` });
  api.cache.set(KEY, data.access_token, { ttl: (data.expires_in - 60) * 1000 });
  return data.access_token;
}

exports.onExecutePostLogin = async (event, api) => {
  await token(event, api);
  api.transaction.setMetadata('redirected_at', Date.now());
  api.redirect.sendUserTo('https://consent.example.com/terms', { query: { user: event.user.user_id } });
};

exports.onContinuePostLogin = async (event, api) => {
  const hadToken = api.cache.get(KEY) !== undefined;
  console.log(hadToken ? 'token still cached after the redirect' : 'cache miss after the redirect: fetching again');
  await token(event, api);
  api.accessToken.setCustomClaim('https://actsim.dev/terms_accepted', true);
};
