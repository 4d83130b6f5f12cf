// Lesson stampede, FIXED: one token fetch in flight per instance (single flight).
//
// actions/cache-with-ttl.js caches correctly, but when many logins reach a cold instance at
// once, each of them finds the cache empty and fetches its own token before the first one is
// stored. Here the fetch in progress is kept in a module-scope promise: the first execution
// that misses starts it, every concurrent execution on the instance awaits the same promise,
// and the one result is written to the cache once. (node-auth0 v4's own TokenProvider
// de-duplicates concurrent requests the same way.) Instances still do not share the promise,
// just as they do not share the cache: one fetch per instance.
const { AuthenticationClient, ManagementClient } = require('auth0');

const KEY = 'mgmt-token';
const MARGIN_SECONDS = 60;

let pending; // module scope: the token fetch in progress on this instance, if any

async function fetchAndCache(event, api) {
  const { domain, clientID, clientSecret } = event.secrets;
  const auth = new AuthenticationClient({ domain, clientId: clientID, clientSecret });
  const { data } = await auth.oauth.clientCredentialsGrant({ audience: `https://${domain}/api/v2/` });
  const result = api.cache.set(KEY, data.access_token, { ttl: (data.expires_in - MARGIN_SECONDS) * 1000 });
  if (result.type === 'error') {
    console.warn(`token not cached: ${result.code}`);
  }
  return data.access_token;
}

function managementToken(event, api) {
  const cached = api.cache.get(KEY)?.value;
  if (cached) return Promise.resolve(cached);
  if (!pending) {
    // The first miss starts the fetch; concurrent misses on this instance await the same one.
    pending = fetchAndCache(event, api).finally(() => {
      pending = undefined; // success or failure: the next miss starts a new fetch
    });
  }
  return pending;
}

exports.onExecutePostLogin = async (event, api) => {
  const token = await managementToken(event, api);
  const management = new ManagementClient({ domain: event.secrets.domain, token });
  const { data: user } = await management.users.get({ id: event.user.user_id });
  api.idToken.setCustomClaim('https://actsim.dev/email', user.email);
};
