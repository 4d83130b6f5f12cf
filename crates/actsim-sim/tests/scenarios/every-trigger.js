// Test action for tests/triggers.rs: the same body under every trigger's execute handler. It
// counts its executions in api.cache (per instance and trigger), and fails now and then.
async function body(event, api) {
  const seen = api.cache.get('count');
  const n = seen ? Number(seen.value) + 1 : 1;
  api.cache.set('count', String(n));
  if (Math.random() < 0.2) throw new Error(`unlucky execution ${n}`);
}
exports.onExecutePostLogin = body;
exports.onExecuteCredentialsExchange = body;
exports.onExecutePreUserRegistration = body;
exports.onExecutePostUserRegistration = body;
exports.onExecutePostChangePassword = body;
exports.onExecuteSendPhoneMessage = body;
exports.onExecutePostChallenge = body;
exports.onExecuteCustomTokenExchange = body;
exports.onExecuteCustomEmailProvider = body;
exports.onExecuteCustomPhoneProvider = body;
exports.onExecuteEventStream = body;
