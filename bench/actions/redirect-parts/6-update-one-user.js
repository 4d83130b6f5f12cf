// Cut-down actions/redirect-article.js for bench/instructions.sh (6 of 6): 5, plus the PATCH of
// one fixed user (no event.user read); the article's action adds reading event.user.user_id
// (1 000 distinct users, so 1 000 distinct URLs).
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
  const management = new ManagementClient({ domain, token });
  await management.users.update({ id: "auth0|sim-user-00001" }, { app_metadata: { terms_accepted: true } });
  api.accessToken.setCustomClaim('https://actsim.dev/terms_accepted', true);
};
