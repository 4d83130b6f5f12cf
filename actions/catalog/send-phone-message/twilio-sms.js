// Send MFA codes through Twilio's Messages API (form-encoded, basic auth), by SMS or as a voice
// call with TwiML, from the number in the secrets.
exports.onExecuteSendPhoneMessage = async (event) => {
  const { TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: token, TWILIO_FROM: from } = event.secrets;
  const msg = event.message_options;
  const auth = `Basic ${Buffer.from(`${sid}:${token}`).toString('base64')}`;
  const voice = msg.message_type === 'voice';
  const form = new URLSearchParams({ To: msg.recipient, From: from });
  if (voice) form.set('Twiml', `<Response><Say>${msg.text}</Say></Response>`);
  else form.set('Body', msg.text);
  const res = await fetch(`https://api.twilio.com/2010-04-01/Accounts/${sid}/${voice ? 'Calls' : 'Messages'}.json`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  if (!res.ok) {
    const err = await res.json().catch(() => ({}));
    throw new Error(`Twilio refused the message: ${res.status} ${err.message || ''}`.trim());
  }
};
