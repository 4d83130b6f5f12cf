// Deliver Auth0's emails through SendGrid's v3 mail/send API. A 429 or 5xx is temporary:
// ask Auth0 to retry the notification later; any other refusal will not get better: drop it.
exports.onExecuteCustomEmailProvider = async (event, api) => {
  const n = event.notification;
  const res = await fetch('https://api.sendgrid.com/v3/mail/send', {
    method: 'POST',
    headers: { authorization: `Bearer ${event.secrets.SENDGRID_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      personalizations: [{ to: [{ email: n.to }] }],
      from: { email: n.from },
      subject: n.subject,
      content: [{ type: 'text/plain', value: n.text }, { type: 'text/html', value: n.html }],
      categories: [n.message_type],
    }),
  });
  if (res.status === 202) return;
  const detail = (await res.text()).slice(0, 200);
  if (res.status === 429 || res.status >= 500) api.notification.retry(`SendGrid HTTP ${res.status}: ${detail}`);
  else api.notification.drop(`SendGrid HTTP ${res.status}: ${detail}`);
};
