// Map profile and metadata fields to the SAML attributes a service provider (here, a payroll
// SaaS) expects, and adjust the assertion's settings. Only for SAML logins to that client.
const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

exports.onExecutePostLogin = async (event, api) => {
  if (event.transaction.protocol !== 'samlp') return;
  if (event.client.client_id !== event.secrets.PAYROLL_CLIENT_ID) return;
  const user = event.user;
  api.samlResponse.setAttribute(`${CLAIMS}/emailaddress`, user.email);
  api.samlResponse.setAttribute(`${CLAIMS}/givenname`, user.given_name);
  api.samlResponse.setAttribute(`${CLAIMS}/surname`, user.family_name);
  api.samlResponse.setAttribute('employee_number', user.app_metadata.employee_number || null);
  api.samlResponse.setAttribute('groups', (event.authorization.roles || []).join(','));
  api.samlResponse.setNameIdentifierFormat('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
  api.samlResponse.setNameIdentifierProbes([`${CLAIMS}/emailaddress`]);
  api.samlResponse.setLifetimeInSeconds(600);
  api.samlResponse.setSignResponse(true);
  api.samlResponse.setSignatureAlgorithm('rsa-sha256');
  api.samlResponse.setDigestAlgorithm('sha256');
  api.samlResponse.setMapUnknownClaimsAsIs(true);
};
