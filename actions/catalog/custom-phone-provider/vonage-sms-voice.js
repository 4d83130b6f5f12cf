// Deliver Auth0's phone messages through Vonage: text messages to the SMS API, voice messages
// to the Voice API as text-to-speech. Vonage's SMS API answers 200 even when a message is
// refused: the per-message status says so ("0" is success; "1" is throttled: retry).
exports.onExecuteCustomPhoneProvider = async (event, api) => {
  const n = event.notification;
  const { VONAGE_KEY: key, VONAGE_SECRET: secret } = event.secrets;
  if (n.delivery_method === 'voice') {
    const res = await fetch('https://api.nexmo.com/v1/calls', {
      method: 'POST',
      headers: { authorization: `Bearer ${event.secrets.VONAGE_VOICE_JWT}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: [{ type: 'phone', number: n.recipient.replace('+', '') }], from: { type: 'phone', number: (n.from || '').replace('+', '') }, ncco: [{ action: 'talk', text: n.as_voice, language: 'en-GB' }] }),
    });
    if (!res.ok) api.notification.retry(`Vonage voice HTTP ${res.status}`);
    return;
  }
  const res = await fetch('https://rest.nexmo.com/sms/json', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ api_key: key, api_secret: secret, to: n.recipient.replace('+', ''), from: 'Auth0', text: n.as_text }),
  });
  if (!res.ok) {
    api.notification.retry(`Vonage SMS HTTP ${res.status}`);
    return;
  }
  const [first] = (await res.json()).messages;
  if (first.status === '1') api.notification.retry('Vonage throttled the message');
  else if (first.status !== '0') api.notification.drop(`Vonage refused the message: ${first['error-text']}`);
};
