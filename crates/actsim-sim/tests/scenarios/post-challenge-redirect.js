// Test action for tests/redirects.rs: a password-reset-post-challenge action that marks the
// reset in api.cache and sends the user to an identity check; onContinuePostChallenge reads the
// mark, which only the instance that ran the execute handler has.
exports.onExecutePostChallenge = async (event, api) => {
  if (!api.cache.get('kyc-started')) api.cache.set('kyc-started', 'yes');
  api.redirect.sendUserTo('https://verify.example.com/start');
};

exports.onContinuePostChallenge = async (event, api) => {
  const mark = api.cache.get('kyc-started');
  console.log(mark ? 'mark still cached after the redirect' : 'cache miss after the redirect');
  api.transaction.setResultUrl('https://app.example.com/reset-done');
};
