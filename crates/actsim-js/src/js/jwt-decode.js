// actsim built-in stand-in for the `jwt-decode` npm package, used when the action has no
// node_modules copy. It decodes (never verifies) a JWT's payload, or its header with
// `{ header: true }`. Both export styles work: v3's callable default
// (`const jwtDecode = require('jwt-decode')`) and v4's named export
// (`const { jwtDecode } = require('jwt-decode')`).
'use strict';

class InvalidTokenError extends Error {}
InvalidTokenError.prototype.name = 'InvalidTokenError';

function base64UrlToText(part) {
  // String patterns, not regular expressions: this runs on every login of most actions.
  let b64 = part.replaceAll('-', '+').replaceAll('_', '/');
  switch (b64.length % 4) {
    case 0: break;
    case 2: b64 += '=='; break;
    case 3: b64 += '='; break;
    default: throw new Error('base64 string is not of the correct length');
  }
  const binary = atob(b64);
  // Plain ASCII (nearly every token) needs no UTF-8 decoding.
  if (!/[\x80-\xff]/.test(binary)) return binary;
  try {
    // escape() turns each byte above 0x7F into %XX; decodeURIComponent reads those as UTF-8.
    return decodeURIComponent(escape(binary));
  } catch (e) {
    return binary;
  }
}

function jwtDecode(token, options) {
  if (typeof token !== 'string') {
    throw new InvalidTokenError('Invalid token specified: must be a string');
  }
  const index = options && options.header === true ? 0 : 1;
  const part = token.split('.')[index];
  if (typeof part !== 'string') {
    throw new InvalidTokenError(`Invalid token specified: missing part #${index + 1}`);
  }
  let decoded;
  try {
    decoded = base64UrlToText(part);
  } catch (e) {
    throw new InvalidTokenError(`Invalid token specified: invalid base64 for part #${index + 1} (${e.message})`);
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
