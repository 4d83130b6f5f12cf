// actsim built-in stand-in for the `jwt-decode` npm package, used when the action has no
// node_modules copy. It decodes (never verifies) a JWT's payload, or its header with
// `{ header: true }`. Both export styles work: v3's callable default
// (`const jwtDecode = require('jwt-decode')`) and v4's named export
// (`const { jwtDecode } = require('jwt-decode')`).
'use strict';

class InvalidTokenError extends Error {}
InvalidTokenError.prototype.name = 'InvalidTokenError';

function jwtDecode(token, options) {
  if (typeof token !== 'string') {
    throw new InvalidTokenError('Invalid token specified: must be a string');
  }
  const index = options && options.header === true ? 0 : 1;
  let decoded;
  try {
    // Native (this runs on every login of most actions): the part's base64url text read as
    // UTF-8, or one character per byte when it is not UTF-8, as the package's atob +
    // decodeURIComponent gives; undefined when the token has no such part.
    decoded = actsim.jwtPartText(token, index);
  } catch (e) {
    throw new InvalidTokenError(`Invalid token specified: invalid base64 for part #${index + 1} (${e.message})`);
  }
  if (decoded === undefined) {
    throw new InvalidTokenError(`Invalid token specified: missing part #${index + 1}`);
  }
  try {
    return JSON.parse(decoded);
  } catch (e) {
    throw new InvalidTokenError(`Invalid token specified: invalid json for part #${index + 1} (${e.message})`);
  }
}

module.exports = jwtDecode;
module.exports.jwtDecode = jwtDecode;
module.exports.default = jwtDecode;
module.exports.InvalidTokenError = InvalidTokenError;
