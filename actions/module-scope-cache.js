// Caching in module scope: the ManagementClient (and the token node-auth0 v3 keeps inside it)
// is created once per instance, when the instance runs its first execution. Later executions on
// the same warm instance reuse the token; a fresh instance (cold start, or after a recycle)
// starts empty and fetches again. api.cache is not used at all.
const { ManagementClient } = require('auth0');

let management;

exports.onExecutePostLogin = async (event, api) => {
  if (!management) {
    const { domain, clientID, clientSecret } = event.secrets;
    management = new ManagementClient({ domain, clientId: clientID, clientSecret });
  }
  const user = await management.getUser({ id: event.user.user_id });
  api.idToken.setCustomClaim('https://actsim.dev/email', user.email);
};
