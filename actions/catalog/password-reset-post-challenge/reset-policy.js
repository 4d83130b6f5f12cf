// Password-reset policy: no resets from countries the company does not operate in (the list is
// a secret), and after a reset users land on the security page of the app they came from.
exports.onExecutePostChallenge = async (event, api) => {
  const allowed = (event.secrets.ALLOWED_COUNTRIES || '').split(',').map((c) => c.trim());
  const country = event.request.geoip.countryCode;
  if (!allowed.includes(country)) {
    api.access.deny('Password resets are not available from your location. Please contact support.');
    return;
  }
  const app = event.client.metadata.security_page || 'https://app.example.com/account/security';
  api.transaction.setResultUrl(app, { query: { reset: 'done', ui_locales: event.transaction.locale } });
};
