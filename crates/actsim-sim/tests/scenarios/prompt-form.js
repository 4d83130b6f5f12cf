// Renders a form for the user's company; the continue handler reads what the form returned.
exports.onExecutePostLogin = async (event, api) => {
  api.prompt.render('ap_profile', { fields: { company: 'unknown' }, vars: { step: 2 } });
};
exports.onContinuePostLogin = async (event, api) => {
  const p = event.prompt;
  api.idToken.setCustomClaim('form', p ? `${p.id}:${p.fields.company}:${p.fields.newsletter}:${p.vars.step}` : 'none');
};
