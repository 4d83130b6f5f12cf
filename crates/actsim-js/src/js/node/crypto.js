// actsim: node:crypto. Hashes (md5, sha1, sha256, sha384, sha512), HMAC, seeded randomness
// (randomBytes, randomUUID, randomInt, randomFill, getRandomValues: from the instance's seed,
// never the OS), timingSafeEqual, KeyObject for HMAC secrets and RSA keys (PEM, DER, JWK),
// sign/verify and createSign/createVerify with RSASSA-PKCS1-v1_5, HKDF (hkdf, hkdfSync) and
// webcrypto. Everything else (ciphers, key generation, EC/EdDSA, PBKDF2, ...) throws a clear
// "not emulated" error.
'use strict';

const Buffer = internal.Buffer;
const rsa = internal.rsa;

function notEmulated(name) {
  return function notEmulatedFn() {
    const e = new Error(`crypto.${name} is not emulated by actsim (it provides hashes, HMAC, HKDF, seeded random values and RSASSA-PKCS1-v1_5 signatures)`);
    e.code = 'ERR_ACTSIM_NOT_EMULATED';
    throw e;
  };
}
function invalidArg(name, value, expected) {
  const e = new TypeError(`The "${name}" argument must be ${expected}. Received ${value === null ? 'null' : typeof value}`);
  e.code = 'ERR_INVALID_ARG_TYPE';
  return e;
}
function toBytes(data, encoding, name = 'data') {
  if (typeof data === 'string') return internal.encodeString(data, encoding);
  const v = internal.bytesView(data);
  if (v === null) throw invalidArg(name, data, 'of type string or an instance of Buffer, TypedArray, or DataView');
  return v;
}
function output(bytes, encoding) {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  return encoding === undefined || encoding === 'buffer' ? buf : buf.toString(encoding);
}
function checkHash(algorithm) {
  if (typeof algorithm !== 'string' || !internal.hashSupported(algorithm)) {
    const e = new Error('Digest method not supported');
    e.code = 'ERR_CRYPTO_INVALID_DIGEST';
    throw e;
  }
  return algorithm.toLowerCase().replace(/^rsa-/, '');
}
function concat(chunks) {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let pos = 0;
  for (const c of chunks) { out.set(c, pos); pos += c.length; }
  return out;
}

// ---------------------------------------------------------------- Hash and Hmac
class Hash {
  constructor(algorithm, options) {
    if (algorithm instanceof Hash) { this._alg = algorithm._alg; this._chunks = algorithm._chunks.slice(); }
    else { this._alg = checkHash(algorithm); this._chunks = []; }
    this._done = false;
    void options;
  }
  update(data, encoding) {
    if (this._done) { const e = new Error('Digest already called'); e.code = 'ERR_CRYPTO_HASH_FINALIZED'; throw e; }
    this._chunks.push(toBytes(data, encoding).slice());
    return this;
  }
  digest(encoding) {
    if (this._done) { const e = new Error('Digest already called'); e.code = 'ERR_CRYPTO_HASH_FINALIZED'; throw e; }
    this._done = true;
    return output(internal.digest(this._alg, concat(this._chunks)), encoding);
  }
  copy() {
    if (this._done) { const e = new Error('Digest already called'); e.code = 'ERR_CRYPTO_HASH_FINALIZED'; throw e; }
    return new Hash(this);
  }
}
class Hmac {
  constructor(algorithm, key, options) {
    this._alg = checkHash(algorithm);
    if (key instanceof KeyObject) {
      if (key.type !== 'secret') throw invalidArg('key', key, 'a secret KeyObject');
      this._key = key._bytes;
    } else {
      this._key = toBytes(key, options && options.encoding, 'key').slice();
    }
    this._chunks = [];
    this._done = false;
  }
  update(data, encoding) {
    if (this._done) { const e = new Error('Digest already called'); e.code = 'ERR_CRYPTO_HASH_FINALIZED'; throw e; }
    this._chunks.push(toBytes(data, encoding).slice());
    return this;
  }
  digest(encoding) {
    if (this._done) return output(new Uint8Array(0), encoding);
    this._done = true;
    return output(internal.hmac(this._alg, this._key, concat(this._chunks)), encoding);
  }
}
function createHash(algorithm, options) { return new Hash(algorithm, options); }
function createHmac(algorithm, key, options) { return new Hmac(algorithm, key, options); }
function hash(algorithm, data, encoding = 'hex') { return new Hash(algorithm).update(data).digest(encoding); }

// ---------------------------------------------------------------- HKDF (RFC 5869)
function hkdfBytes(value, name) {
  if (value instanceof KeyObject) {
    if (value.type !== 'secret') throw invalidArg(name, value, 'a secret KeyObject');
    return value._bytes;
  }
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return toBytes(value, undefined, name);
}
// The derived key as an ArrayBuffer, as Node's hkdfSync returns it.
function hkdfDerive(digest, ikm, salt, info, keylen) {
  if (typeof digest !== 'string') throw invalidArg('digest', digest, 'of type string');
  if (!internal.hashSupported(digest)) {
    const e = new TypeError(`Invalid digest: ${digest}`);
    e.code = 'ERR_CRYPTO_INVALID_DIGEST';
    throw e;
  }
  const alg = checkHash(digest);
  const key = hkdfBytes(ikm, 'ikm');
  const saltBytes = hkdfBytes(salt, 'salt');
  const infoBytes = hkdfBytes(info, 'info');
  if (infoBytes.length > 1024) {
    const e = new RangeError(`The value of "info" is out of range. It must be <= 1024. Received ${infoBytes.length}`);
    e.code = 'ERR_OUT_OF_RANGE';
    throw e;
  }
  if (typeof keylen !== 'number') throw invalidArg('keylen', keylen, 'of type number');
  if (!Number.isInteger(keylen) || keylen < 0 || keylen > 2 ** 31 - 1) {
    const e = new RangeError(`The value of "keylen" is out of range. It must be an integer >= 0 && <= 2147483647. Received ${keylen}`);
    e.code = 'ERR_OUT_OF_RANGE';
    throw e;
  }
  const hashLen = internal.digest(alg, new Uint8Array(0)).length;
  if (keylen > 255 * hashLen) {
    const e = new RangeError('Invalid key length');
    e.code = 'ERR_CRYPTO_INVALID_KEYLEN';
    throw e;
  }
  // Extract (an empty salt is a string of zeros), then expand.
  const prk = internal.hmac(alg, saltBytes.length ? saltBytes : new Uint8Array(hashLen), key);
  const out = new Uint8Array(keylen);
  let block = new Uint8Array(0);
  for (let pos = 0, n = 1; pos < keylen; n++) {
    block = internal.hmac(alg, prk, concat([block, infoBytes, Uint8Array.of(n)]));
    out.set(block.subarray(0, Math.min(block.length, keylen - pos)), pos);
    pos += block.length;
  }
  return out.buffer;
}
function hkdfSync(digest, ikm, salt, info, keylen) { return hkdfDerive(digest, ikm, salt, info, keylen); }
function hkdf(digest, ikm, salt, info, keylen, callback) {
  if (typeof callback !== 'function') throw invalidArg('callback', callback, 'of type function');
  const key = hkdfDerive(digest, ikm, salt, info, keylen);
  process.nextTick(callback, null, key);
}

// ---------------------------------------------------------------- randomness (seeded)
function randomBytes(size, callback) {
  if (typeof size !== 'number' || size < 0 || size > 2 ** 31 - 1 || size !== size) {
    const e = new RangeError(`The value of "size" is out of range. It must be >= 0 && <= 2147483647. Received ${size}`);
    e.code = 'ERR_OUT_OF_RANGE';
    throw e;
  }
  const buf = Buffer.alloc(size);
  for (let pos = 0; pos < size; pos += 65536) buf.set(internal.getRandomValues(new Uint8Array(Math.min(65536, size - pos))), pos);
  if (typeof callback === 'function') { process.nextTick(callback, null, buf); return undefined; }
  return buf;
}
function randomFillSync(buf, offset = 0, size) {
  const view = internal.bytesView(buf);
  if (view === null) throw invalidArg('buf', buf, 'an instance of ArrayBuffer or ArrayBufferView');
  const n = size === undefined ? view.length - offset : size;
  view.set(randomBytes(n), offset);
  return buf;
}
function randomFill(buf, offset, size, callback) {
  if (typeof offset === 'function') { callback = offset; offset = 0; size = undefined; }
  else if (typeof size === 'function') { callback = size; size = undefined; }
  randomFillSync(buf, offset, size);
  process.nextTick(callback, null, buf);
}
function randomInt(min, max, callback) {
  if (max === undefined || typeof max === 'function') { callback = max; max = min; min = 0; }
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max <= min || max - min > 2 ** 48) {
    const e = new RangeError(`The value of "max" is out of range. It must be greater than the value of "min" (${min}) and the range must be at most 2**48. Received ${max}`);
    e.code = 'ERR_OUT_OF_RANGE';
    throw e;
  }
  const range = max - min;
  const limit = 2 ** 48 - (2 ** 48 % range);
  let x;
  do {
    const b = randomBytes(6);
    x = b.readUIntBE(0, 6);
  } while (x >= limit);
  const result = min + (x % range);
  if (typeof callback === 'function') { process.nextTick(callback, null, result); return undefined; }
  return result;
}
function timingSafeEqual(a, b) {
  const x = internal.bytesView(a);
  const y = internal.bytesView(b);
  if (x === null || y === null) throw invalidArg('buf1', a, 'an instance of ArrayBuffer, Buffer, TypedArray, or DataView');
  if (x.byteLength !== y.byteLength) {
    const e = new RangeError('Input buffers must have the same byte length');
    e.code = 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH';
    throw e;
  }
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

// ---------------------------------------------------------------- keys
class KeyObject {
  constructor(type, material) {
    if (!['secret', 'public', 'private'].includes(type)) throw new TypeError('The "type" argument must be secret, public or private');
    Object.defineProperty(this, '_type', { value: type });
    if (type === 'secret') Object.defineProperty(this, '_bytes', { value: material });
    else Object.defineProperty(this, '_jwk', { value: material });
  }
  get type() { return this._type; }
  get asymmetricKeyType() { return this._type === 'secret' ? undefined : 'rsa'; }
  get asymmetricKeyDetails() {
    if (this._type === 'secret') return undefined;
    const e = Buffer.from(this._jwk.e, 'base64url');
    let exp = 0n;
    for (const b of e) exp = (exp << 8n) | BigInt(b);
    return { modulusLength: rsa.check(this._jwk), publicExponent: exp };
  }
  get symmetricKeySize() { return this._type === 'secret' ? this._bytes.length : undefined; }
  export(options = {}) {
    const format = options.format;
    if (this._type === 'secret') {
      if (format === 'jwk') return { kty: 'oct', k: internal.base64url(this._bytes) };
      return Buffer.from(this._bytes);
    }
    if (format === 'jwk') return this._type === 'public' ? rsa.publicOf(this._jwk) : rsa.components(this._jwk);
    const type = options.type || (this._type === 'public' ? 'spki' : 'pkcs8');
    let der;
    let label;
    if (this._type === 'public' && type === 'spki') { der = rsa.toDer(rsa.publicOf(this._jwk), 'spki'); label = 'PUBLIC KEY'; }
    else if (this._type === 'public' && type === 'pkcs1') { der = rsa.toDer(rsa.publicOf(this._jwk), 'pkcs1-public'); label = 'RSA PUBLIC KEY'; }
    else if (this._type === 'private' && type === 'pkcs8') { der = rsa.toDer(this._jwk, 'pkcs8'); label = 'PRIVATE KEY'; }
    else notEmulated(`KeyObject.export({ type: '${type}' }) of a ${this._type} key`)();
    if (format === 'der') return Buffer.from(der);
    if (format === 'pem' || format === undefined) return rsa.toPem(label, der);
    throw new TypeError(`The property 'options.format' must be one of: 'pem', 'der', 'jwk'. Received '${format}'`);
  }
  equals(other) {
    if (!(other instanceof KeyObject) || other._type !== this._type) return false;
    if (this._type === 'secret') return timingSafeEqual(this._bytes, other._bytes.length === this._bytes.length ? other._bytes : new Uint8Array(this._bytes.length + 1)) && other._bytes.length === this._bytes.length;
    return this._jwk.n === other._jwk.n && this._jwk.e === other._jwk.e && this._jwk.d === other._jwk.d;
  }
  static from(key) {
    if (!(key instanceof internal.CryptoKey)) throw invalidArg('key', key, 'an instance of CryptoKey');
    const m = key._material;
    return m.kind === 'secret' ? new KeyObject('secret', m.bytes) : new KeyObject(key.type, m.jwk);
  }
  get [Symbol.toStringTag]() { return 'KeyObject'; }
}
internal.KeyObject = KeyObject;

function createSecretKey(key, encoding) {
  return new KeyObject('secret', toBytes(key, encoding, 'key').slice());
}
// A JWK (RSA) from any key input Node accepts: PEM text, DER with {format:'der', type}, JWK with
// {format:'jwk'}, a KeyObject or a CryptoKey.
function keyMaterial(input) {
  if (input instanceof KeyObject) return { type: input.type, jwk: input._jwk, bytes: input._bytes };
  if (input instanceof internal.CryptoKey) { const k = KeyObject.from(input); return { type: k.type, jwk: k._jwk, bytes: k._bytes }; }
  let key = input;
  let format = 'pem';
  let type;
  let encoding;
  if (input !== null && typeof input === 'object' && !internal.bytesView(input)) {
    key = input.key;
    format = input.format || 'pem';
    type = input.type;
    encoding = input.encoding;
    if (input.passphrase !== undefined) notEmulated('encrypted private keys (passphrase)')();
    if (key instanceof KeyObject || key instanceof internal.CryptoKey) return keyMaterial(key);
  }
  if (format === 'jwk') {
    if (!key || typeof key !== 'object') throw invalidArg('key.key', key, 'of type object');
    if (key.kty === 'oct') return { type: 'secret', bytes: Buffer.from(key.k, 'base64url') };
    if (key.kty !== 'RSA') notEmulated(`keys of type ${key.kty} (actsim supports RSA and oct JWKs)`)();
    const jwk = rsa.components(key);
    rsa.check(jwk);
    return { type: jwk.d === undefined ? 'public' : 'private', jwk };
  }
  if (format === 'der') {
    const der = toBytes(key, encoding, 'key');
    const kind = { spki: 'spki', pkcs8: 'pkcs8', pkcs1: undefined }[type];
    if (type === 'pkcs1') {
      try { const jwk = rsa.fromDer('pkcs1-private', der); return { type: 'private', jwk }; } catch (e) { return { type: 'public', jwk: rsa.fromDer('pkcs1-public', der) }; }
    }
    if (!kind) throw new TypeError(`The property 'key.type' must be one of: 'pkcs1', 'spki', 'pkcs8'. Received ${type}`);
    const jwk = rsa.fromDer(kind, der);
    return { type: jwk.d === undefined ? 'public' : 'private', jwk };
  }
  const text = typeof key === 'string' ? key : internal.decodeBytes(toBytes(key, undefined, 'key'), 'utf8');
  const pem = rsa.parsePem(text);
  if (!pem) {
    const e = new Error('error:1E08010C:DECODER routines::unsupported (actsim: expected a PEM key)');
    e.code = 'ERR_OSSL_UNSUPPORTED';
    throw e;
  }
  const jwk = rsa.fromDer(pem.kind, pem.der);
  return { type: jwk.d === undefined ? 'public' : 'private', jwk };
}
function createPublicKey(input) {
  const m = keyMaterial(input);
  if (m.type === 'secret') throw invalidArg('key', input, 'an asymmetric key');
  return new KeyObject('public', rsa.publicOf(m.jwk));
}
function createPrivateKey(input) {
  const m = keyMaterial(input);
  if (m.type !== 'private') {
    const e = new TypeError('Invalid key object type public, expected private.');
    e.code = 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE';
    throw e;
  }
  return new KeyObject('private', m.jwk);
}

// ---------------------------------------------------------------- sign / verify
function checkPadding(key) {
  if (key && typeof key === 'object' && !(key instanceof KeyObject) && key.padding !== undefined && key.padding !== constants.RSA_PKCS1_PADDING) {
    notEmulated('RSA-PSS signatures (padding RSA_PKCS1_PSS_PADDING)')();
  }
}
function digestName(algorithm) {
  if (algorithm === null || algorithm === undefined) return 'sha256';
  return checkHash(String(algorithm));
}
function sign(algorithm, data, key, callback) {
  let result;
  try {
    checkPadding(key);
    const m = keyMaterial(key);
    if (m.type !== 'private') throw new TypeError('Invalid key object type public, expected private.');
    result = Buffer.from(rsa.sign(m.jwk, digestName(algorithm), toBytes(data)));
  } catch (e) {
    if (typeof callback === 'function') { process.nextTick(callback, e); return undefined; }
    throw e;
  }
  if (typeof callback === 'function') { process.nextTick(callback, null, result); return undefined; }
  return result;
}
function verify(algorithm, data, key, signature, callback) {
  let result;
  try {
    checkPadding(key);
    const m = keyMaterial(key);
    if (m.type === 'secret') throw invalidArg('key', key, 'an asymmetric key');
    result = rsa.verify(m.jwk, digestName(algorithm), toBytes(data), toBytes(signature, undefined, 'signature'));
  } catch (e) {
    if (typeof callback === 'function') { process.nextTick(callback, e); return undefined; }
    throw e;
  }
  if (typeof callback === 'function') { process.nextTick(callback, null, result); return undefined; }
  return result;
}
class Sign {
  constructor(algorithm) { this._alg = digestName(algorithm); this._chunks = []; }
  update(data, encoding) { this._chunks.push(toBytes(data, encoding).slice()); return this; }
  sign(key, encoding) { return output(sign(this._alg, concat(this._chunks), key), encoding); }
}
class Verify {
  constructor(algorithm) { this._alg = digestName(algorithm); this._chunks = []; }
  update(data, encoding) { this._chunks.push(toBytes(data, encoding).slice()); return this; }
  verify(key, signature, encoding) { return verify(this._alg, concat(this._chunks), key, toBytes(signature, encoding, 'signature')); }
}

const constants = Object.freeze({
  RSA_PKCS1_PADDING: 1,
  RSA_NO_PADDING: 3,
  RSA_PKCS1_OAEP_PADDING: 4,
  RSA_PKCS1_PSS_PADDING: 6,
  RSA_PSS_SALTLEN_DIGEST: -1,
  RSA_PSS_SALTLEN_MAX_SIGN: -2,
  RSA_PSS_SALTLEN_AUTO: -2,
  POINT_CONVERSION_COMPRESSED: 2,
  POINT_CONVERSION_UNCOMPRESSED: 4,
  POINT_CONVERSION_HYBRID: 6,
});

module.exports = {
  createHash,
  createHmac,
  hash,
  Hash,
  Hmac,
  randomBytes,
  pseudoRandomBytes: randomBytes,
  randomFillSync,
  randomFill,
  randomInt,
  randomUUID: (options) => { void options; return internal.randomUUID(); },
  getRandomValues: (array) => internal.getRandomValues(array),
  timingSafeEqual,
  getHashes: () => ['RSA-SHA1', 'RSA-SHA256', 'RSA-SHA384', 'RSA-SHA512', 'md5', 'sha1', 'sha256', 'sha384', 'sha512'],
  getCiphers: () => [],
  getCurves: () => [],
  getFips: () => 0,
  setFips: notEmulated('setFips'),
  KeyObject,
  createSecretKey,
  createPublicKey,
  createPrivateKey,
  sign,
  verify,
  createSign: (algorithm) => new Sign(algorithm),
  createVerify: (algorithm) => new Verify(algorithm),
  Sign,
  Verify,
  constants,
  webcrypto: internal.webcrypto,
  subtle: internal.webcrypto.subtle,
  generateKeyPair: notEmulated('generateKeyPair'),
  generateKeyPairSync: notEmulated('generateKeyPairSync'),
  generateKey: notEmulated('generateKey'),
  generateKeySync: notEmulated('generateKeySync'),
  createCipheriv: notEmulated('createCipheriv'),
  createDecipheriv: notEmulated('createDecipheriv'),
  publicEncrypt: notEmulated('publicEncrypt'),
  privateDecrypt: notEmulated('privateDecrypt'),
  privateEncrypt: notEmulated('privateEncrypt'),
  publicDecrypt: notEmulated('publicDecrypt'),
  pbkdf2: notEmulated('pbkdf2'),
  pbkdf2Sync: notEmulated('pbkdf2Sync'),
  scrypt: notEmulated('scrypt'),
  scryptSync: notEmulated('scryptSync'),
  hkdf,
  hkdfSync,
  diffieHellman: notEmulated('diffieHellman'),
  createDiffieHellman: notEmulated('createDiffieHellman'),
  createECDH: notEmulated('createECDH'),
  generatePrime: notEmulated('generatePrime'),
  checkPrime: notEmulated('checkPrime'),
  X509Certificate: notEmulated('X509Certificate'),
};
