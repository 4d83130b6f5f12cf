// Lesson redirect-resumes-elsewhere, FIXED: per-login state travels with the transaction.
//
// The same consent step as redirect-resumes-elsewhere-flawed.js, but what onContinuePostLogin
// needs is stored with api.transaction.setMetadata. Auth0 keeps transaction metadata with the
// login transaction and reloads it when the flow resumes, on whichever instance that is; it shows
// up in event.transaction.metadata. The Actions coding guidelines recommend exactly this:
// transaction metadata for per-login data, api.cache only for data shared between executions.
//
// The cache is not needed at all here. An action that also caches shared data (a Management API
// token) must treat that cache as optional after a resume and be ready to fetch again, as
// actions/redirect-cache.js does.
const TERMS_VERSION = '2026-01';
const CONSENT_URL = 'https://consent.example.com/terms';

exports.onExecutePostLogin = async (event, api) => {
  if (event.user.app_metadata.terms_version === TERMS_VERSION) {
    return; // already accepted
  }
  api.transaction.setMetadata('terms_version', TERMS_VERSION);
  api.transaction.setMetadata('consent_started_at', Date.now());
  api.redirect.sendUserTo(CONSENT_URL, { query: { version: TERMS_VERSION } });
};

exports.onContinuePostLogin = async (event, api) => {
  const { terms_version, consent_started_at } = event.transaction.metadata;
  if (!terms_version) {
    // Cannot happen when the continue belongs to a login this action redirected.
    api.access.deny('No consent was requested for this login.');
    return;
  }
  api.user.setAppMetadata('terms_version', terms_version);
  api.idToken.setCustomClaim('https://actsim.dev/terms_version', terms_version);
  api.idToken.setCustomClaim('https://actsim.dev/consent_seconds', Math.round((Date.now() - consent_started_at) / 1000));
};
