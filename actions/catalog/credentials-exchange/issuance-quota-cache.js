// A per-client issuance budget: count the tokens issued to each client in the current hour in
// api.cache and deny once the budget (a secret) is spent. The count is per instance and
// best-effort, as the cache is: it protects a downstream API from a runaway client, it is not
// an exact quota.
exports.onExecuteCredentialsExchange = async (event, api) => {
  const hour = new Date().toISOString().slice(0, 13);
  const key = `issued:${event.client.client_id}:${hour}`;
  const limit = Number(event.secrets.HOURLY_LIMIT || '100');
  const record = api.cache.get(key);
  const count = record ? Number(record.value) : 0;
  if (count >= limit) {
    api.access.deny('invalid_request', `Token budget of ${limit} per hour exceeded; cache your tokens.`);
    return;
  }
  const expiresAt = Date.parse(`${hour}:00:00.000Z`) + 60 * 60 * 1000;
  const result = api.cache.set(key, String(count + 1), { expires_at: expiresAt });
  if (result.type === 'error') console.warn(`quota counter not stored: ${result.code}`);
  api.accessToken.setCustomClaim('https://api.example.com/issued_this_hour', count + 1);
};
