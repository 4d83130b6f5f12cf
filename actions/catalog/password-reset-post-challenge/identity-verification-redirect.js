// Users flagged for identity verification (app_metadata.kyc_required) are sent to the
// verification provider before they may choose a new password; when they come back
// (onContinuePostChallenge) the provider's signed token says whether they passed.
exports.onExecutePostChallenge = async (event, api) => {
  if (!event.user.app_metadata.kyc_required) return;
  const token = api.redirect.encodeToken({
    secret: event.secrets.KYC_SECRET,
    expiresInSeconds: 600,
    payload: { purpose: 'password-reset' },
  });
  api.redirect.sendUserTo('https://verify.example.com/start', { query: { session_token: token, lang: event.transaction.locale } });
};

exports.onContinuePostChallenge = async (event, api) => {
  let result;
  try {
    result = api.redirect.validateToken({ secret: event.secrets.KYC_SECRET });
  } catch (e) {
    api.access.deny('Identity verification could not be confirmed.');
    return;
  }
  if (result.verified !== true) api.access.deny('Identity verification failed. Please contact support.');
  else api.transaction.setResultUrl('https://app.example.com/account/security', { query: { verified: 'kyc' } });
};
