// actsim prelude: the post-login `api` parts few actions use (api.user, api.multifactor,
// api.transaction, api.validation, api.redirect, api.authentication, api.groups, api.prompt,
// api.refreshToken, api.roles, api.rules, api.samlResponse, api.session) and the `api` of every
// other trigger (tests/node-runner/spec.js lists their members). The common parts (api.cache,
// api.idToken, api.accessToken, api.access) and the execution context are in prelude.js.
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
  // Transaction metadata's documented limits (actions-runtime.md, "Transaction metadata"):
  // keys of at most 64 characters, values of at most 8 kB, 16 KB in all, no unsafe integers.
  const TX_KEY_CHARS = 64;
  const TX_VALUE_BYTES = 8 * 1024;
  const TX_TOTAL_BYTES = 16 * 1024;
  // UTF-8 bytes as Buffer.byteLength counts them (a lone surrogate is 3 bytes).
  function utf8Bytes(text) {
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      const u = text.charCodeAt(i);
      if (u < 0x80) n += 1;
      else if (u < 0x800) n += 2;
      else if (u >= 0xd800 && u <= 0xdbff && i + 1 < text.length) {
        const next = text.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) { n += 4; i++; } else n += 3;
      } else n += 3;
    }
    return n;
  }
  const metadataBytes = (k, v) => utf8Bytes(String(k)) + utf8Bytes(String(v));
  function checkTransactionMetadata(metadata, key, value) {
    const name = String(key);
    const limit = (what) => new RangeError(`api.transaction.setMetadata: ${what} (Auth0's documented limits: keys of at most ${TX_KEY_CHARS} characters, values of at most ${TX_VALUE_BYTES} bytes, ${TX_TOTAL_BYTES} bytes in all)`);
    if (name.length > TX_KEY_CHARS) throw limit(`the key is ${name.length} characters long`);
    if (value === null) return;
    if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
      throw new RangeError(`api.transaction.setMetadata: ${value} is not a safe integer (Auth0 rejects integers beyond Number.MAX_SAFE_INTEGER); store it as a string`);
    }
    const bytes = utf8Bytes(String(value));
    if (bytes > TX_VALUE_BYTES) throw limit(`the value of "${name.slice(0, 64)}" is ${bytes} bytes`);
    let total = metadataBytes(name, value);
    if (metadata) {
      for (const k of Object.keys(metadata)) if (k !== name) total += metadataBytes(k, metadata[k]);
    }
    if (total > TX_TOTAL_BYTES) throw limit(`setting "${name.slice(0, 64)}" would make the metadata ${total} bytes`);
  }
  class PostLoginTransaction {
    #c;
    constructor(c) { this.#c = c; }
    setMetadata(key, value) {
      if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
        throw new TypeError('api.transaction.setMetadata: the value must be a string, number, boolean or null');
      }
      const c = this.#c;
      checkTransactionMetadata(c.event.transaction && c.event.transaction.metadata, key, value);
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
  // api.redirect's token helpers and sendUserTo, shared by post-login and
  // password-reset-post-challenge (whose sendUserTo returns nothing).
  class RedirectBase {
    #c;
    constructor(c) { this.#c = c; }
    sendUserTo(url, options) {
      // The host checks that the URL starts as /^https?:\/\/[^\s/]/i matches (host.rs,
      // absolute_http_url): one native call costs less than the characters read here.
      if (typeof url !== 'string' || !host.isHttpUrl(url)) {
        throw new TypeError(`api.redirect.sendUserTo: "${url}" is not an absolute http(s) URL`);
      }
      const c = this.#c;
      if (c.redirect !== null && c.redirect.prompt !== undefined) throw new Error(MIXED_REDIRECT);
      const query = options && options.query ? options.query : undefined;
      c.record('redirect.sendUserTo', query ? 2 : 1, url, query ? { query } : undefined);
      c.redirect = { url, query: query || NO_QUERY };
      return undefined;
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
    static contextOf(r) { return r.#c; }
  }
  const redirectContext = RedirectBase.contextOf;
  delete RedirectBase.contextOf;
  const MIXED_REDIRECT = 'Redirect and render commands cannot be used in the same action.';
  // The query of a redirect without one: written `{}` when the execution ends (prelude.js).
  const NO_QUERY = internal.noQuery;
  // Protocols without a browser to redirect (api.redirect.canRedirect).
  const NON_INTERACTIVE = ['oauth2-resource-owner', 'oauth2-refresh-token', 'oauth2-password', 'oauth2-webauthn'];
  class PostLoginRedirect extends RedirectBase {
    sendUserTo(url, options) { super.sendUserTo(url, options); return redirectContext(this).api; }
    canRedirect() {
      const event = redirectContext(this).event;
      const query = (event.request && event.request.query) || {};
      return query.prompt !== 'none' && !NON_INTERACTIVE.includes(event.transaction && event.transaction.protocol);
    }
  }
  class PostChallengeRedirect extends RedirectBase {}

  // ---------------------------------------------------------------- parts made from tables
  // The other parts are data: each member names its parameters (a `?` marks an optional one)
  // and how it behaves. A call is recorded as the command `part.member` with its arguments up
  // to the last parameter that is required or was given (undefined for a missing required
  // one), as tests/node-runner/spec.js describes; then its effect applies.
  function recordCall(c, command, params, args) {
    let count = 0;
    for (let i = 0; i < params.length; i++) {
      if (!params[i].endsWith('?') || args[i] !== undefined) count = i + 1;
    }
    if (count <= 2) c.record(command, count, args[0], args[1]);
    else c.recordList(command, Array.from({ length: count }, (_, i) => args[i]));
  }
  // A member: `effect(c, args)` after recording; `check(c, args)` before (it may throw, and
  // may return a function run after recording); `query(c, args)` for members that record
  // nothing and answer something; `chain`: returns `api` (else undefined).
  function member(name, params, how = {}) { return { name, params, ...how }; }
  const deny = { effect(c) { c.denied = true; } };
  const denyChain = { ...deny, chain: true };
  const chain = { chain: true };
  function notification(kind) { return { effect(c) { c.redirect = { notification: kind }; } }; }
  // The class of part `part` with `members`: its methods live on the prototype; each finds the
  // execution's context in the instance's private field.
  function partClass(part, members) {
    class Part {
      #c;
      constructor(c) { this.#c = c; }
      static contextOf(p) { return p.#c; }
    }
    const contextOf = Part.contextOf;
    delete Part.contextOf;
    for (const m of members) {
      const command = `${part}.${m.name}`;
      const method = {
        [m.name](...args) {
          const c = contextOf(this);
          if (m.query) return m.query(c, args);
          const after = m.check ? m.check(c, args) : undefined;
          recordCall(c, command, m.params, args);
          if (typeof after === 'function') after();
          if (m.effect) m.effect(c, args);
          return m.chain ? c.api : undefined;
        },
      }[m.name];
      Object.defineProperty(Part.prototype, m.name, { value: method, writable: true, configurable: true, enumerable: false });
    }
    return Part;
  }
  // The class of a trigger's `api` with `parts` ([name, class] in order): each part is made on
  // first read (api.cache in the context's own field, the others by position).
  function apiClass(parts) {
    class Api {
      #c;
      constructor(c) { this.#c = c; c.api = this; }
      static contextOf(a) { return a.#c; }
    }
    const contextOf = Api.contextOf;
    delete Api.contextOf;
    parts.forEach(([name, Make], index) => {
      const get = Make === CacheApi
        ? function () { const c = contextOf(this); return c.cachePart || (c.cachePart = new CacheApi(c)); }
        : function () { return contextOf(this).part(index, Make); };
      Object.defineProperty(get, 'name', { value: `get ${name}` });
      Object.defineProperty(Api.prototype, name, { get, configurable: true, enumerable: false });
    });
    return Api;
  }

  // prompt.render (post-login, password-reset-post-challenge): suspends like a redirect.
  const PROMPT = member('render', ['promptId', 'promptOptions?'], {
    check(c) { if (c.redirect !== null && c.redirect.url !== undefined && c.redirect.prompt === undefined) throw new Error(MIXED_REDIRECT); },
    effect(c, [promptId, promptOptions]) {
      let query = {};
      try { query = promptOptions === undefined ? {} : JSON.parse(JSON.stringify(promptOptions)); } catch (e) { query = {}; }
      c.redirect = { url: `prompt:${promptId}`, query, prompt: String(promptId) };
    },
  });
  const CHALLENGES = [
    member('challengeWith', ['factor', 'options?']),
    member('challengeWithAny', ['factors']),
  ];
  const EMPTY_ROLES = { query: async () => ({ roles: [] }) };
  const SAML_SETTERS = [
    ['setAudience', 'audience'], ['setRecipient', 'recipient'], ['setCreateUpnClaim', 'createUpnClaim'],
    ['setPassthroughClaimsWithNoMapping', 'passthroughClaimsWithNoMapping'], ['setMapUnknownClaimsAsIs', 'mapUnknownClaimsAsIs'],
    ['setMapIdentities', 'mapIdentities'], ['setSignatureAlgorithm', 'signatureAlgorithm'], ['setDigestAlgorithm', 'digestAlgorithm'],
    ['setDestination', 'destination'], ['setLifetimeInSeconds', 'lifetimeInSeconds'], ['setSignResponse', 'signResponse'],
    ['setNameIdentifierFormat', 'nameIdentifierFormat'], ['setNameIdentifierProbes', 'nameIdentifierProbes'],
    ['setAuthnContextClassRef', 'authnContextClassRef'], ['setSigningCert', 'signingCert'],
    ['setIncludeAttributeNameFormat', 'includeAttributeNameFormat'], ['setTypedAttributes', 'typedAttributes'],
    ['setEncryptionCert', 'encryptionCert'], ['setEncryptionPublicKey', 'encryptionPublicKey'], ['setCert', 'cert'],
    ['setKey', 'key'], ['setRelayState', 'relayState'], ['setIssuer', 'issuer'], ['setEncryptionAlgorithm', 'encryptionAlgorithm'],
  ];
  // The metadata and expiry setters api.session and api.refreshToken share.
  const EXPIRY_AND_METADATA = [
    member('setExpiresAt', ['absolute']),
    member('setIdleExpiresAt', ['inactivity']),
    member('setMetadata', ['key', 'value']),
    member('deleteMetadata', ['key']),
    member('evictMetadata', []),
  ];

  // post-login's parts beyond prelude.js's, in the order of its getters there.
  const PostLoginAuthentication = partClass('authentication', [
    ...CHALLENGES,
    member('enrollWith', ['factor', 'options?']),
    member('enrollWithAny', ['factors']),
    member('recordMethod', ['provider_url'], {
      chain: true,
      check(c) { if (!c.continuing) throw new Error('api.authentication.recordMethod is only available in onContinuePostLogin'); },
    }),
    member('setPrimaryUser', ['primary_user_id'], {
      check(c) {
        if (c.primaryUserSet) throw new Error('The primary user can only be altered once per transaction');
        return () => { c.primaryUserSet = true; };
      },
    }),
  ]);
  const PostLoginGroups = partClass('groups', [
    member('getUserGroups', ['params?'], { query: async () => ({ groups: [] }) }),
    member('hasGroupMembership', ['groups'], {
      query: async (c, [groups]) => {
        const memberships = {};
        for (const g of groups || []) memberships[g] = { is_member: false };
        return { memberships };
      },
    }),
  ]);
  const PostLoginPrompt = partClass('prompt', [PROMPT]);
  const PostLoginRefreshToken = partClass('refreshToken', [member('revoke', ['reason'], deny), ...EXPIRY_AND_METADATA]);
  const PostLoginRoles = partClass('roles', [
    member('getUserEffectiveRoles', ['params?'], EMPTY_ROLES),
    member('getUserEffectiveRolesByIds', ['ids'], EMPTY_ROLES),
    member('getUserEffectiveRolesByNames', ['names'], EMPTY_ROLES),
  ]);
  const PostLoginRules = partClass('rules', [member('wasExecuted', ['ruleId'], { query: () => false })]);
  const PostLoginSamlResponse = partClass('samlResponse', [
    member('setAttribute', ['attribute', 'value']),
    ...SAML_SETTERS.map(([name, param]) => member(name, [param])),
  ]);
  const PostLoginSession = partClass('session', [
    member('revoke', ['reason', 'options?'], deny),
    member('setCookieMode', ['mode']),
    ...EXPIRY_AND_METADATA,
  ]);

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
  // Early Access: each call updates `event.transaction.target_scopes` at once.
  function targetScopes(c) {
    const t = c.event.transaction;
    if (!Array.isArray(t.target_scopes)) t.target_scopes = [];
    return t.target_scopes;
  }
  const CredentialsExchangeTransaction = partClass('transaction', [
    member('addTargetScope', ['scope'], { effect(c, [scope]) { const t = targetScopes(c); if (!t.includes(scope)) t.push(scope); } }),
    member('removeTargetScope', ['scope'], { effect(c, [scope]) { const t = targetScopes(c); const i = t.indexOf(scope); if (i >= 0) t.splice(i, 1); } }),
    member('setTargetScopes', ['scopes'], { effect(c, [scopes]) { c.event.transaction.target_scopes = [...scopes]; } }),
    member('clearTargetScopes', [], { effect(c) { c.event.transaction.target_scopes = []; } }),
  ]);
  class CredentialsExchangeApi {
    #c;
    constructor(c) { this.#c = c; c.api = this; }
    get access() { const c = this.#c; return c.accessPart || (c.accessPart = new CredentialsExchangeAccess(c)); }
    get accessToken() { const c = this.#c; return c.accessTokenPart || (c.accessTokenPart = new CredentialsExchangeAccessToken(c)); }
    get cache() { const c = this.#c; return c.cachePart || (c.cachePart = new CacheApi(c)); }
    get transaction() { return this.#c.part(0, CredentialsExchangeTransaction); }
  }

  // The other triggers, each with the parts its entry in trigger.rs lists, in that order.
  const USER_METADATA = (how) => [member('setAppMetadata', ['key', 'value'], how), member('setUserMetadata', ['key', 'value'], how)];
  const cacheOnly = () => apiClass([['cache', CacheApi]]);
  const NOTIFICATION = [member('drop', ['reason'], notification('drop')), member('retry', ['reason'], notification('retry'))];
  const triggerApis = {
    'credentials-exchange': CredentialsExchangeApi,
    'pre-user-registration': apiClass([
      ['access', partClass('access', [member('deny', ['reason', 'userMessage'], denyChain)])],
      ['cache', CacheApi],
      ['user', partClass('user', USER_METADATA(chain))],
      ['validation', partClass('validation', [member('error', ['errorCode', 'errorMessage'], denyChain)])],
    ]),
    'post-user-registration': cacheOnly(),
    'post-change-password': cacheOnly(),
    'send-phone-message': cacheOnly(),
    'password-reset-post-challenge': apiClass([
      ['access', partClass('access', [member('deny', ['reason'], deny)])],
      ['authentication', partClass('authentication', CHALLENGES)],
      ['cache', CacheApi],
      ['prompt', PostLoginPrompt],
      ['redirect', PostChallengeRedirect],
      ['transaction', partClass('transaction', [member('setResultUrl', ['url', 'options?'])])],
    ]),
    'custom-token-exchange': apiClass([
      ['access', partClass('access', [
        member('deny', ['code', 'reason'], deny),
        member('rejectInvalidSubjectToken', ['reason'], deny),
      ])],
      ['authentication', partClass('authentication', [
        member('setUserById', ['user_id']),
        member('setUserByConnection', ['connection_name', 'user_attributes', 'options']),
        member('setOrganization', ['organization_id_or_name']),
        member('setActor', ['actor']),
      ])],
      ['cache', CacheApi],
      ['user', partClass('user', USER_METADATA({}))],
    ]),
    'custom-email-provider': apiClass([['cache', CacheApi], ['notification', partClass('notification', NOTIFICATION)]]),
    'custom-phone-provider': apiClass([['cache', CacheApi], ['notification', partClass('notification', NOTIFICATION)]]),
    'event-stream': cacheOnly(),
  };
  internal.rareApiParts = {
    PostLoginUser, PostLoginMultifactor, PostLoginTransaction, PostLoginValidation, PostLoginRedirect,
    PostLoginAuthentication, PostLoginGroups, PostLoginPrompt, PostLoginRefreshToken, PostLoginRoles,
    PostLoginRules, PostLoginSamlResponse, PostLoginSession,
    // The api class of each trigger but post-login (prelude.js), by trigger id (trigger.rs).
    triggerApis,
  };
})
