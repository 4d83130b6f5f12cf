// Put the user's roles (from event.authorization) into both tokens under a namespace, and give
// admins an extra API scope; everyone else loses it if they asked for it.
exports.onExecutePostLogin = async (event, api) => {
  const ns = event.secrets.CLAIM_NAMESPACE || 'https://example.com/';
  const roles = (event.authorization && event.authorization.roles) || [];
  api.idToken.setCustomClaim(`${ns}roles`, roles);
  api.accessToken.setCustomClaim(`${ns}roles`, roles);
  if (roles.includes('admin')) api.accessToken.addScope('admin:reports');
  else api.accessToken.removeScope('admin:reports');
};
