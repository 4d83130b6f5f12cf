// actsim prelude: DOMException, Event/EventTarget, AbortController/AbortSignal (timeouts in
// virtual time), Headers, Request, Response, FormData and `fetch`, which becomes a host
// operation: the driver (the run command or the simulator) answers it in virtual time.
//
// Request bodies reach the host as text. A body of bytes that are not valid UTF-8 is sent as
// base64 with the header `x-actsim-body-encoding: base64` added (the marker).
//
// Loaded lazily (see lockdown.js): the file evaluates to a function of (host, internal,
// globals) that puts its globals in `globals` and its helpers on `internal`.
(function (host, internal, globals) {
  'use strict';
  const g = globalThis;
  const hide = (obj, name, value) => Object.defineProperty(obj, name, { value, writable: true, configurable: true, enumerable: false });

  // ---------------------------------------------------------------- DOMException
  const LEGACY_CODES = {
    IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
    NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11,
    SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15,
    TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20, URLMismatchError: 21,
    QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
  };
  class DOMException extends Error {
    constructor(message = '', options = 'Error') {
      super(String(message));
      let name = options;
      if (options !== null && typeof options === 'object') {
        name = options.name === undefined ? 'Error' : options.name;
        if ('cause' in options) hide(this, 'cause', options.cause);
      }
      hide(this, '_name', String(name));
    }
    get name() { return this._name; }
    get code() { return LEGACY_CODES[this._name] || 0; }
  }
  // The legacy code constants (DOMException.ABORT_ERR, ...), in the order of LEGACY_CODES.
  const LEGACY_CONSTANTS = ['INDEX_SIZE', 'HIERARCHY_REQUEST', 'WRONG_DOCUMENT', 'INVALID_CHARACTER',
    'NO_MODIFICATION_ALLOWED', 'NOT_FOUND', 'NOT_SUPPORTED', 'INVALID_STATE', 'SYNTAX', 'INVALID_MODIFICATION',
    'NAMESPACE', 'INVALID_ACCESS', 'TYPE_MISMATCH', 'SECURITY', 'NETWORK', 'ABORT', 'URL_MISMATCH',
    'QUOTA_EXCEEDED', 'TIMEOUT', 'INVALID_NODE_TYPE', 'DATA_CLONE'];
  Object.values(LEGACY_CODES).forEach((code, i) => {
    Object.defineProperty(DOMException, `${LEGACY_CONSTANTS[i]}_ERR`, { value: code, enumerable: true });
  });
  globals.DOMException = DOMException;
  internal.DOMException = DOMException;

  // ---------------------------------------------------------------- Event / EventTarget
  class Event {
    constructor(type, options = {}) {
      if (arguments.length === 0) throw new TypeError('The "type" argument must be specified');
      hide(this, '_type', String(type));
      hide(this, '_target', null);
      hide(this, '_canceled', false);
      hide(this, '_stop', false);
      hide(this, '_cancelable', !!(options && options.cancelable));
      hide(this, '_time', internal.now ? internal.now() : 0);
    }
    get type() { return this._type; }
    get target() { return this._target; }
    get currentTarget() { return this._target; }
    get srcElement() { return this._target; }
    get defaultPrevented() { return this._canceled; }
    get cancelable() { return this._cancelable; }
    get bubbles() { return false; }
    get composed() { return false; }
    get isTrusted() { return false; }
    get timeStamp() { return this._time; }
    get eventPhase() { return this._target ? 2 : 0; }
    preventDefault() { if (this._cancelable) this._canceled = true; }
    stopPropagation() {}
    stopImmediatePropagation() { this._stop = true; }
    composedPath() { return this._target ? [this._target] : []; }
  }
  const LISTENERS = Symbol('listeners');
  class EventTarget {
    constructor() { hide(this, LISTENERS, new Map()); }
    addEventListener(type, listener, options) {
      if (listener === null || listener === undefined) return;
      if (!this[LISTENERS]) hide(this, LISTENERS, new Map());
      const once = !!(options && typeof options === 'object' && options.once);
      const signal = options && typeof options === 'object' ? options.signal : undefined;
      if (signal && signal.aborted) return;
      const list = this[LISTENERS].get(type) || [];
      if (list.some((l) => l.listener === listener)) return;
      const entry = { listener, once };
      list.push(entry);
      this[LISTENERS].set(type, list);
      if (signal) signal.addEventListener('abort', () => this.removeEventListener(type, listener), { once: true });
    }
    removeEventListener(type, listener) {
      if (!this[LISTENERS]) return;
      const list = this[LISTENERS].get(type);
      if (!list) return;
      const i = list.findIndex((l) => l.listener === listener);
      if (i >= 0) { list[i].removed = true; list.splice(i, 1); }
    }
    dispatchEvent(event) {
      if (!(event instanceof Event)) throw new TypeError('The "event" argument must be an instance of Event.');
      event._target = this;
      const handler = this[`on${event.type}`];
      const list = ((this[LISTENERS] && this[LISTENERS].get(event.type)) || []).slice();
      if (typeof handler === 'function') list.unshift({ listener: handler, once: false, attribute: true });
      for (const entry of list) {
        if (entry.removed) continue;
        if (entry.once) this.removeEventListener(event.type, entry.listener);
        try {
          if (typeof entry.listener === 'function') entry.listener.call(this, event);
          else if (entry.listener && typeof entry.listener.handleEvent === 'function') entry.listener.handleEvent(event);
        } catch (e) {
          // As in Node, a throwing listener does not stop the others: report it asynchronously.
          Promise.reject(e);
        }
        if (event._stop) break;
      }
      return !event._canceled;
    }
  }
  globals.Event = Event;
  globals.EventTarget = EventTarget;
  internal.Event = Event;
  internal.EventTarget = EventTarget;

  // ---------------------------------------------------------------- AbortController / AbortSignal
  class AbortSignal extends EventTarget {
    constructor(key) {
      if (key !== LISTENERS) throw new TypeError('Illegal constructor');
      super();
      hide(this, '_aborted', false);
      hide(this, '_reason', undefined);
      this.onabort = null;
    }
    get aborted() { return this._aborted; }
    get reason() { return this._reason; }
    throwIfAborted() { if (this._aborted) throw this._reason; }
    _abort(reason) {
      if (this._aborted) return;
      this._aborted = true;
      this._reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
      this.dispatchEvent(new Event('abort'));
    }
    static abort(reason) { const s = new AbortSignal(LISTENERS); s._abort(reason); return s; }
    static timeout(ms) {
      const s = new AbortSignal(LISTENERS);
      // A virtual-time timer (a host operation), like every timer in actsim.
      internal.addTimer(() => s._abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms, [], false);
      return s;
    }
    static any(signals) {
      const s = new AbortSignal(LISTENERS);
      for (const other of signals) {
        if (other.aborted) { s._abort(other.reason); return s; }
      }
      for (const other of signals) other.addEventListener('abort', () => s._abort(other.reason), { once: true });
      return s;
    }
    get [Symbol.toStringTag]() { return 'AbortSignal'; }
  }
  Object.defineProperty(AbortSignal.prototype, '_abort', { enumerable: false });
  class AbortController {
    constructor() { hide(this, '_signal', new AbortSignal(LISTENERS)); }
    get signal() { return this._signal; }
    abort(reason) { this._signal._abort(reason); }
  }
  globals.AbortSignal = AbortSignal;
  globals.AbortController = AbortController;

  // ---------------------------------------------------------------- Headers
  // Header names already checked, normalised: requests and responses repeat a handful.
  const knownNames = new Map();
  const normName = (k) => {
    const key = String(k);
    const known = knownNames.get(key);
    if (known !== undefined) return known;
    const name = key.toLowerCase();
    if (!/^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(name)) throw new TypeError(`Headers.append: "${k}" is an invalid header name.`);
    if (knownNames.size < 256) knownNames.set(key, name);
    return name;
  };
  const isHttpSpace = (c) => c === 9 || c === 10 || c === 13 || c === 32;
  const normValue = (v) => {
    const s = String(v);
    // Most values have nothing to trim.
    if (s.length === 0 || (!isHttpSpace(s.charCodeAt(0)) && !isHttpSpace(s.charCodeAt(s.length - 1)))) return s;
    return s.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
  };
  class Headers {
    constructor(init) {
      hide(this, '_map', new Map());
      hide(this, '_cookies', []);
      if (init === undefined || init === null) return;
      if (init instanceof Headers) { init.forEach((v, k) => this.append(k, v)); for (const c of init._cookies) this._cookies.push(c); return; }
      if (typeof init !== 'object') throw new TypeError('Headers constructor: init must be an object, an array of pairs or a Headers');
      if (typeof init[Symbol.iterator] === 'function') {
        for (const pair of init) {
          const p = Array.from(pair);
          if (p.length !== 2) throw new TypeError('Headers constructor: expected name/value pair to be length 2, found ' + p.length + '.');
          this.append(p[0], p[1]);
        }
      } else {
        for (const k of Object.keys(init)) this.append(k, init[k]);
      }
    }
    append(k, v) {
      const name = normName(k); const value = normValue(v);
      if (name === 'set-cookie') this._cookies.push(value);
      const old = this._map.get(name);
      this._map.set(name, old === undefined ? value : `${old}, ${value}`);
    }
    set(k, v) { const name = normName(k); const value = normValue(v); if (name === 'set-cookie') this._cookies = [value]; this._map.set(name, value); }
    get(k) { const v = this._map.get(normName(k)); return v === undefined ? null : v; }
    getSetCookie() { return this._cookies.slice(); }
    has(k) { return this._map.has(normName(k)); }
    delete(k) { const name = normName(k); if (name === 'set-cookie') this._cookies = []; this._map.delete(name); }
    forEach(fn, thisArg) { for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this); }
    *entries() { yield* [...this._map.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); }
    *keys() { for (const [k] of this.entries()) yield k; }
    *values() { for (const [, v] of this.entries()) yield v; }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return 'Headers'; }
  }
  globals.Headers = Headers;

  // ---------------------------------------------------------------- FormData
  class FormData {
    constructor(form) {
      if (form !== undefined) throw new TypeError('FormData constructor: a form element is not available in actsim');
      hide(this, '_list', []);
    }
    append(name, value, filename) { this._list.push([String(name), value instanceof g.Blob ? value : String(value), filename]); }
    set(name, value, filename) { this.delete(name); this.append(name, value, filename); }
    get(name) { const e = this._list.find(([k]) => k === String(name)); return e ? e[1] : null; }
    getAll(name) { return this._list.filter(([k]) => k === String(name)).map(([, v]) => v); }
    has(name) { return this._list.some(([k]) => k === String(name)); }
    delete(name) { this._list = this._list.filter(([k]) => k !== String(name)); }
    forEach(fn, thisArg) { for (const [k, v] of this._list) fn.call(thisArg, v, k, this); }
    *entries() { for (const [k, v] of this._list) yield [k, v]; }
    *keys() { for (const [k] of this._list) yield k; }
    *values() { for (const [, v] of this._list) yield v; }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return 'FormData'; }
  }
  globals.FormData = FormData;

  // ---------------------------------------------------------------- bodies
  let boundaryCounter = 0;
  // Extract a body: { bytes: Uint8Array|null, type: default content-type or null }.
  function extractBody(body) {
    if (body === undefined || body === null) return { bytes: null, type: null };
    if (typeof body === 'string') return { bytes: internal.utf8Encode(body), type: 'text/plain;charset=UTF-8' };
    if (body instanceof g.URLSearchParams) return { bytes: internal.utf8Encode(body.toString()), type: 'application/x-www-form-urlencoded;charset=UTF-8' };
    const view = internal.bytesView(body);
    if (view !== null) return { bytes: view.slice(), type: null };
    if (body instanceof g.Blob) return { bytes: body._bytes.slice(), type: body.type || null };
    if (body instanceof FormData) {
      boundaryCounter += 1;
      const boundary = `----actsimFormBoundary${String(boundaryCounter).padStart(8, '0')}`;
      const parts = [];
      const enc = (s) => s.replace(/\r?\n|\r/g, '\r\n').replace(/"/g, '%22');
      for (const [name, value, filename] of body._list) {
        let head = `--${boundary}\r\nContent-Disposition: form-data; name="${enc(name)}"`;
        if (value instanceof g.Blob) {
          head += `; filename="${enc(filename === undefined ? 'blob' : String(filename))}"\r\nContent-Type: ${value.type || 'application/octet-stream'}\r\n\r\n`;
          parts.push(internal.utf8Encode(head), value._bytes, internal.utf8Encode('\r\n'));
        } else {
          parts.push(internal.utf8Encode(`${head}\r\n\r\n${value.replace(/\r?\n|\r/g, '\r\n')}\r\n`));
        }
      }
      parts.push(internal.utf8Encode(`--${boundary}--\r\n`));
      return { bytes: concatBytes(parts), type: `multipart/form-data; boundary=${boundary}` };
    }
    if (typeof body === 'object' && (typeof body.getReader === 'function' || typeof body[Symbol.asyncIterator] === 'function')) {
      throw new TypeError('actsim fetch: stream bodies are not supported; pass a string, bytes, URLSearchParams, FormData or Blob');
    }
    if (typeof body === 'object') {
      throw new TypeError('actsim fetch: a plain object body would be sent as "[object Object]" (Node sends String(body)); JSON.stringify it first, or pass a string, bytes, URLSearchParams, FormData or Blob');
    }
    return { bytes: internal.utf8Encode(String(body)), type: 'text/plain;charset=UTF-8' };
  }
  function concatBytes(parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let pos = 0;
    for (const p of parts) { out.set(p, pos); pos += p.length; }
    return out;
  }
  // A minimal ReadableStream stand-in for `response.body`: getReader().read() and async iteration.
  function bodyStream(owner) {
    let done = false;
    const take = () => {
      if (done) return { done: true, value: undefined };
      done = true;
      const bytes = owner._takeBytes();
      return bytes.length ? { done: false, value: bytes } : { done: true, value: undefined };
    };
    return {
      locked: false,
      getReader() { return { read: () => Promise.resolve(take()), releaseLock() {}, cancel() { done = true; return Promise.resolve(); }, closed: Promise.resolve() }; },
      cancel() { done = true; return Promise.resolve(); },
      [Symbol.asyncIterator]() { return { next: () => Promise.resolve(take()), return: () => { done = true; return Promise.resolve({ done: true }); } }; },
    };
  }
  // A fetched response keeps its body as the text the driver sent (`_text`, with `_bytes` set
  // to TEXT_BODY) until something needs its bytes: `text()` and `json()`, what nearly every
  // caller uses, then skip encoding the text to UTF-8 and decoding it back.
  const TEXT_BODY = new Uint8Array(0);
  function settleText(owner) {
    if (owner._bytes === TEXT_BODY) owner._bytes = internal.utf8Encode(owner._text);
  }
  const BodyMixin = {
    _consume() {
      if (this._bodyUsed) return Promise.reject(new TypeError('Body is unusable: Body has already been read'));
      this._bodyUsed = true;
      settleText(this);
      return Promise.resolve(this._bytes || new Uint8Array(0));
    },
    _takeBytes() { this._bodyUsed = true; settleText(this); return this._bytes || new Uint8Array(0); },
    text() {
      if (this._bytes === TEXT_BODY && !this._bodyUsed) {
        this._bodyUsed = true;
        return Promise.resolve(this._text);
      }
      return this._consume().then((b) => internal.utf8Decode(b, false));
    },
    json() { return this.text().then((t) => JSON.parse(t)); },
    arrayBuffer() { return this._consume().then((b) => b.slice().buffer); },
    bytes() { return this._consume().then((b) => b.slice()); },
    blob() { return this._consume().then((b) => new g.Blob([b], { type: (this.headers.get('content-type') || '') })); },
    formData() { return Promise.reject(new TypeError('actsim: Body.formData() is not supported')); },
  };
  function installBody(Cls) {
    for (const [k, v] of Object.entries(BodyMixin)) Object.defineProperty(Cls.prototype, k, { value: v, writable: true, configurable: true, enumerable: false });
    Object.defineProperty(Cls.prototype, 'bodyUsed', { get() { return this._bodyUsed; }, configurable: true });
    Object.defineProperty(Cls.prototype, 'body', { get() { return this._bytes === null ? null : bodyStream(this); }, configurable: true });
  }

  // ---------------------------------------------------------------- Request
  // The parsed form of URLs already seen (parsing is pure; actions fetch the same few URLs, or
  // one per user: a simulation of 1 000 users PATCHes 1 000 user URLs, which must all fit).
  // Bounded by their text: at most KNOWN_HREF_CHARS characters of URLs and hrefs together.
  const knownHrefs = new Map();
  const KNOWN_HREF_CHARS = 1 << 20;
  let knownHrefChars = 0;
  function hrefOf(input) {
    const text = String(input);
    const href = knownHrefs.get(text);
    return href === undefined ? parseHref(text) : href;
  }
  // The href of `text`, a URL not in knownHrefs (kept there while it has room).
  function parseHref(text) {
    const href = (internal.fastPaths === true && hrefByPrefix(text)) || new g.URL(text).href;
    const chars = text.length + href.length;
    if (knownHrefChars + chars <= KNOWN_HREF_CHARS) {
      knownHrefs.set(text, href);
      knownHrefChars += chars;
    }
    return href;
  }
  // Fast path (warm.rs): URLs that differ only in their last path segment (one per user:
  // `https://tenant/api/v2/users/<id>`) share the parse of everything before it. When the
  // text is `http(s)://authority/…/` + a segment of characters that the path keeps as they
  // are (no dot segment, no `?`, `#`, `\`, space or control character), its href is the
  // prefix's href followed by the segment: the parser handles each path segment on its own.
  // Anything else (or a prefix that does not parse to an href ending in `/`) answers
  // undefined, and the URL is parsed whole.
  const knownPrefixes = new Map();
  const PLAIN_SEGMENT = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%]+$/;
  const DOT_SEGMENT = /^(\.|%2e){1,2}$/i;
  function hrefByPrefix(text) {
    const start = text.startsWith('https://') ? 8 : text.startsWith('http://') ? 7 : -1;
    if (start < 0) return undefined;
    const authorityEnd = text.indexOf('/', start);
    const cut = text.lastIndexOf('/');
    if (authorityEnd <= start || cut < authorityEnd) return undefined;
    const segment = text.slice(cut + 1);
    // (A dot segment has at most 6 characters: `%2e%2e`.)
    if ((segment.length <= 6 && DOT_SEGMENT.test(segment)) || !PLAIN_SEGMENT.test(segment)) return undefined;
    const prefix = text.slice(0, cut + 1);
    let base = knownPrefixes.get(prefix);
    if (base === undefined) {
      if (prefix.indexOf('?') >= 0 || prefix.indexOf('#') >= 0) base = null;
      else {
        try { base = new g.URL(prefix).href; } catch (e) { base = null; }
      }
      if (base !== null && !base.endsWith('/')) base = null;
      if (knownPrefixes.size < 256) knownPrefixes.set(prefix, base);
    }
    return base === null ? undefined : base + segment;
  }
  class Request {
    constructor(input, init = {}) {
      if (arguments.length === 0) throw new TypeError('The "input" argument must be specified');
      init = init || {};
      const from = input instanceof Request ? input : null;
      let url;
      if (from) url = from.url;
      else {
        try { url = hrefOf(input); } catch (e) { throw Object.assign(new TypeError(`Failed to parse URL from ${input}`), { cause: e }); }
      }
      const method = String(init.method !== undefined ? init.method : from ? from.method : 'GET');
      const upper = method.toUpperCase();
      const normalized = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH'].includes(upper) ? upper : method;
      if (['CONNECT', 'TRACE', 'TRACK'].includes(upper)) throw new TypeError(`'${method}' HTTP method is unsupported.`);
      hide(this, '_url', url);
      hide(this, '_method', normalized);
      hide(this, '_headers', new Headers(init.headers !== undefined ? init.headers : from ? from.headers : undefined));
      hide(this, '_signal', init.signal !== undefined ? init.signal : from ? from.signal : null);
      hide(this, '_redirect', init.redirect || (from ? from.redirect : 'follow'));
      hide(this, '_bodyUsed', false);
      let bytes = null;
      if (init.body !== undefined && init.body !== null) {
        const ex = extractBody(init.body);
        bytes = ex.bytes;
        if (ex.type && !this._headers.has('content-type')) this._headers.set('content-type', ex.type);
      } else if (from && init.body === undefined) {
        bytes = from._bytes;
      }
      if (bytes !== null && (normalized === 'GET' || normalized === 'HEAD')) throw new TypeError('Request with GET/HEAD method cannot have body.');
      hide(this, '_bytes', bytes);
    }
    get url() { return this._url; }
    get method() { return this._method; }
    get headers() { return this._headers; }
    get signal() { if (!this._signal) this._signal = new AbortController().signal; return this._signal; }
    get redirect() { return this._redirect; }
    get cache() { return 'default'; }
    get credentials() { return 'same-origin'; }
    get mode() { return 'cors'; }
    get keepalive() { return false; }
    get duplex() { return 'half'; }
    clone() {
      if (this._bodyUsed) throw new TypeError('Request.clone: Body has already been consumed.');
      return new Request(this);
    }
    get [Symbol.toStringTag]() { return 'Request'; }
  }
  installBody(Request);
  globals.Request = Request;

  // ---------------------------------------------------------------- Response
  class Response {
    constructor(body = null, init = {}) {
      init = init || {};
      const status = init.status === undefined ? 200 : Number(init.status);
      if (!Number.isInteger(status) || status < 200 || status > 599) {
        throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive.`);
      }
      hide(this, '_status', status);
      hide(this, '_statusText', init.statusText === undefined ? '' : String(init.statusText));
      hide(this, '_headers', new Headers(init.headers));
      hide(this, '_url', '');
      hide(this, '_type', 'default');
      hide(this, '_bodyUsed', false);
      let bytes = null;
      if (body !== null && body !== undefined) {
        if ([101, 204, 205, 304].includes(status)) throw new TypeError('Response constructor: Invalid response status code ' + status);
        const ex = extractBody(body);
        bytes = ex.bytes;
        if (ex.type && !this._headers.has('content-type')) this._headers.set('content-type', ex.type);
      }
      hide(this, '_bytes', bytes);
    }
    get status() { return this._status; }
    get statusText() { return this._statusText; }
    get ok() { return this._status >= 200 && this._status < 300; }
    get headers() { return this._headers; }
    get url() { return this._url; }
    get type() { return this._type; }
    get redirected() { return false; }
    clone() {
      if (this._bodyUsed) throw new TypeError('Response.clone: Body has already been consumed.');
      settleText(this);
      const r = new Response(null, { status: this._status === 0 ? 200 : this._status, statusText: this._statusText, headers: this._headers });
      r._status = this._status;
      r._bytes = this._bytes;
      r._url = this._url;
      r._type = this._type;
      return r;
    }
    static json(data, init = {}) {
      const text = JSON.stringify(data);
      if (text === undefined) throw new TypeError('Value is not JSON serializable');
      const headers = new Headers(init && init.headers);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      return new Response(text, { ...(init || {}), headers });
    }
    static error() { const r = new Response(null, { status: 200 }); r._status = 0; r._type = 'error'; return r; }
    static redirect(url, status = 302) {
      if (![301, 302, 303, 307, 308].includes(status)) throw new RangeError(`Invalid status code ${status}`);
      return new Response(null, { status, headers: { location: new g.URL(String(url)).href } });
    }
    get [Symbol.toStringTag]() { return 'Response'; }
  }
  installBody(Response);
  globals.Response = Response;

  // ---------------------------------------------------------------- fetch
  function requestBodyText(bytes, headers) {
    if (bytes === null) return null;
    try {
      return internal.utf8Decode(bytes, true);
    } catch (e) {
      headers.push(['x-actsim-body-encoding', 'base64']);
      return internal.base64(bytes);
    }
  }
  internal.base64 = (bytes) => host.base64Encode(internal.plainBytes(bytes), false, true);
  const fetchFunction = function fetch(input, init) {
    let request;
    try {
      request = new Request(input, init);
    } catch (e) {
      return Promise.reject(e);
    }
    const signal = init && init.signal !== undefined ? init.signal : input instanceof Request ? input._signal : null;
    if (signal && signal.aborted) return Promise.reject(signal.reason);
    const headers = [...request.headers.entries()];
    const body = requestBodyText(request._bytes, headers);
    headers.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return new Promise((resolve, reject) => {
      let opId;
      let onAbort = null;
      const settleAbort = () => {
        // The host operation is cancelled: whatever the driver answers later is ignored.
        internal.pendingOps.delete(opId);
        host.timerCancel(opId);
        reject(signal.reason);
      };
      try {
        opId = host.fetchStart(request.url, request.method, flatPairs(headers), body);
      } catch (e) {
        reject(e);
        return;
      }
      internal.pendingOps.set(opId, {
        // The host's answer as its parts (fast paths, warm.rs): the status, the headers flat
        // ([name, value, …]) and the body; what `resolve` gets as one object without them.
        answer(status, flat, text) {
          this.resolve({ status, headers: pairsOf(flat), body: text });
        },
        resolve(r) {
          if (signal && onAbort) signal.removeEventListener('abort', onAbort);
          const res = new Response(null, { status: 200 });
          res._status = r.status;
          res._headers = new Headers(r.headers);
          res._statusText = STATUS_TEXT[r.status] || '';
          if (r.body === undefined || r.body === null) {
            res._bytes = new Uint8Array(0);
          } else {
            hide(res, '_text', r.body);
            res._bytes = TEXT_BODY;
          }
          res._url = request.url;
          res._type = 'basic';
          resolve(res);
        },
        reject(e) {
          if (signal && onAbort) signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      if (signal) {
        onAbort = settleAbort;
        signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  };
  globals.fetch = fetchFunction;

  // Fast path (warm.rs) for actsim's `auth0` stand-in, which calls `fetch(url, {method,
  // headers, body})` with a plain object of headers and a JSON text body, and reads only the
  // response's status, headers and text. While `fetch` is still this file's, it sends the
  // same host operation `fetch` would (same URL, method, sorted headers and body), resolving
  // at the same turn of the job queue, without the Request and Response objects the stand-in
  // never sees; the response's `text()` takes as many turns as Response's. Anything outside
  // that (another method, a header name or value `Headers` would change, headers out of
  // order, a body that is not well-formed text, a URL that does not parse) answers null: the
  // caller then uses `fetch`.
  const CLIENT_METHODS = ['DELETE', 'OPTIONS', 'POST', 'PUT', 'PATCH'];
  // It is first the pending operation (the entry in pendingOps that settles clientFetch's
  // promise), then the response that promise gives.
  class ClientResponse {
    constructor(resolve, reject) {
      this.settleResolved = resolve;
      this.settleRejected = reject;
    }
    // The host's answer (only ever given in parts: this path is taken with the fast paths
    // only): the status, the headers flat ([name, value, …]) and the body text.
    answer(status, flat, text) {
      this.status = status;
      this.statusText = STATUS_TEXT[status] || '';
      this.headerFlat = flat;
      this.body = text;
      // (The promise's functions are dropped once used: the promise holds this answer, and
      // they hold the promise, a cycle that only the engine's cycle collector would free, after
      // megabytes of such garbage.)
      const settleNow = this.settleResolved;
      this.settleResolved = null;
      this.settleRejected = null;
      settleNow(this);
    }
    reject(e) {
      const settleNow = this.settleRejected;
      this.settleResolved = null;
      this.settleRejected = null;
      settleNow(e);
    }
    get headers() { return new Headers(pairsOf(this.headerFlat)); }
    text() {
      // Response.text(): a text body at once, an empty one through its bytes (one turn more).
      return this.body === null ? Promise.resolve(null).then(() => '') : Promise.resolve(this.body);
    }
    // The stand-in's answer `{data, headers, status, statusText}` for the body `text`: what it
    // would build at once, except that `data` (the body parsed as JSON, or the text itself when
    // it is not JSON, or undefined when it is empty) and `headers` (a Headers) are made when
    // first read, and then become ordinary data properties, as the event's fields do (only
    // Object.getOwnPropertyDescriptor can tell). Each is made at once when making it later
    // could differ: JSON.parse replaced by the action, or header names or values that Headers
    // would check or change.
    result(text) {
      const status = this.status;
      const statusText = this.statusText;
      const flat = this.headerFlat;
      let data;
      let parsed = false;
      let headers;
      let built = false;
      // The answer, held weakly: its accessors hold this scope, which holding the answer itself
      // would make a cycle (garbage until the engine's cycle collector runs). An accessor called
      // once the answer is gone settles nothing: nothing can see the answer any more.
      let self = null;
      if (g.JSON.parse !== internal.jsonParse) {
        data = parseBody(g.JSON.parse, text);
        parsed = true;
      }
      if (!plainHeaderPairs(flat)) {
        headers = new Headers(pairsOf(flat));
        built = true;
      }
      const result = {
        get data() {
          if (!parsed) {
            data = parseBody(internal.jsonParse, text);
            parsed = true;
          }
          const owner = internal.deref(self);
          if (owner !== undefined) settle(owner, 'data', data);
          return data;
        },
        set data(value) { settle(this, 'data', value); },
        get headers() {
          if (!built) {
            headers = new Headers(pairsOf(flat));
            built = true;
          }
          const owner = internal.deref(self);
          if (owner !== undefined) settle(owner, 'headers', headers);
          return headers;
        },
        set headers(value) { settle(this, 'headers', value); },
        status,
        statusText,
      };
      self = internal.weakRef(result);
      return result;
    }
  }
  // What the stand-in made of a body: its JSON value, the text when it is not JSON, undefined
  // when it is empty.
  function parseBody(parse, text) {
    try {
      return text.length ? parse(text) : undefined;
    } catch (e) {
      return text;
    }
  }
  // Make `obj[name]` the data property `value` (enumerable, writable, configurable). On an
  // object that no longer allows it (frozen or sealed), the accessor stays: it keeps giving the
  // value it made.
  function settle(obj, name, value) {
    try {
      Object.defineProperty(obj, name, { value, writable: true, enumerable: true, configurable: true });
    } catch (e) {
      // (The accessor keeps the value.)
    }
  }
  // Whether Headers would keep every name and value of `flat` ([name, value, …], the host's
  // answer, warm.rs's fetch_response_args) as they are without throwing: names it has already
  // checked (normName's cache) and values with nothing to trim.
  function plainHeaderPairs(flat) {
    for (let i = 0; i < flat.length; i += 2) {
      const name = flat[i];
      const value = flat[i + 1];
      if (typeof name !== 'string' || typeof value !== 'string' || knownNames.get(name) !== name) return false;
      const first = value.charCodeAt(0);
      const last = value.charCodeAt(value.length - 1);
      if ((first <= 32 && isHttpSpace(first)) || (last <= 32 && isHttpSpace(last))) return false;
    }
    return true;
  }

  // The href of a request on the stand-in's path (clientFetch, clientRequest), or null when
  // the path does not apply: the prelude's fetch replaced, a method or a body fetch would treat
  // otherwise, a URL that does not parse (fetch then says why).
  function clientHref(url, method, body) {
    if (internal.fastPaths !== true || g.fetch !== fetchFunction) return null;
    if (typeof url !== 'string' || typeof method !== 'string') return null;
    if (method !== 'GET' && method !== 'PATCH' && !CLIENT_METHODS.includes(method)) return null;
    if (body !== undefined && (typeof body !== 'string' || method === 'GET' || !body.isWellFormed())) return null;
    try {
      const known = knownHrefs.get(url);
      return known === undefined ? parseHref(url) : known;
    } catch (e) {
      return null;
    }
  }
  internal.clientFetch = function clientFetch(url, method, headers, body) {
    const href = clientHref(url, method, body);
    if (href === null) return null;
    if (headers === null || typeof headers !== 'object' || Object.getPrototypeOf(headers) !== Object.prototype) return null;
    // Names and values, flat (host.fetchStart's form), while the names are in order.
    const flat = [];
    let sorted = true;
    let typed = false;
    try {
      const keys = Object.keys(headers);
      for (let i = 0; i < keys.length; i += 1) {
        const k = keys[i];
        const v = headers[k];
        if (typeof v !== 'string') return null;
        // (normName(k) !== k and normValue(v) !== v, with the known name and the ends of the
        // value looked at here.)
        const known = knownNames.get(k);
        if (known === undefined ? normName(k) !== k : known !== k) return null;
        const first = v.charCodeAt(0);
        const last = v.charCodeAt(v.length - 1);
        if ((first <= 32 && isHttpSpace(first)) || (last <= 32 && isHttpSpace(last))) return null;
        if (k === 'content-type') typed = true;
        if (flat.length !== 0 && !(flat[flat.length - 2] < k)) sorted = false;
        flat.push(k, v);
      }
    } catch (e) {
      return null;
    }
    if (body !== undefined && !typed) {
      if (flat.length !== 0 && !(flat[flat.length - 2] < 'content-type')) sorted = false;
      flat.push('content-type', 'text/plain;charset=UTF-8');
    }
    // (The stand-in writes its headers in order; headers out of order go through `fetch`,
    // which sorts them.)
    if (!sorted) return null;
    return startClientOp(href, method, flat, body);
  };
  // The stand-in's Management API request (its `_request`): what clientFetch does with the
  // headers `{ authorization: bearer }`, and `'content-type': 'application/json'` after it
  // when there is a body, without that object: two names Headers keeps as they are, in order,
  // and a value checked here. Null when clientFetch would answer null.
  internal.clientRequest = function clientRequest(url, method, bearer, body) {
    if (typeof bearer !== 'string') return null;
    const href = clientHref(url, method, body);
    if (href === null) return null;
    const first = bearer.charCodeAt(0);
    const last = bearer.charCodeAt(bearer.length - 1);
    if ((first <= 32 && isHttpSpace(first)) || (last <= 32 && isHttpSpace(last))) return null;
    const flat = body === undefined
      ? ['authorization', bearer]
      : ['authorization', bearer, 'content-type', 'application/json'];
    return startClientOp(href, method, flat, body);
  };
  // The host operation of a request on the stand-in's path: its promise settles with a
  // ClientResponse (or the error fetchStart threw).
  function startClientOp(href, method, flat, body) {
    if (clientRequests < 2 && ++clientRequests === 2) keepClientShapes();
    const promise = new Promise(captureClientOp);
    const op = capturedOp;
    capturedOp = null;
    let opId;
    try {
      opId = host.fetchStart(href, method, flat, body === undefined ? null : body);
    } catch (e) {
      op.reject(e);
      return promise;
    }
    internal.pendingOps.set(opId, op);
    return promise;
  }
  // The names the stand-in's requests send, as clientFetch would have checked them (answers
  // whose headers Headers has checked have them made on first read, see plainHeaderPairs).
  normName('authorization');
  normName('content-type');
  // Fast path (warm.rs, shape keepers): from an instance's second request on this path, the
  // shapes of its pending operation (a ClientResponse) and of the stand-in's answer
  // (`result`) are kept: QuickJS frees a shape with its last object, and each request would
  // build them again. The answer's are kept by objects made as `result` makes it (an accessor
  // pair, another, then two values).
  // Only an optimisation: it never fails a request.
  let clientRequests = 0;
  let answerKeepers = null;
  function keepClientShapes() {
    if (internal.fastPaths !== true) return;
    try {
      internal.keepShapes(ClientResponse.prototype, ['settleResolved', 'settleRejected', 'status', 'statusText', 'headerFlat', 'body']);
      answerKeepers = [
        { get data() { return undefined; }, set data(value) {} },
        { get data() { return undefined; }, set data(value) {}, get headers() { return undefined; }, set headers(value) {} },
        { get data() { return undefined; }, set data(value) {}, get headers() { return undefined; }, set headers(value) {}, status: 0 },
        { get data() { return undefined; }, set data(value) {}, get headers() { return undefined; }, set headers(value) {}, status: 0, statusText: '' },
      ];
    } catch (e) {
      // Not kept: each request builds them, as before.
    }
  }
  // [name, value, …] (the host's answer, in parts) as [[name, value], …].
  function pairsOf(flat) {
    const pairs = [];
    for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
    return pairs;
  }
  // [[name, value], …] as host.fetchStart takes headers: [name, value, …].
  function flatPairs(pairs) {
    const flat = [];
    for (let i = 0; i < pairs.length; i += 1) flat.push(pairs[i][0], pairs[i][1]);
    return flat;
  }
  // The promise of a clientFetch is made with one shared executor, which leaves the pending
  // operation (a ClientResponse, not yet answered) here: no closure per request.
  let capturedOp = null;
  function captureClientOp(resolve, reject) {
    capturedOp = new ClientResponse(resolve, reject);
  }
  const STATUS_TEXT = {
    200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found',
    304: 'Not Modified', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
    405: 'Method Not Allowed', 409: 'Conflict', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity',
    429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
})
