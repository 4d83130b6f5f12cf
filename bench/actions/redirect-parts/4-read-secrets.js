// Cut-down actions/redirect-article.js for bench/instructions.sh (4 of 6): 3, plus the continue
// reading `domain` from event.secrets.
const { ManagementClient } = require('auth0');
const jwtDecode = require('jwt-decode');

const KEY = 'management-api-token';

async function managementToken(event, api) {
  const cached = api.cache.get(KEY)?.value;
  if (cached && jwtDecode(cached).exp > Date.now() / 1000) {
    return cached;
  }
  const { domain, clientID, clientSecret } = event.secrets;
  const token = await new ManagementClient({ domain, clientId: clientID, clientSecret }).getAccessToken();
  const result = api.cache.set(KEY, token);
  if (result.type === 'error') {
    console.log(`could not cache the token: ${result.code}`);
  }
  return token;
}

exports.onExecutePostLogin = async (event, api) => {
  await managementToken(event, api);
  api.redirect.sendUserTo('https://consent.example.com/terms');
};

exports.onContinuePostLogin = async (event, api) => {
  const token = await managementToken(event, api);
  const { domain } = event.secrets;
  void domain; void token;
  api.accessToken.setCustomClaim('https://actsim.dev/terms_accepted', true);
};
