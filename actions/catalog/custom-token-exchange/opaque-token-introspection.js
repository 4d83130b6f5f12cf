// Exchange an opaque token from a partner's OAuth server: introspect it (RFC 7662, client
// authentication with basic auth), refuse inactive tokens, and issue tokens for the Auth0 user
// the partner maps it to. The partner's organization becomes the token's organization.
exports.onExecuteCustomTokenExchange = async (event, api) => {
  const { PARTNER_CLIENT_ID: id, PARTNER_CLIENT_SECRET: secret } = event.secrets;
  const res = await fetch('https://oauth.partner.example.com/introspect', {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token: event.transaction.subject_token, token_type_hint: 'access_token' }),
  });
  if (!res.ok) {
    api.access.deny('server_error', `introspection failed: HTTP ${res.status}`);
    return;
  }
  const info = await res.json();
  if (!info.active) {
    api.access.rejectInvalidSubjectToken('partner token is not active');
    return;
  }
  if (info.org_id) api.authentication.setOrganization(info.org_id);
  api.authentication.setUserById(info.auth0_user_id);
  api.user.setUserMetadata('partner_last_exchange', new Date().toISOString());
};
