// actsim built-in stand-in for the `auth0` npm package (node-auth0), used when the action has no
// node_modules copy. It covers what actions do with it:
// - v3: `new ManagementClient({domain, clientId, clientSecret}).getAccessToken()`, with the
//   SDK's per-client in-memory token cache (refresh 10 s before expiry), and getUser/updateUser/
//   updateAppMetadata/updateUserMetadata;
// - v4: `new ManagementClient({domain, token})` with `users.get`/`users.update`, and
//   `new AuthenticationClient({...}).oauth.clientCredentialsGrant({audience})`.
// Every request goes through the global `fetch` (or the prelude's equivalent of it, see send
// and ManagementClient's _request), so the simulator's network router sees it.
'use strict';

class ManagementApiError extends Error {
  constructor(status, body) {
    const message = (body && (body.message || body.error_description)) || `Request failed with status ${status}`;
    super(message);
    this.name = 'ManagementApiError';
    this.statusCode = status;
    this.error = body && body.error;
    this.errorCode = body && body.errorCode;
    this.body = body;
  }
}

class AuthApiError extends Error {
  constructor(status, body) {
    super((body && (body.error_description || body.error)) || `Request failed with status ${status}`);
    this.name = 'AuthApiError';
    this.statusCode = status;
    this.error = body && body.error;
    this.error_description = body && body.error_description;
    this.body = body;
  }
}

// The last domain option normalised, with its result and default audience (clients of an
// instance are made with the same domain: strings, so sharing them changes nothing).
let lastDomainOption = null;
let lastDomain = null;
let lastAudience = null;

function normalizeDomain(domain) {
  if (typeof domain !== 'string' || domain.length === 0) {
    throw new TypeError('auth0: the "domain" option is required (e.g. event.secrets.domain)');
  }
  // String operations, not regular expressions: every ManagementClient does this.
  let d = domain;
  if (d.startsWith('https://')) d = d.slice(8);
  else if (d.startsWith('http://')) d = d.slice(7);
  let end = d.length;
  while (end > 0 && d.charCodeAt(end - 1) === 47 /* '/' */) end -= 1;
  return end === d.length ? d : d.slice(0, end);
}

// The request and the stand-in's answer `{data, headers, status, statusText}`. `payload` is
// the body's JSON text (or undefined); `client` is what actsim.clientFetch (the same request as
// `fetch` without its Request and Response objects, a fast path of actsim's prelude) gave for
// it: by default asked here; null when it does not apply.
async function send(url, method, headers, payload, client = actsim.clientFetch(url, method, headers, payload)) {
  const res = await (client || fetch(url, { method, headers, body: payload }));
  const text = await res.text();
  // (The same answer, with `data` and `headers` made when first read.)
  if (client) return res.result(text);
  let data;
  try {
    data = text.length ? JSON.parse(text) : undefined;
  } catch (e) {
    data = text;
  }
  return { data, headers: res.headers, status: res.status, statusText: res.statusText };
}

async function clientCredentials(domain, clientId, clientSecret, options) {
  const body = { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret };
  for (const key of Object.keys(options || {})) body[key] = options[key];
  const res = await send(`https://${domain}/oauth/token`, 'POST', { 'content-type': 'application/json' }, JSON.stringify(body));
  if (res.status < 200 || res.status >= 300) throw new AuthApiError(res.status, res.data);
  return res;
}

class AuthenticationClient {
  constructor(options = {}) {
    this.domain = normalizeDomain(options.domain);
    this.clientId = options.clientId;
    this.clientSecret = options.clientSecret;
    if (!this.clientId) throw new TypeError('auth0: AuthenticationClient needs "clientId"');
    this.oauth = {
      clientCredentialsGrant: (grant = {}) => clientCredentials(this.domain, this.clientId, this.clientSecret, grant),
    };
  }

  /** v3 style: resolves to the token response body itself. */
  async clientCredentialsGrant(grant = {}) {
    return (await this.oauth.clientCredentialsGrant(grant)).data;
  }
}

// node-auth0 v4's managers (`management.users`, `management.usersByEmail`): objects whose
// methods are on their prototype and call the client they belong to, as the SDK's do (no
// function made per client).
class UsersManager {
  #client;
  constructor(client) { this.#client = client; }
  get(params) { return this.#client._request('GET', userPath(params)); }
  update(params, body) { return this.#client._request('PATCH', userPath(params), body); }
  getRoles(params) { return this.#client._request('GET', `${userPath(params)}/roles`); }
}

class UsersByEmailManager {
  #client;
  constructor(client) { this.#client = client; }
  getByEmail(params = {}) {
    return this.#client._request('GET', `/api/v2/users-by-email?email=${encodeURIComponent(params.email)}`);
  }
}

class ManagementClient {
  constructor(options = {}) {
    const domainOption = options.domain;
    if (domainOption !== lastDomainOption || lastDomainOption === null) {
      lastDomain = normalizeDomain(domainOption);
      lastAudience = `https://${lastDomain}/api/v2/`;
      lastDomainOption = domainOption;
    }
    this.domain = lastDomain;
    this.audience = options.audience || lastAudience;
    this._staticToken = options.token;
    this._clientId = options.clientId;
    this._clientSecret = options.clientSecret;
    this._scope = options.scope;
    this._cached = null;
    this._pending = null;
    if (this._staticToken === undefined && !(this._clientId && this._clientSecret)) {
      throw new TypeError('auth0: ManagementClient needs either "token" or "clientId" and "clientSecret"');
    }
    this.users = new UsersManager(this);
    this.usersByEmail = new UsersByEmailManager(this);
    if (clientsMade < 2 && ++clientsMade === 2) keepClientShapes();
  }

  /** v3: a Management API token for this client, cached in memory until 10 s before expiry. */
  async getAccessToken() {
    if (this._staticToken !== undefined) {
      return typeof this._staticToken === 'function' ? this._staticToken() : this._staticToken;
    }
    if (this._cached && Date.now() < this._cached.refreshAt) return this._cached.token;
    if (!this._pending) {
      const grant = { audience: this.audience };
      if (this._scope) grant.scope = this._scope;
      this._pending = clientCredentials(this.domain, this._clientId, this._clientSecret, grant)
        .then((res) => {
          const expiresIn = Number(res.data.expires_in);
          const lifetimeMs = !Number.isFinite(expiresIn) ? 3600 * 1000 : expiresIn > 10 ? expiresIn * 1000 - 10000 : expiresIn * 1000;
          this._cached = { token: res.data.access_token, refreshAt: Date.now() + lifetimeMs };
          return res.data.access_token;
        })
        .finally(() => {
          this._pending = null;
        });
    }
    return this._pending;
  }

  async _request(method, path, body) {
    // A token given as a string is what `this.getAccessToken()` resolves to, one turn later
    // (awaiting its promise, fulfilled already): awaiting TURN takes that turn.
    let token = this._staticToken;
    if (typeof token === 'string' && this.getAccessToken === ownGetAccessToken) await TURN;
    else token = await this.getAccessToken();
    // (The request's headers are `{ authorization: bearer }`, and `'content-type':
    // 'application/json'` after it when there is a body: actsim.clientRequest sends them
    // without the object, made below only for `fetch`.)
    const bearer = bearerOf(token);
    const url = `https://${this.domain}${path}`;
    // (JSON.stringify(body), its text written by the host for plain data: actsim.jsonText.)
    const payload = body === undefined ? undefined : actsim.jsonText(body);
    const client = actsim.clientRequest(url, method, bearer, payload);
    let res;
    if (client) {
      // What `await send(url, method, headers, payload, client)` does, without the call: each
      // `await TURN` is the turn send's settling took to reach this function, or the turn
      // awaiting text()'s promise of a text body takes.
      let answer;
      try {
        answer = await client;
      } catch (e) {
        await TURN;
        throw e;
      }
      let text = answer.body;
      if (text !== null) await TURN;
      else text = await answer.text();
      res = answer.result(text);
      await TURN;
    } else {
      const headers = body === undefined
        ? { authorization: bearer }
        : { authorization: bearer, 'content-type': 'application/json' };
      res = await send(url, method, headers, payload, null);
    }
    if (res.status < 200 || res.status >= 300) throw new ManagementApiError(res.status, res.data);
    return res;
  }

  /** v3 style helpers: resolve to the response body. */
  async getUser(params) { return (await this.users.get(params)).data; }
  async updateUser(params, body) { return (await this.users.update(params, body)).data; }
  async updateAppMetadata(params, metadata) { return (await this.users.update(params, { app_metadata: metadata })).data; }
  async updateUserMetadata(params, metadata) { return (await this.users.update(params, { user_metadata: metadata })).data; }
  async getUserRoles(params) { return (await this.users.getRoles(params)).data; }
}

// Fast path (warm.rs, shape keepers): QuickJS frees a shape with the last object that has it,
// so every client (and the headers of each request) would build its shapes again, property
// by property. From an instance's second client on, they are kept (actsim.keepShapes; a
// manager's private field by one idle manager of each kind, kept only when keepShapes keeps).
// Only an optimisation: it never fails a client.
let clientsMade = 0;
let keptManagers = null;
const CLIENT_KEYS = ['domain', 'audience', '_staticToken', '_clientId', '_clientSecret', '_scope', '_cached', '_pending', 'users', 'usersByEmail'];
function keepClientShapes() {
  try {
    actsim.keepShapes(ManagementClient.prototype, CLIENT_KEYS);
    actsim.keepShapes(Object.prototype, ['authorization', 'content-type']);
    if (actsim.keepShapes(UsersManager.prototype, []) && actsim.keepShapes(UsersByEmailManager.prototype, [])) {
      keptManagers = [new UsersManager(null), new UsersByEmailManager(null)];
    }
  } catch (e) {
    // Not kept: each client builds its shapes, as before.
  }
  return keptManagers;
}

// A promise fulfilled already, made by the engine (not through the global `Promise`, which an
// action may replace): awaiting it takes one turn, without making a promise as awaiting
// anything else does.
const TURN = (async () => {})();

// (_request skips calling it while no action has replaced it.)
const ownGetAccessToken = ManagementClient.prototype.getAccessToken;

// The authorization header's value for `token`; the last one is kept (executions of an
// instance send the same cached token: the header is not copied again).
let lastToken = null;
let lastBearer = null;
function bearerOf(token) {
  if (token !== lastToken || lastToken === null) {
    lastBearer = `Bearer ${token}`;
    lastToken = token;
  }
  return lastBearer;
}

function userPath(params) {
  const id = params && typeof params === 'object' ? params.id : params;
  if (typeof id !== 'string' || id.length === 0) throw new TypeError('auth0: a user "id" is required');
  return `/api/v2/users/${encodeURIComponent(id)}`;
}

module.exports = { ManagementClient, AuthenticationClient, ManagementApiError, AuthApiError };
