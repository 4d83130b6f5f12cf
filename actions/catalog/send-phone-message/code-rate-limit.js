// Refuse to send more than three codes to one phone number in ten minutes (a toll-fraud guard),
// counted in api.cache. Throwing fails the send, which is how this trigger reports an error.
const WINDOW_MS = 10 * 60 * 1000;

exports.onExecuteSendPhoneMessage = async (event, api) => {
  const key = `sms:${event.message_options.recipient}`;
  const hit = api.cache.get(key);
  const sent = hit ? JSON.parse(hit.value) : { count: 0, since: Date.now() };
  if (sent.count >= 3) {
    throw new Error(`too many codes sent to ${event.message_options.recipient.slice(0, 5)}… in 10 minutes`);
  }
  sent.count += 1;
  api.cache.set(key, JSON.stringify(sent), { expires_at: sent.since + WINDOW_MS });
  // …then hand the message to the SMS provider (see twilio-sms.js); left out here.
};
