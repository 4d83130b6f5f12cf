// Before a password can be reset, users who have MFA enrolled must pass it: the email link alone
// is not enough for them. OTP first, with push or phone as alternatives they have enrolled.
exports.onExecutePostChallenge = async (event, api) => {
  const enrolled = (event.user.enrolledFactors || []).map((f) => f.type);
  if (enrolled.length === 0) return;
  const preferred = enrolled.includes('otp') ? 'otp' : enrolled[0];
  const others = enrolled.filter((t) => t !== preferred && ['push-notification', 'phone', 'webauthn-roaming'].includes(t));
  if (others.length === 0) api.authentication.challengeWith({ type: preferred });
  else api.authentication.challengeWith({ type: preferred }, { additionalFactors: others.map((type) => ({ type })) });
};
