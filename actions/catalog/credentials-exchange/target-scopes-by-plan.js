// Narrow an M2M token's scopes by the client's plan (Early Access target scopes): free clients
// get read scopes only, and nobody gets `write:all` through this grant.
const PLAN_SCOPES = {
  free: ['read:reports'],
  pro: ['read:reports', 'write:reports'],
};

exports.onExecuteCredentialsExchange = async (event, api) => {
  const plan = (event.client.metadata || {}).plan || 'free';
  const allowed = PLAN_SCOPES[plan] || PLAN_SCOPES.free;
  const wanted = event.transaction.requested_scopes.filter((s) => allowed.includes(s));
  if (wanted.length === 0) api.transaction.clearTargetScopes();
  else api.transaction.setTargetScopes(wanted);
  api.transaction.removeTargetScope('write:all');
  if (plan === 'pro') api.transaction.addTargetScope('read:usage');
  api.accessToken.setCustomClaim('https://api.example.com/scopes', event.transaction.target_scopes);
};
