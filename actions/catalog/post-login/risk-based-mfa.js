// Adaptive MFA: when Auth0's risk assessment has low confidence in this login (new device,
// impossible travel, untrusted IP), require MFA without "remember this browser", and pass the
// decision to later Actions through transaction metadata.
exports.onExecutePostLogin = async (event, api) => {
  const risk = event.authentication && event.authentication.riskAssessment;
  if (!risk) return;
  const low = Object.entries(risk.assessments || {})
    .filter(([, a]) => a.confidence === 'low')
    .map(([name]) => name)
    .sort();
  api.transaction.setMetadata('risk_confidence', risk.confidence);
  if (risk.confidence === 'low' || low.length > 0) {
    api.transaction.setMetadata('risk_signals', low.join(','));
    api.multifactor.enable('any', { allowRememberBrowser: false });
  }
};
