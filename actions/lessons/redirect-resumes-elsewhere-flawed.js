// Lesson redirect-resumes-elsewhere, FLAWED: per-login state kept in api.cache across a redirect.
//
// A terms-of-service consent step. onExecutePostLogin remembers the consent it is asking for
// (which terms version, and when the user left) in api.cache under a key for this user's login,
// then sends the user to the consent page. onContinuePostLogin reads that record back when the
// user returns to /continue.
//
// The trap: production may run onContinuePostLogin on ANOTHER instance, with another cache
// (Auth0 docs, Actions limitations, "Cached data": an execution that yields "can have its
// remaining Actions scheduled on a separate instance with a different cache state"). There the
// record does not exist, and this action has to turn the user away.
const TERMS_VERSION = '2026-01';
const CONSENT_URL = 'https://consent.example.com/terms';
const PENDING_TTL_MS = 10 * 60 * 1000; // the consent page must be done within 10 minutes

const pendingKey = (event) => `consent:${event.user.user_id}`; // e.g. 28 bytes

exports.onExecutePostLogin = async (event, api) => {
  if (event.user.app_metadata.terms_version === TERMS_VERSION) {
    return; // already accepted
  }
  const pending = { terms_version: TERMS_VERSION, started_at: Date.now() };
  const result = api.cache.set(pendingKey(event), JSON.stringify(pending), { ttl: PENDING_TTL_MS });
  if (result.type === 'error') {
    console.warn(`could not remember the pending consent: ${result.code}`);
  }
  api.redirect.sendUserTo(CONSENT_URL, { query: { version: TERMS_VERSION } });
};

exports.onContinuePostLogin = async (event, api) => {
  const record = api.cache.get(pendingKey(event));
  if (!record) {
    // On another instance this is the normal case, not a rare expiry.
    console.warn('no pending consent in the cache: denying the login');
    api.access.deny('Your consent session expired. Please log in again.');
    return;
  }
  api.cache.delete(pendingKey(event));
  const pending = JSON.parse(record.value);
  api.user.setAppMetadata('terms_version', pending.terms_version);
  api.idToken.setCustomClaim('https://actsim.dev/terms_version', pending.terms_version);
  api.idToken.setCustomClaim('https://actsim.dev/consent_seconds', Math.round((Date.now() - pending.started_at) / 1000));
};
