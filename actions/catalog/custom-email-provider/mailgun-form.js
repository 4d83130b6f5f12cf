// Deliver through Mailgun (form-encoded, basic auth "api:<key>"), tagging each message with its
// type and the transaction's correlation id so bounces can be traced back to the login.
exports.onExecuteCustomEmailProvider = async (event, api) => {
  const n = event.notification;
  const form = new URLSearchParams();
  form.set('from', `${event.tenant.friendly_name || event.tenant.id} <${n.from}>`);
  form.set('to', n.to);
  form.set('subject', n.subject);
  form.set('text', n.text);
  form.set('html', n.html);
  form.set('o:tag', n.message_type);
  if (event.transaction && event.transaction.correlation_id) form.set('v:correlation_id', event.transaction.correlation_id);
  const res = await fetch(`https://api.eu.mailgun.net/v3/${event.secrets.MAILGUN_DOMAIN}/messages`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`api:${event.secrets.MAILGUN_KEY}`).toString('base64')}` },
    body: form,
  });
  if (res.ok) return;
  if (res.status >= 500) api.notification.retry(`Mailgun HTTP ${res.status}`);
  else api.notification.drop(`Mailgun HTTP ${res.status}`);
};
