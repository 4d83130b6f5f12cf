// The second action of the registration flow: records that it ran.
const audit = async (event, api) => {
  api.cache.set('audited', String(event.user.email));
};
exports.onExecutePostUserRegistration = audit;
exports.onExecutePreUserRegistration = audit;
