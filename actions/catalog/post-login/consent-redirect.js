// Send users to a consent page when they have not accepted the current terms, with a signed
// session token; when they come back (onContinuePostLogin) check the token the consent page
// returns and record the accepted version. Users who decline are denied.
exports.onExecutePostLogin = async (event, api) => {
  const current = event.secrets.TERMS_VERSION;
  if (event.user.user_metadata.terms_accepted === current) return;
  const token = api.redirect.encodeToken({
    secret: event.secrets.CONSENT_SECRET,
    expiresInSeconds: 300,
    payload: { terms_version: current, email: event.user.email },
  });
  api.transaction.setMetadata('consent_requested', current);
  api.redirect.sendUserTo('https://consent.example.com/terms', { query: { session_token: token } });
};

exports.onContinuePostLogin = async (event, api) => {
  const payload = api.redirect.validateToken({ secret: event.secrets.CONSENT_SECRET, tokenParameterName: 'session_token' });
  if (payload.accepted !== true || payload.terms_version !== event.transaction.metadata.consent_requested) {
    api.access.deny('You must accept the terms of service to continue.');
    return;
  }
  api.user.setUserMetadata('terms_accepted', payload.terms_version);
};
