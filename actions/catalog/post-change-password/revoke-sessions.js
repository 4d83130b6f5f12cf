// After a password change, end the user's other sessions and refresh tokens through the
// Management API, with a Management API token from the tenant's token endpoint cached in
// api.cache (ttl in milliseconds, a minute before the token expires).
async function managementToken(event, api) {
  const hit = api.cache.get('mgmt-token');
  if (hit) return hit.value;
  const { domain, clientID, clientSecret } = event.secrets;
  const res = await fetch(`https://${domain}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientID, client_secret: clientSecret, audience: `https://${domain}/api/v2/` }),
  });
  if (!res.ok) throw new Error(`token request failed: HTTP ${res.status}`);
  const { access_token: token, expires_in: expiresIn } = await res.json();
  api.cache.set('mgmt-token', token, { ttl: (expiresIn - 60) * 1000 });
  return token;
}

exports.onExecutePostChangePassword = async (event, api) => {
  const token = await managementToken(event, api);
  const id = encodeURIComponent(event.user.user_id);
  for (const what of ['sessions', 'refresh-tokens']) {
    const res = await fetch(`https://${event.secrets.domain}/api/v2/users/${id}/${what}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    if (!res.ok && res.status !== 404) throw new Error(`revoking ${what} failed: HTTP ${res.status}`);
  }
};
