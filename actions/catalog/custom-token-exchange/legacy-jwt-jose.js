// Migrate users from a legacy identity system: the app exchanges the legacy system's HS256 JWT
// for Auth0 tokens. jose checks the signature, issuer, audience and expiry; the user is found
// (or created) in the legacy-users connection by the legacy subject. A bad token is reported as
// an invalid subject token, so attack protection can count it.
// jose 6 is published as an ES module only; Node 22 (and actsim) load it with require() all the
// same, returning the module's namespace.
const { jwtVerify, errors } = require('jose');

exports.onExecuteCustomTokenExchange = async (event, api) => {
  let claims;
  try {
    ({ payload: claims } = await jwtVerify(event.transaction.subject_token, new TextEncoder().encode(event.secrets.LEGACY_JWT_SECRET), {
      issuer: 'https://legacy.example.com',
      audience: 'urn:actsim:cte',
      algorithms: ['HS256'],
    }));
  } catch (e) {
    if (e instanceof errors.JOSEError) {
      api.access.rejectInvalidSubjectToken(`legacy token rejected: ${e.code}`);
      return;
    }
    throw e;
  }
  api.authentication.setUserByConnection(
    'legacy-users',
    {
      user_id: claims.sub,
      email: claims.email,
      email_verified: claims.email_verified === true,
      name: claims.name,
      given_name: claims.given_name,
      family_name: claims.family_name,
      verify_email: false,
    },
    { creationBehavior: 'create_if_not_exists', updateBehavior: 'none' },
  );
  api.user.setAppMetadata('legacy_group', claims.group || null);
};
