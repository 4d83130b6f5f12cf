// actsim prelude: the Web Crypto global (`crypto.getRandomValues`, `crypto.randomUUID`,
// `crypto.subtle`), seeded from the instance's seed: never the OS generator. Hashes, HMAC and
// RSASSA-PKCS1-v1_5 are native (Rust). Keys are kept as JWKs (RSA) or raw bytes (HMAC).
//
// Loaded lazily (see lockdown.js): the file evaluates to a function of (host, internal,
// globals) that puts its globals in `globals` and its helpers on `internal`.
(function (host, internal, globals) {
  'use strict';
  const hide = (obj, name, value) => Object.defineProperty(obj, name, { value, writable: true, configurable: true, enumerable: false });

  // ---------------------------------------------------------------- random
  function getRandomValues(array) {
    const integer = array instanceof Int8Array || array instanceof Uint8Array || array instanceof Uint8ClampedArray
      || array instanceof Int16Array || array instanceof Uint16Array || array instanceof Int32Array || array instanceof Uint32Array
      || (typeof BigInt64Array !== 'undefined' && (array instanceof BigInt64Array || array instanceof BigUint64Array));
    if (!integer) {
      throw new internal.DOMException("The data argument must be an integer-type TypedArray", 'TypeMismatchError');
    }
    if (array.byteLength > 65536) {
      throw new internal.DOMException(`The ArrayBufferView's byte length (${array.byteLength}) exceeds the number of bytes of entropy available via this API (65536)`, 'QuotaExceededError');
    }
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(host.randomBytes(array.byteLength));
    return array;
  }
  function randomUUID() {
    const b = host.randomBytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = host.hexEncode(b);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  internal.randomUUID = randomUUID;
  internal.getRandomValues = getRandomValues;

  // ---------------------------------------------------------------- PEM and DER helpers
  const PEM_KINDS = {
    'PUBLIC KEY': 'spki', 'RSA PUBLIC KEY': 'pkcs1-public', 'PRIVATE KEY': 'pkcs8', 'RSA PRIVATE KEY': 'pkcs1-private',
  };
  function parsePem(text) {
    const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(String(text));
    if (!m) return null;
    const kind = PEM_KINDS[m[1]];
    if (!kind) {
      const e = new TypeError(`actsim supports RSA keys in PEM as PUBLIC KEY, RSA PUBLIC KEY, PRIVATE KEY or RSA PRIVATE KEY (got ${m[1]})`);
      e.code = 'ERR_OSSL_UNSUPPORTED';
      throw e;
    }
    return { kind, der: host.base64Decode(m[2].replace(/\s+/g, '')) };
  }
  function toPem(label, der) {
    const b64 = host.base64Encode(der, false, true);
    return `-----BEGIN ${label}-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
  }
  // An RSA JWK (n, e and, for private keys, d, p, q, dp, dq, qi) from DER of `kind`.
  function rsaFromDer(kind, der) { return JSON.parse(host.rsaImportDer(kind, internal.plainBytes(der))); }
  function rsaToDer(jwk, kind) { return host.rsaExportDer(JSON.stringify(rsaComponents(jwk)), kind); }
  function rsaComponents(jwk) {
    const out = { kty: 'RSA', n: jwk.n, e: jwk.e };
    if (jwk.d !== undefined) for (const k of ['d', 'p', 'q', 'dp', 'dq', 'qi']) if (jwk[k] !== undefined) out[k] = jwk[k];
    return out;
  }
  function rsaCheck(jwk) {
    if (!jwk || jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string') {
      throw new TypeError('actsim: not an RSA JWK (kty "RSA" with n and e)');
    }
    return host.rsaCheckJwk(JSON.stringify(rsaComponents(jwk)));
  }
  function rsaSign(jwk, hash, data) { return host.rsaSign(JSON.stringify(rsaComponents(jwk)), hash, internal.plainBytes(data)); }
  function rsaVerify(jwk, hash, data, sig) {
    return host.rsaVerify(JSON.stringify({ kty: 'RSA', n: jwk.n, e: jwk.e }), hash, internal.plainBytes(data), internal.plainBytes(sig));
  }
  function publicOf(jwk) { return { kty: 'RSA', n: jwk.n, e: jwk.e }; }
  const b64uBytes = (s) => host.base64Decode(String(s));
  internal.rsa = { parsePem, toPem, fromDer: rsaFromDer, toDer: rsaToDer, check: rsaCheck, sign: rsaSign, verify: rsaVerify, publicOf, components: rsaComponents };
  internal.hashSupported = (name) => host.hashSupported(String(name));
  internal.digest = (alg, data) => host.digest(String(alg), internal.plainBytes(data));
  internal.hmac = (alg, key, data) => host.hmac(String(alg), internal.plainBytes(key), internal.plainBytes(data));

  // ---------------------------------------------------------------- CryptoKey
  class CryptoKey {
    constructor(key) {
      if (key !== hide) throw new TypeError('Illegal constructor');
    }
    get type() { return this._type; }
    get extractable() { return this._extractable; }
    get algorithm() { return this._algorithm; }
    get usages() { return this._usages.slice(); }
    get [Symbol.toStringTag]() { return 'CryptoKey'; }
  }
  function makeKey(type, extractable, algorithm, usages, material) {
    const k = new CryptoKey(hide);
    hide(k, '_type', type);
    hide(k, '_extractable', !!extractable);
    hide(k, '_algorithm', algorithm);
    hide(k, '_usages', Array.from(usages || []));
    hide(k, '_material', material);
    return k;
  }
  internal.CryptoKey = CryptoKey;
  internal.makeCryptoKey = makeKey;

  // ---------------------------------------------------------------- SubtleCrypto
  const HASHES = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };
  function notSupported(what) {
    return new internal.DOMException(`${what} is not supported by actsim (it provides SHA digests, HMAC and RSASSA-PKCS1-v1_5)`, 'NotSupportedError');
  }
  function algName(alg) {
    const name = typeof alg === 'string' ? alg : alg && alg.name;
    if (typeof name !== 'string') throw new TypeError('Algorithm: Unrecognized name');
    const upper = name.toUpperCase();
    for (const known of ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512', 'HMAC', 'RSASSA-PKCS1-V1_5', 'RSA-PSS', 'RSA-OAEP', 'ECDSA', 'ECDH', 'ED25519', 'AES-GCM', 'AES-CBC', 'AES-CTR', 'AES-KW', 'PBKDF2', 'HKDF', 'X25519']) {
      if (upper === known) return known === 'RSASSA-PKCS1-V1_5' ? 'RSASSA-PKCS1-v1_5' : known === 'ED25519' ? 'Ed25519' : known;
    }
    throw new internal.DOMException('Unrecognized algorithm name', 'NotSupportedError');
  }
  function hashName(h) {
    const name = algName(h);
    if (!HASHES[name]) throw new internal.DOMException(`Unrecognized hash ${name}`, 'NotSupportedError');
    return name;
  }
  function bytesArg(data, what) {
    const v = internal.bytesView(data);
    if (v === null) throw new TypeError(`Failed to execute '${what}' on 'SubtleCrypto': the data is not a BufferSource`);
    return v;
  }
  const toArrayBuffer = (u8) => u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength);
  const asPromise = (fn) => { try { return Promise.resolve(fn()); } catch (e) { return Promise.reject(e); } };
  function checkUsage(key, usage) {
    if (!(key instanceof CryptoKey)) throw new TypeError('The "key" argument must be an instance of CryptoKey.');
    if (!key._usages.includes(usage)) throw new internal.DOMException(`Unable to use this key to ${usage}`, 'InvalidAccessError');
  }
  const subtle = {
    digest(algorithm, data) {
      return asPromise(() => {
        const name = hashName(algorithm);
        return toArrayBuffer(internal.digest(HASHES[name], bytesArg(data, 'digest')));
      });
    },
    importKey(format, keyData, algorithm, extractable, usages) {
      return asPromise(() => {
        const name = algName(algorithm);
        if (name === 'HMAC') {
          const hash = hashName(algorithm.hash);
          let raw;
          if (format === 'raw') raw = bytesArg(keyData, 'importKey').slice();
          else if (format === 'jwk') {
            if (!keyData || keyData.kty !== 'oct' || typeof keyData.k !== 'string') throw new internal.DOMException('Invalid keyData: an HMAC JWK needs kty "oct" and k', 'DataError');
            raw = b64uBytes(keyData.k);
          } else throw notSupported(`importKey('${format}') for HMAC`);
          const length = algorithm.length === undefined ? raw.length * 8 : algorithm.length;
          for (const u of usages) if (u !== 'sign' && u !== 'verify') throw new SyntaxError(`Unsupported key usage for an HMAC key: ${u}`);
          return makeKey('secret', extractable, { name: 'HMAC', length, hash: { name: hash } }, usages, { kind: 'secret', bytes: raw });
        }
        if (name === 'RSASSA-PKCS1-v1_5') {
          const hash = hashName(algorithm.hash);
          let jwk;
          if (format === 'jwk') {
            if (!keyData || keyData.kty !== 'RSA') throw new internal.DOMException('Invalid keyData: an RSA JWK needs kty "RSA"', 'DataError');
            jwk = rsaComponents(keyData);
          } else if (format === 'spki') {
            jwk = rsaFromDer('spki', bytesArg(keyData, 'importKey'));
          } else if (format === 'pkcs8') {
            jwk = rsaFromDer('pkcs8', bytesArg(keyData, 'importKey'));
          } else throw notSupported(`importKey('${format}') for RSASSA-PKCS1-v1_5`);
          const type = jwk.d === undefined ? 'public' : 'private';
          for (const u of usages) {
            if ((type === 'public' && u !== 'verify') || (type === 'private' && u !== 'sign')) throw new SyntaxError(`Unsupported key usage for an RSA ${type} key: ${u}`);
          }
          const bits = rsaCheck(jwk);
          const algo = { name, modulusLength: bits, publicExponent: b64uBytes(jwk.e), hash: { name: hash } };
          return makeKey(type, extractable, algo, usages, { kind: 'rsa', jwk });
        }
        throw notSupported(`importKey for ${name}`);
      });
    },
    exportKey(format, key) {
      return asPromise(() => {
        if (!(key instanceof CryptoKey)) throw new TypeError('The "key" argument must be an instance of CryptoKey.');
        if (!key._extractable) throw new internal.DOMException('key is not extractable', 'InvalidAccessError');
        const m = key._material;
        if (m.kind === 'secret') {
          if (format === 'raw') return toArrayBuffer(m.bytes);
          if (format === 'jwk') {
            const alg = { 'SHA-1': 'HS1', 'SHA-256': 'HS256', 'SHA-384': 'HS384', 'SHA-512': 'HS512' }[key._algorithm.hash.name];
            return { key_ops: key.usages, ext: true, kty: 'oct', k: internal.base64url(m.bytes), alg };
          }
        } else {
          if (format === 'jwk') {
            const alg = { 'SHA-1': 'RS1', 'SHA-256': 'RS256', 'SHA-384': 'RS384', 'SHA-512': 'RS512' }[key._algorithm.hash.name];
            return { key_ops: key.usages, ext: true, ...rsaComponents(m.jwk), alg };
          }
          if (format === 'spki') return toArrayBuffer(rsaToDer(publicOf(m.jwk), 'spki'));
          if (format === 'pkcs8' && key._type === 'private') return toArrayBuffer(rsaToDer(m.jwk, 'pkcs8'));
        }
        throw notSupported(`exportKey('${format}') of this key`);
      });
    },
    sign(algorithm, key, data) {
      return asPromise(() => {
        const name = algName(algorithm);
        checkUsage(key, 'sign');
        if (name !== key._algorithm.name) throw new internal.DOMException('The requested operation is not valid for the provided key', 'InvalidAccessError');
        const bytes = bytesArg(data, 'sign');
        if (name === 'HMAC') return toArrayBuffer(internal.hmac(HASHES[key._algorithm.hash.name], key._material.bytes, bytes));
        if (name === 'RSASSA-PKCS1-v1_5') return toArrayBuffer(rsaSign(key._material.jwk, HASHES[key._algorithm.hash.name], bytes));
        throw notSupported(`sign with ${name}`);
      });
    },
    verify(algorithm, key, signature, data) {
      return asPromise(() => {
        const name = algName(algorithm);
        checkUsage(key, 'verify');
        if (name !== key._algorithm.name) throw new internal.DOMException('The requested operation is not valid for the provided key', 'InvalidAccessError');
        const sig = bytesArg(signature, 'verify');
        const bytes = bytesArg(data, 'verify');
        if (name === 'HMAC') {
          const mac = internal.hmac(HASHES[key._algorithm.hash.name], key._material.bytes, bytes);
          if (mac.length !== sig.length) return false;
          let diff = 0;
          for (let i = 0; i < mac.length; i++) diff |= mac[i] ^ sig[i];
          return diff === 0;
        }
        if (name === 'RSASSA-PKCS1-v1_5') return rsaVerify(key._material.jwk, HASHES[key._algorithm.hash.name], bytes, sig);
        throw notSupported(`verify with ${name}`);
      });
    },
    generateKey(algorithm, extractable, usages) {
      return asPromise(() => {
        const name = algName(algorithm);
        if (name === 'HMAC') {
          const hash = hashName(algorithm.hash);
          const length = algorithm.length || { 'SHA-1': 512, 'SHA-256': 512, 'SHA-384': 1024, 'SHA-512': 1024 }[hash];
          return makeKey('secret', extractable, { name: 'HMAC', length, hash: { name: hash } }, usages, { kind: 'secret', bytes: host.randomBytes(Math.ceil(length / 8)) });
        }
        throw notSupported(`generateKey for ${name}`);
      });
    },
  };
  for (const op of ['encrypt', 'decrypt', 'deriveBits', 'deriveKey', 'wrapKey', 'unwrapKey']) {
    subtle[op] = () => Promise.reject(notSupported(`crypto.subtle.${op}`));
  }
  class SubtleCrypto { constructor(k) { if (k !== hide) throw new TypeError('Illegal constructor'); } }
  const subtleObject = Object.assign(new SubtleCrypto(hide), subtle);
  class Crypto { constructor(k) { if (k !== hide) throw new TypeError('Illegal constructor'); } }
  const cryptoObject = new Crypto(hide);
  Object.defineProperties(cryptoObject, {
    subtle: { value: subtleObject, enumerable: true },
    getRandomValues: { value: getRandomValues, enumerable: true },
    randomUUID: { value: randomUUID, enumerable: true },
  });
  globals.crypto = cryptoObject;
  globals.Crypto = Crypto;
  globals.CryptoKey = CryptoKey;
  globals.SubtleCrypto = SubtleCrypto;
  internal.webcrypto = cryptoObject;
})
