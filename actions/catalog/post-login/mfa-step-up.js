// Step-up MFA: when the application asks for the multi-factor ACR (acr_values) or the user is an
// administrator, and this session has not done MFA yet, challenge with OTP (phone as an
// alternative), and tell the application which policy was applied.
const MFA_ACR = 'http://schemas.openid.net/pape/policies/2007/06/multi-factor';

exports.onExecutePostLogin = async (event, api) => {
  const acr = (event.transaction && event.transaction.acr_values) || [];
  const roles = (event.authorization && event.authorization.roles) || [];
  const needsMfa = acr.includes(MFA_ACR) || roles.includes('admin');
  const didMfa = event.authentication.methods.some((m) => m.name === 'mfa');
  if (!needsMfa || didMfa) return;
  const enrolled = (event.user.enrolledFactors || []).map((f) => f.type);
  if (enrolled.length === 0) {
    api.authentication.enrollWith({ type: 'otp' });
  } else {
    api.authentication.challengeWith({ type: 'otp' }, { additionalFactors: [{ type: 'phone', options: { preferredMethod: 'sms' } }] });
  }
  api.idToken.setCustomClaim('https://example.com/acr_applied', MFA_ACR);
};
