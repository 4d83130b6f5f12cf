// A credentials-exchange action: adds a claim to M2M access tokens, denies a client that asks
// for a scope it should not have, and counts exchanges per client in the cache.
exports.onExecuteCredentialsExchange = async (event, api) => {
  if (event.transaction.requested_scopes.includes('admin')) {
    api.access.deny('invalid_scope', 'admin is not available to machine clients');
    return;
  }
  const key = `exchanges:${event.client.client_id}`;
  const count = Number(api.cache.get(key)?.value ?? 0) + 1;
  api.cache.set(key, String(count), { ttl: 60 * 60 * 1000 });
  api.accessToken.setCustomClaim('https://actsim.dev/exchange_count', count);
};
