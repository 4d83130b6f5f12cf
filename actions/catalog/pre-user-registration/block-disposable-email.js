// Refuse sign-ups from disposable email domains (a comma-separated list in a secret), and from
// addresses with a "+tag" when the connection's metadata forbids them.
exports.onExecutePreUserRegistration = async (event, api) => {
  const email = (event.user.email || '').toLowerCase();
  const domain = email.split('@')[1] || '';
  const blocked = (event.secrets.DISPOSABLE_DOMAINS || '').split(',').map((d) => d.trim()).filter(Boolean);
  if (blocked.includes(domain)) {
    api.access.deny(`disposable_email:${domain}`, 'Please sign up with a permanent email address.');
    return;
  }
  if ((event.connection.metadata || {}).allow_plus_addresses === 'false' && email.split('@')[0].includes('+')) {
    api.validation.error('invalid_email', 'Email addresses with a "+" are not accepted.');
  }
};
