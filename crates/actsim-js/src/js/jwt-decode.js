// actsim built-in stand-in for the `jwt-decode` npm package, used when the action has no
// node_modules copy. It decodes (never verifies) a JWT's payload, or its header with
// `{ header: true }`. Both export styles work: v3's callable default
// (`const jwtDecode = require('jwt-decode')`) and v4's named export
// (`const { jwtDecode } = require('jwt-decode')`).
'use strict';

class InvalidTokenError extends Error {}
InvalidTokenError.prototype.name = 'InvalidTokenError';

// Most actions decode the same cached token on every login: the last token's decoded payload
// is kept, and each call returns a fresh copy of it (as parsing again would: the caller may
// change what it gets), which costs about half of decoding and parsing.
let lastToken = null;
let lastPayload;
// The keys of `lastPayload` whose values are objects or arrays (most payloads have none).
let lastNested;
// For a payload without nested values: a function that copies it with one object literal,
// made when the same token comes again (compiling it costs more than one copy: an instance
// that decodes a token once never makes it); undefined until then, null for nested payloads.
let lastCopier;

// Identifier-like keys are read with `v.key` (faster in QuickJS than `v["key"]`); others, and
// `__proto__` (which in a literal would set the prototype), as computed keys.
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
// A function returning a copy of an object with the own keys of `obj`, in order, each holding
// the same value: an object literal, which QuickJS builds faster than `{ ...obj }`.
function flatCopier(obj) {
  const props = Object.keys(obj).map((k) => {
    if (IDENTIFIER.test(k) && k !== '__proto__') return `${k}: v.${k}`;
    const q = JSON.stringify(k);
    return `[${q}]: v[${q}]`;
  });
  return new Function('v', `return { ${props.join(', ')} };`);
}

// A deep copy of a value JSON.parse made: plain objects and arrays copied at every depth, own
// properties in the same order (`__proto__` too, as a data property), primitives shared.
function copyParsed(v) {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(copyParsed);
  return copyObject(v, nestedKeys(v));
}
function nestedKeys(obj) {
  return Object.keys(obj).filter((k) => typeof obj[k] === 'object' && obj[k] !== null);
}
function copyObject(obj, nested) {
  const copy = { ...obj };
  for (let i = 0; i < nested.length; i++) copy[nested[i]] = copyParsed(obj[nested[i]]);
  return copy;
}

function jwtDecode(token, options) {
  if (typeof token !== 'string') {
    throw new InvalidTokenError('Invalid token specified: must be a string');
  }
  const index = options && options.header === true ? 0 : 1;
  if (index === 1 && token === lastToken) {
    if (lastCopier === undefined) {
      lastCopier = lastNested.length === 0 ? flatCopier(lastPayload) : null;
      // The copies' shapes outlive each copy (see keepShapes in actsim's prelude, which limits
      // how many it keeps); only an optimisation, so it never fails a decode.
      if (lastCopier !== null) {
        try { actsim.keepShapes(Object.prototype, Object.keys(lastPayload)); } catch (e) { /* not kept */ }
      }
    }
    return lastCopier !== null ? lastCopier(lastPayload) : copyObject(lastPayload, lastNested);
  }
  const decoded = decodePart(token, index);
  if (index === 1 && typeof decoded === 'object' && decoded !== null && !Array.isArray(decoded)) {
    lastToken = token;
    lastPayload = decoded;
    lastNested = nestedKeys(decoded);
    lastCopier = undefined;
    return copyObject(decoded, lastNested);
  }
  return decoded;
}

// Decode and parse part `index` of `token`.
function decodePart(token, index) {
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
