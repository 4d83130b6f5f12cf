// Benchmark action: the least an action can do (one claim, no require, no cache, no HTTP).
// Used by bench/instance-creation.sh to measure what a fresh instance costs.
exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('https://actsim.dev/seen', true);
};
