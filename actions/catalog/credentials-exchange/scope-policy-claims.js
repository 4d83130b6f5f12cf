// Machine-to-machine tokens: copy the tenant id and plan from the client's metadata into the
// access token, and refuse the `admin` scope to clients not flagged for it.
exports.onExecuteCredentialsExchange = async (event, api) => {
  const meta = event.client.metadata || {};
  if (event.transaction.requested_scopes.includes('admin') && meta.admin_allowed !== 'true') {
    api.access.deny('invalid_scope', `Client ${event.client.name} may not request the admin scope.`);
    return;
  }
  const ns = 'https://api.example.com/';
  api.accessToken.setCustomClaim(`${ns}tenant`, meta.customer_tenant || null);
  api.accessToken.setCustomClaim(`${ns}plan`, meta.plan || 'free');
};
