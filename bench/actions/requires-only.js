// Benchmark action: loads what the article's action loads (the `auth0` and `jwt-decode`
// stand-ins) at module top level, then sets one claim; no cache, no HTTP. Used by
// bench/instance-creation.sh to measure a fresh instance with the article's modules loaded.
const { ManagementClient } = require('auth0');
const jwtDecode = require('jwt-decode');

exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('https://actsim.dev/modules', typeof ManagementClient === 'function' && typeof jwtDecode === 'function');
};
