// SMS pumping protection: only send to phone numbers in the countries the service operates in
// (E.164 prefixes in a secret). Anything else is dropped before it costs money; a number that
// is not E.164 at all is dropped too.
exports.onExecuteCustomPhoneProvider = async (event, api) => {
  const to = event.notification.recipient;
  if (!/^\+[1-9][0-9]{6,14}$/.test(to)) {
    api.notification.drop('recipient is not an E.164 number');
    return;
  }
  const prefixes = (event.secrets.ALLOWED_PREFIXES || '').split(',').map((p) => p.trim()).filter(Boolean);
  if (!prefixes.some((p) => to.startsWith(p))) {
    api.notification.drop(`destination ${to.slice(0, 4)}… not allowed`);
    return;
  }
  // …hand over to the provider here (see vonage-sms-voice.js).
};
