// Two SMS providers: try the primary, and when it fails (network error or 5xx) send through the
// secondary. A 4xx from the primary is the message's fault and is not retried elsewhere.
async function send(url, key, msg) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ to: msg.recipient, text: msg.text, channel: msg.message_type }),
  });
}

exports.onExecuteSendPhoneMessage = async (event) => {
  const msg = event.message_options;
  let res;
  try {
    res = await send('https://sms.primary.example.com/v2/messages', event.secrets.PRIMARY_KEY, msg);
    if (res.ok) return;
    if (res.status < 500) throw new Error(`primary provider rejected the message: HTTP ${res.status}`);
    console.warn(`primary provider failed with HTTP ${res.status}; using the secondary`);
  } catch (e) {
    if (e.message.startsWith('primary provider rejected')) throw e;
    console.warn(`primary provider unreachable (${e.cause ? e.cause.message : e.message}); using the secondary`);
  }
  res = await send('https://api.secondary-sms.example.org/messages', event.secrets.SECONDARY_KEY, msg);
  if (!res.ok) throw new Error(`both SMS providers failed (secondary: HTTP ${res.status})`);
};
