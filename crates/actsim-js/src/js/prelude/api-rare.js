// actsim prelude: the `api` parts few actions use (api.user, api.multifactor, api.transaction,
// api.validation, api.redirect) and the credentials-exchange `api`. The common parts
// (api.cache, api.idToken, api.accessToken, api.access) and the execution context are in
// prelude.js.
//
// Loaded lazily (see boundary.rs, LAZY_PRELUDE), when an execution first uses one of them: the
// file evaluates to a function of (host, internal, globals) that puts `rareApiParts` on
// `internal`.
(function (host, internal, globals) {
  'use strict';
  void globals;
  const { CacheApi } = internal;
  function base64urlJson(obj) { return host.base64urlEncode(JSON.stringify(obj)); }
  function hs256(secret, payload) {
    if (typeof secret !== 'string' || secret.length === 0) throw new TypeError('A "secret" string is required to sign or validate a token');
    const head = base64urlJson({ alg: 'HS256', typ: 'JWT' });
    const body = base64urlJson(payload);
    return `${head}.${body}.${host.hmacSha256(secret, `${head}.${body}`)}`;
  }

  class PostLoginUser {
    #c;
    constructor(c) { this.#c = c; }
    setAppMetadata(key, value) { this.#c.record('user.setAppMetadata', 2, key, value); return this.#c.api; }
    setUserMetadata(key, value) { this.#c.record('user.setUserMetadata', 2, key, value); return this.#c.api; }
  }
  class PostLoginMultifactor {
    #c;
    constructor(c) { this.#c = c; }
    enable(provider, options) {
      this.#c.record('multifactor.enable', options === undefined ? 1 : 2, provider, options);
      return this.#c.api;
    }
  }
  class PostLoginTransaction {
    #c;
    constructor(c) { this.#c = c; }
    setMetadata(key, value) {
      if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
        throw new TypeError('api.transaction.setMetadata: the value must be a string, number, boolean or null');
      }
      const c = this.#c;
      c.record('transaction.setMetadata', 2, key, value);
      const transaction = c.event.transaction;
      if (transaction) {
        if (value === null) delete transaction.metadata[key]; else transaction.metadata[key] = value;
      }
      return c.api;
    }
  }
  class PostLoginValidation {
    #c;
    constructor(c) { this.#c = c; }
    error(errorCode, errorMessage) { const c = this.#c; c.record('validation.error', 2, errorCode, errorMessage); c.denied = true; return c.api; }
  }
  class PostLoginRedirect {
    #c;
    constructor(c) { this.#c = c; }
    sendUserTo(url, options) {
      if (typeof url !== 'string' || !/^https?:\/\/[^\s/]+/i.test(url)) {
        throw new TypeError(`api.redirect.sendUserTo: "${url}" is not an absolute http(s) URL`);
      }
      const c = this.#c;
      const query = options && options.query ? options.query : undefined;
      c.record('redirect.sendUserTo', query ? 2 : 1, url, query ? { query } : undefined);
      c.redirect = { url, query: query || {} };
      return c.api;
    }
    encodeToken({ secret, payload, expiresInSeconds } = {}) {
      const event = this.#c.event;
      const iat = Math.floor(internal.now() / 1000);
      const ttl = expiresInSeconds === undefined ? 900 : expiresInSeconds;
      const request = event.request || {};
      const claimsOut = { iat, iss: request.hostname, sub: event.user && event.user.user_id, exp: iat + ttl, ip: request.ip, ...(payload || {}) };
      return hs256(secret, claimsOut);
    }
    validateToken({ secret, tokenParameterName } = {}) {
      const event = this.#c.event;
      const name = tokenParameterName || 'session_token';
      const request = event.request || {};
      const params = { ...(request.query || {}), ...(request.body || {}) };
      const token = params[name];
      if (token === undefined) {
        throw new Error(`There is no parameter called '${name}' available in either the POST body or query string.`);
      }
      const invalid = (why) => new Error(`The session token is invalid: ${why}`);
      const parts = String(token).split('.');
      if (parts.length !== 3) throw invalid('malformed token');
      const expected = host.hmacSha256(secret, `${parts[0]}.${parts[1]}`);
      if (expected !== parts[2]) throw invalid('invalid signature');
      let payload;
      try { payload = JSON.parse(host.base64urlDecode(parts[1])); } catch (e) { throw invalid('malformed payload'); }
      if (typeof payload.exp === 'number' && payload.exp <= Math.floor(internal.now() / 1000)) throw invalid('jwt expired');
      if (params.state !== undefined && payload.state !== params.state) throw invalid('state mismatch');
      if (event.user && payload.sub !== event.user.user_id) throw invalid('subject mismatch');
      return payload;
    }
  }
  // credentials-exchange
  const DENY_CODES = ['invalid_scope', 'invalid_request', 'server_error'];
  class CredentialsExchangeAccess {
    #c;
    constructor(c) { this.#c = c; }
    deny(code, reason) {
      if (!DENY_CODES.includes(code)) {
        throw new TypeError(`api.access.deny: code must be one of ${DENY_CODES.join(', ')} (got ${JSON.stringify(code)})`);
      }
      const c = this.#c;
      c.record('access.deny', 2, code, reason);
      c.denied = true;
      return c.api;
    }
  }
  class CredentialsExchangeAccessToken {
    #c;
    constructor(c) { this.#c = c; }
    setCustomClaim(key, value) { this.#c.record('accessToken.setCustomClaim', 2, key, value); return this.#c.api; }
  }
  class CredentialsExchangeApi {
    #c;
    constructor(c) { this.#c = c; c.api = this; }
    get access() { const c = this.#c; return c.accessPart || (c.accessPart = new CredentialsExchangeAccess(c)); }
    get accessToken() { const c = this.#c; return c.accessTokenPart || (c.accessTokenPart = new CredentialsExchangeAccessToken(c)); }
    get cache() { const c = this.#c; return c.cachePart || (c.cachePart = new CacheApi(c)); }
  }
  internal.rareApiParts = {
    PostLoginUser, PostLoginMultifactor, PostLoginTransaction, PostLoginValidation, PostLoginRedirect,
    CredentialsExchangeApi,
    // The api class of each trigger but post-login (prelude.js), by trigger id (trigger.rs).
    triggerApis: { 'credentials-exchange': CredentialsExchangeApi },
  };
})
