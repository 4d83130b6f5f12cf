// A registration webhook whose CRM call fails on every second registration an instance handles
// (module state counts them). Bound to post-user-registration (non-blocking) the failure is
// reported and blocks nothing; bound to pre-user-registration (blocking) it fails the flow.
let handled = 0;
const notifyCrm = async (event, api) => {
  handled += 1;
  if (handled % 2 === 0) throw new Error('CRM is down');
  api.cache.set('last-registered', String(event.user.email));
};
exports.onExecutePostUserRegistration = notifyCrm;
exports.onExecutePreUserRegistration = notifyCrm;
