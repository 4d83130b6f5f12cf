// Never email addresses on the suppression list (hard bounces, complaints: a secret holding a
// JSON array of lower-case addresses and "@domain" entries); other messages go to the provider
// (left out here, see sendgrid-mail.js). Marketing-like messages are dropped for test domains.
exports.onExecuteCustomEmailProvider = async (event, api) => {
  const to = event.notification.to.toLowerCase();
  const list = JSON.parse(event.secrets.SUPPRESSED || '[]');
  if (list.includes(to) || list.includes(`@${to.split('@')[1]}`)) {
    api.notification.drop(`recipient suppressed (${event.notification.message_type})`);
    return;
  }
  if (to.endsWith('.test') && event.notification.message_type === 'welcome_email') {
    api.notification.drop('no welcome emails to test domains');
  }
};
