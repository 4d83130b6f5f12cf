// actsim prelude: WHATWG URL and URLSearchParams, written for what libraries rely on: special
// and opaque schemes, relative resolution, dot segments, percent-encoding sets, default ports,
// IPv4 normalisation, punycode hosts, live `searchParams`. (Node 22 uses Ada, a complete
// implementation; rare edge cases of the spec may differ here.)
//
// Loaded lazily (see lockdown.js): the file evaluates to a function of (host, internal,
// globals) that puts its globals in `globals` and its helpers on `internal`.
(function (host, internal, globals) {
  'use strict';
  const SPECIAL = { 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443', 'ftp:': '21', 'file:': '' };

  function invalid(input) {
    const e = new TypeError('Invalid URL');
    e.code = 'ERR_INVALID_URL';
    e.input = input;
    return e;
  }

  // ---------------------------------------------------------------- percent-encoding
  const C0 = (c) => c < 0x20 || c > 0x7e;
  const FRAGMENT = (c) => C0(c) || c === 0x20 || c === 0x22 || c === 0x3c || c === 0x3e || c === 0x60;
  const QUERY = (c) => C0(c) || c === 0x20 || c === 0x22 || c === 0x23 || c === 0x3c || c === 0x3e;
  const SPECIAL_QUERY = (c) => QUERY(c) || c === 0x27;
  const PATH = (c) => QUERY(c) || c === 0x3f || c === 0x5e || c === 0x60 || c === 0x7b || c === 0x7d;
  const USERINFO = (c) => PATH(c) || c === 0x2f || c === 0x3a || c === 0x3b || c === 0x3d || c === 0x40 || (c >= 0x5b && c <= 0x5d) || c === 0x7c;
  const COMPONENT = (c) => USERINFO(c) || (c >= 0x24 && c <= 0x26) || c === 0x2b || c === 0x2c;
  const FORM = (c) => COMPONENT(c) || c === 0x21 || (c >= 0x27 && c <= 0x29) || c === 0x7e;
  const hex2 = (b) => `%${b < 16 ? '0' : ''}${b.toString(16).toUpperCase()}`;
  // Characters outside every set's "never encode" range: printable ASCII minus the characters
  // some set encodes. Strings made only of these need no work (the common case).
  const PLAIN = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
  function encodeSet(s, inSet, spaceAsPlus) {
    if (PLAIN.test(s) && !(inSet === FORM || inSet === COMPONENT || inSet === USERINFO) && (inSet !== SPECIAL_QUERY || s.indexOf("'") < 0)) return s;
    let out = '';
    for (const ch of s) {
      const c = ch.codePointAt(0);
      if (spaceAsPlus && c === 0x20) { out += '+'; continue; }
      if (!inSet(c)) { out += ch; continue; }
      for (const b of internal.utf8Encode(ch)) out += hex2(b);
    }
    return out;
  }
  function percentDecodeBytes(s) {
    const bytes = internal.utf8Encode(s);
    const out = new Uint8Array(bytes.length);
    let n = 0;
    const hexv = (b) => (b >= 48 && b <= 57 ? b - 48 : b >= 65 && b <= 70 ? b - 55 : b >= 97 && b <= 102 ? b - 87 : -1);
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0x25 && i + 2 < bytes.length && hexv(bytes[i + 1]) >= 0 && hexv(bytes[i + 2]) >= 0) {
        out[n++] = hexv(bytes[i + 1]) * 16 + hexv(bytes[i + 2]);
        i += 2;
      } else out[n++] = bytes[i];
    }
    return out.subarray(0, n);
  }
  const percentDecode = (s) => (s.indexOf('%') < 0 ? s : internal.utf8Decode(percentDecodeBytes(s), false));
  internal.percentDecode = percentDecode;
  internal.encodeURIComponentSet = (s) => encodeSet(s, COMPONENT, false);

  // ---------------------------------------------------------------- punycode (RFC 3492)
  function punycodeEncode(input) {
    const base = 36, tMin = 1, tMax = 26, skew = 38, damp = 700;
    const cps = Array.from(input, (c) => c.codePointAt(0));
    let out = cps.filter((c) => c < 0x80).map((c) => String.fromCharCode(c)).join('');
    const b = out.length;
    let h = b;
    if (b > 0) out += '-';
    let n = 128, delta = 0, bias = 72;
    const digit = (d) => String.fromCharCode(d + 22 + 75 * (d < 26));
    const adapt = (d, numPoints, first) => {
      d = first ? Math.floor(d / damp) : d >> 1;
      d += Math.floor(d / numPoints);
      let k = 0;
      while (d > ((base - tMin) * tMax) >> 1) { d = Math.floor(d / (base - tMin)); k += base; }
      return k + Math.floor(((base - tMin + 1) * d) / (d + skew));
    };
    while (h < cps.length) {
      const m = Math.min(...cps.filter((c) => c >= n));
      delta += (m - n) * (h + 1);
      n = m;
      for (const c of cps) {
        if (c < n) delta++;
        if (c === n) {
          let q = delta;
          for (let k = base; ; k += base) {
            const t = k <= bias ? tMin : k >= bias + tMax ? tMax : k - bias;
            if (q < t) break;
            out += digit(t + ((q - t) % (base - t)));
            q = Math.floor((q - t) / (base - t));
          }
          out += digit(q);
          bias = adapt(delta, h + 1, h === b);
          delta = 0;
          h++;
        }
      }
      delta++; n++;
    }
    return out;
  }
  function domainToASCII(domain) {
    return domain.split('.').map((label) => (/[^\x00-\x7f]/.test(label) ? `xn--${punycodeEncode(label.normalize('NFC'))}` : label)).join('.');
  }
  internal.domainToASCII = domainToASCII;

  // ---------------------------------------------------------------- hosts
  function parseIPv4Number(s) {
    if (s === '') return NaN;
    let radix = 10;
    if (/^0[xX]/.test(s)) { s = s.slice(2); radix = 16; } else if (s.length > 1 && s[0] === '0') { s = s.slice(1); radix = 8; }
    if (s === '') return 0;
    const re = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
    return re.test(s) ? parseInt(s, radix) : NaN;
  }
  function parseIPv4(hostStr) {
    const parts = hostStr.split('.');
    if (parts[parts.length - 1] === '' && parts.length > 1) parts.pop();
    if (parts.length > 4) return null;
    const nums = parts.map(parseIPv4Number);
    if (nums.some((n) => n !== n)) return null;
    for (let i = 0; i < nums.length - 1; i++) if (nums[i] > 255) return undefined;
    if (nums[nums.length - 1] >= 256 ** (5 - nums.length)) return undefined;
    let ipv4 = nums[nums.length - 1];
    for (let i = 0; i < nums.length - 1; i++) ipv4 += nums[i] * 256 ** (3 - i);
    return [ipv4 >>> 24, (ipv4 >>> 16) & 255, (ipv4 >>> 8) & 255, ipv4 & 255].join('.');
  }
  function endsInNumber(hostStr) {
    const parts = hostStr.split('.');
    if (parts[parts.length - 1] === '') { if (parts.length === 1) return false; parts.pop(); }
    const last = parts[parts.length - 1];
    return /^[0-9]+$/.test(last) || parseIPv4Number(last) === parseIPv4Number(last);
  }
  function parseHost(input, special, original) {
    if (input.startsWith('[')) {
      if (!input.endsWith(']') || !/^\[[0-9a-fA-F:.]+\]$/.test(input)) throw invalid(original);
      return input.toLowerCase();
    }
    if (!special) {
      if (/[\x00\t\n\r #/:<>?@[\\\]^|]/.test(input)) throw invalid(original);
      return encodeSet(input, C0, false);
    }
    let domain = percentDecode(input).toLowerCase();
    domain = domainToASCII(domain).toLowerCase();
    if (domain === '' || /[\x00-\x20#%/:<>?@[\\\]^|\x7f]/.test(domain)) throw invalid(original);
    if (endsInNumber(domain)) {
      const v4 = parseIPv4(domain);
      if (typeof v4 !== 'string') throw invalid(original);
      return v4;
    }
    return domain;
  }

  // ---------------------------------------------------------------- paths
  const isSingleDot = (s) => s === '.' || s.toLowerCase() === '%2e';
  const isDoubleDot = (s) => ['..', '.%2e', '%2e.', '%2e%2e'].includes(s.toLowerCase());
  function normalizePath(segments, special, scheme) {
    const out = [];
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i];
      const last = i === segments.length - 1;
      if (isDoubleDot(seg)) {
        if (out.length && !(scheme === 'file:' && out.length === 1 && /^[A-Za-z]:$/.test(out[0]))) out.pop();
        if (last) out.push('');
      } else if (isSingleDot(seg)) {
        if (last) out.push('');
      } else {
        out.push(encodeSet(seg, PATH, false));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- the parser
  function parse(input, base) {
    const original = input;
    input = String(input).replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, '').replace(/[\t\n\r]/g, '');
    const rec = { protocol: '', username: '', password: '', hostname: null, port: '', path: [], opaque: null, query: null, fragment: null };
    const hashAt = input.indexOf('#');
    if (hashAt >= 0) { rec.fragment = encodeSet(input.slice(hashAt + 1), FRAGMENT, false); input = input.slice(0, hashAt); }
    const m = /^([A-Za-z][A-Za-z0-9+\-.]*):/.exec(input);
    let rest;
    if (m) {
      rec.protocol = `${m[1].toLowerCase()}:`;
      rest = input.slice(m[0].length);
    } else {
      if (!base) throw invalid(original);
      if (base.opaque !== null) {
        if (hashAt !== 0) throw invalid(original);
        Object.assign(rec, { protocol: base.protocol, opaque: base.opaque, query: base.query });
        return rec;
      }
      rec.protocol = base.protocol;
      rest = null;
    }
    const special = Object.prototype.hasOwnProperty.call(SPECIAL, rec.protocol);
    const splitQuery = (s) => {
      const q = s.indexOf('?');
      if (q >= 0) { rec.query = encodeSet(s.slice(q + 1), special ? SPECIAL_QUERY : QUERY, false); return s.slice(0, q); }
      return s;
    };
    let relative = rest === null ? input : null;
    if (rest !== null && special && base && base.protocol === rec.protocol && !/^[/\\]/.test(rest)) relative = rest;
    if (relative !== null) {
      let r = splitQuery(relative);
      if (special) r = r.replace(/\\/g, '/');
      if (r.startsWith('//')) {
        authorityAndPath(rec, r.replace(/^\/+/, special ? '' : '//').replace(/^\/\//, ''), special, original);
        return finish(rec, special);
      }
      Object.assign(rec, { username: base.username, password: base.password, hostname: base.hostname, port: base.port });
      if (r === '') {
        rec.path = base.path.slice();
        if (rec.query === null && relative.indexOf('?') < 0) rec.query = base.query;
      } else if (r.startsWith('/')) {
        rec.path = normalizePath(r.slice(1).split('/'), special, rec.protocol);
      } else {
        const merged = base.path.slice(0, Math.max(0, base.path.length - 1)).concat(r.split('/'));
        rec.path = normalizePath(merged, special, rec.protocol);
      }
      return finish(rec, special);
    }
    let r = splitQuery(rest);
    if (special) {
      r = r.replace(/\\/g, '/');
      if (rec.protocol === 'file:') {
        if (r.startsWith('//')) { authorityAndPath(rec, r.slice(2), special, original, true); }
        else { rec.hostname = ''; rec.path = normalizePath(r.replace(/^\/+/, '').split('/'), special, rec.protocol); }
        return finish(rec, special);
      }
      authorityAndPath(rec, r.replace(/^\/+/, ''), special, original);
      return finish(rec, special);
    }
    if (r.startsWith('//')) { authorityAndPath(rec, r.slice(2), special, original); return finish(rec, special); }
    if (r.startsWith('/')) { rec.path = normalizePath(r.slice(1).split('/'), special, rec.protocol); return finish(rec, special); }
    rec.opaque = encodeSet(r, C0, false);
    return rec;
  }
  function authorityAndPath(rec, s, special, original, isFile) {
    const end = s.search(/\//);
    const authority = end < 0 ? s : s.slice(0, end);
    const path = end < 0 ? '' : s.slice(end + 1);
    let hostPort = authority;
    const at = authority.lastIndexOf('@');
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      hostPort = authority.slice(at + 1);
      const colon = userinfo.indexOf(':');
      rec.username = encodeSet(colon < 0 ? userinfo : userinfo.slice(0, colon), USERINFO, false);
      rec.password = colon < 0 ? '' : encodeSet(userinfo.slice(colon + 1), USERINFO, false);
    }
    let hostStr = hostPort;
    const portMatch = /:([^\]]*)$/.exec(hostPort);
    if (portMatch && !(hostPort.startsWith('[') && portMatch.index < hostPort.indexOf(']'))) {
      hostStr = hostPort.slice(0, portMatch.index);
      const port = portMatch[1];
      if (port !== '') {
        if (!/^[0-9]+$/.test(port) || Number(port) > 65535) throw invalid(original);
        rec.port = String(Number(port));
      }
    }
    if (hostStr === '') {
      if (special && !isFile) throw invalid(original);
      if (!special && (rec.username || rec.password || rec.port)) throw invalid(original);
      rec.hostname = '';
    } else {
      rec.hostname = parseHost(hostStr, special, original);
      if (isFile && rec.hostname === 'localhost') rec.hostname = '';
    }
    rec.path = end < 0 ? [] : normalizePath(path.split('/'), special, rec.protocol);
  }
  function finish(rec, special) {
    if (special && rec.port === SPECIAL[rec.protocol]) rec.port = '';
    if (special && rec.path.length === 0) rec.path = [''];
    return rec;
  }
  function serializePath(rec) {
    if (rec.opaque !== null) return rec.opaque;
    return rec.path.length ? `/${rec.path.join('/')}` : '';
  }
  function serialize(rec, excludeFragment) {
    let out = rec.protocol;
    if (rec.hostname !== null) {
      out += '//';
      if (rec.username || rec.password) out += `${rec.username}${rec.password ? `:${rec.password}` : ''}@`;
      out += rec.hostname;
      if (rec.port) out += `:${rec.port}`;
    } else if (rec.opaque === null && rec.path.length > 1 && rec.path[0] === '') {
      out += '/.';
    }
    out += serializePath(rec);
    if (rec.query !== null) out += `?${rec.query}`;
    if (!excludeFragment && rec.fragment !== null) out += `#${rec.fragment}`;
    return out;
  }

  // Actions fetch the same few URLs over and over: keep recent parses (records are copied, since
  // setters mutate them).
  const parsed = new Map();
  const copyRec = (r) => ({ ...r, path: r.path.slice() });
  function parseCached(input) {
    const hit = parsed.get(input);
    if (hit !== undefined) return copyRec(hit);
    const rec = parse(input);
    if (parsed.size >= 256) parsed.clear();
    parsed.set(input, copyRec(rec));
    return rec;
  }

  // ---------------------------------------------------------------- URLSearchParams
  function parseForm(s) {
    const list = [];
    for (const part of s.split('&')) {
      if (part === '') continue;
      const i = part.indexOf('=');
      const name = i < 0 ? part : part.slice(0, i);
      const value = i < 0 ? '' : part.slice(i + 1);
      list.push([percentDecode(name.replace(/\+/g, ' ')), percentDecode(value.replace(/\+/g, ' '))]);
    }
    return list;
  }
  const toUSV = (v) => { const s = String(v); return typeof s.toWellFormed === 'function' ? s.toWellFormed() : s; };
  const URL_OF = Symbol('url');
  const hide = (obj, name, value) => Object.defineProperty(obj, name, { value, writable: true, configurable: true, enumerable: false });
  class URLSearchParams {
    constructor(init = '') {
      hide(this, '_list', []);
      hide(this, URL_OF, null);
      if (init instanceof URLSearchParams) {
        this._list = init._list.map(([k, v]) => [k, v]);
      } else if (init !== null && typeof init === 'object' || typeof init === 'function') {
        if (typeof init[Symbol.iterator] === 'function') {
          for (const pair of init) {
            const p = Array.from(pair);
            if (p.length !== 2) throw new TypeError('Each query pair must be an iterable [name, value] tuple');
            this._list.push([toUSV(p[0]), toUSV(p[1])]);
          }
        } else {
          for (const k of Object.keys(init)) this._list.push([toUSV(k), toUSV(init[k])]);
        }
      } else {
        const s = toUSV(init);
        this._list = parseForm(s.startsWith('?') ? s.slice(1) : s);
      }
    }
    _update() {
      const url = this[URL_OF];
      if (url) { const s = this.toString(); url._rec.query = s === '' ? null : s; }
    }
    get size() { return this._list.length; }
    append(name, value) { this._list.push([toUSV(name), toUSV(value)]); this._update(); }
    delete(name, value) {
      name = toUSV(name);
      this._list = this._list.filter(([k, v]) => !(k === name && (value === undefined || v === toUSV(value))));
      this._update();
    }
    get(name) { name = toUSV(name); const e = this._list.find(([k]) => k === name); return e ? e[1] : null; }
    getAll(name) { name = toUSV(name); return this._list.filter(([k]) => k === name).map(([, v]) => v); }
    has(name, value) { name = toUSV(name); return this._list.some(([k, v]) => k === name && (value === undefined || v === toUSV(value))); }
    set(name, value) {
      name = toUSV(name); value = toUSV(value);
      const i = this._list.findIndex(([k]) => k === name);
      if (i < 0) this._list.push([name, value]);
      else { this._list[i][1] = value; this._list = this._list.filter(([k], j) => j <= i || k !== name); }
      this._update();
    }
    sort() {
      this._list = this._list.map((e, i) => [e, i]).sort((a, b) => (a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1])).map(([e]) => e);
      this._update();
    }
    forEach(fn, thisArg) {
      if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be of type function');
      for (let i = 0; i < this._list.length; i++) fn.call(thisArg, this._list[i][1], this._list[i][0], this);
    }
    *entries() { for (let i = 0; i < this._list.length; i++) yield [this._list[i][0], this._list[i][1]]; }
    *keys() { for (const [k] of this.entries()) yield k; }
    *values() { for (const [, v] of this.entries()) yield v; }
    [Symbol.iterator]() { return this.entries(); }
    toString() { return this._list.map(([k, v]) => `${encodeSet(k, FORM, true)}=${encodeSet(v, FORM, true)}`).join('&'); }
    get [Symbol.toStringTag]() { return 'URLSearchParams'; }
  }
  Object.defineProperty(URLSearchParams.prototype, '_update', { enumerable: false });

  // ---------------------------------------------------------------- URL
  class URL {
    constructor(url, base) {
      if (arguments.length === 0) throw new TypeError('The "url" argument must be specified');
      let baseRec;
      if (base !== undefined) baseRec = base instanceof URL ? base._rec : parse(String(base));
      hide(this, '_rec', base === undefined ? parseCached(url instanceof URL ? url.href : String(url)) : parse(url instanceof URL ? url.href : String(url), baseRec));
      hide(this, '_params', null);
    }
    static canParse(url, base) { try { new URL(url, base); return true; } catch (e) { return false; } }
    static parse(url, base) { try { return new URL(url, base); } catch (e) { return null; } }
    get href() { return serialize(this._rec); }
    set href(v) { this._rec = parse(String(v)); if (this._params) this._params._list = parseForm(this._rec.query || ''); }
    get origin() {
      const r = this._rec;
      if (r.protocol === 'blob:') { try { return new URL(serializePath(r)).origin; } catch (e) { return 'null'; } }
      if (!Object.prototype.hasOwnProperty.call(SPECIAL, r.protocol) || r.protocol === 'file:') return 'null';
      return `${r.protocol}//${r.hostname}${r.port ? `:${r.port}` : ''}`;
    }
    get protocol() { return this._rec.protocol; }
    set protocol(v) {
      const m = /^([A-Za-z][A-Za-z0-9+\-.]*)/.exec(String(v));
      if (!m) return;
      const p = `${m[1].toLowerCase()}:`;
      const wasSpecial = Object.prototype.hasOwnProperty.call(SPECIAL, this._rec.protocol);
      const isSpecial = Object.prototype.hasOwnProperty.call(SPECIAL, p);
      if (wasSpecial !== isSpecial) return;
      this._rec.protocol = p;
      if (isSpecial && this._rec.port === SPECIAL[p]) this._rec.port = '';
    }
    get username() { return this._rec.username; }
    set username(v) { if (this._rec.hostname) this._rec.username = encodeSet(String(v), USERINFO, false); }
    get password() { return this._rec.password; }
    set password(v) { if (this._rec.hostname) this._rec.password = encodeSet(String(v), USERINFO, false); }
    get host() { const r = this._rec; return r.hostname === null ? '' : r.port ? `${r.hostname}:${r.port}` : r.hostname; }
    set host(v) {
      if (this._rec.opaque !== null) return;
      try { const r = parse(`${this._rec.protocol}//${String(v).split(/[/?#]/)[0]}`); this._rec.hostname = r.hostname; if (/:/.test(String(v).replace(/\[.*\]/, ''))) this._rec.port = r.port; } catch (e) { /* ignored, as the spec says */ }
    }
    get hostname() { return this._rec.hostname === null ? '' : this._rec.hostname; }
    set hostname(v) {
      if (this._rec.opaque !== null) return;
      try { const r = parse(`${this._rec.protocol}//${String(v).split(/[/?#:]/)[0]}`); this._rec.hostname = r.hostname; } catch (e) { /* ignored */ }
    }
    get port() { return this._rec.port; }
    set port(v) {
      if (this._rec.hostname === null || this._rec.hostname === '' || this._rec.protocol === 'file:') return;
      const s = String(v);
      if (s === '') { this._rec.port = ''; return; }
      const m = /^[0-9]+/.exec(s);
      if (!m || Number(m[0]) > 65535) return;
      const port = String(Number(m[0]));
      this._rec.port = SPECIAL[this._rec.protocol] === port ? '' : port;
    }
    get pathname() { return serializePath(this._rec); }
    set pathname(v) {
      if (this._rec.opaque !== null) return;
      const special = Object.prototype.hasOwnProperty.call(SPECIAL, this._rec.protocol);
      let s = String(v);
      if (special) s = s.replace(/\\/g, '/');
      this._rec.path = normalizePath(s.replace(/^\//, '').split('/'), special, this._rec.protocol);
      if (special && this._rec.path.length === 0) this._rec.path = [''];
    }
    get search() { const q = this._rec.query; return q === null || q === '' ? '' : `?${q}`; }
    set search(v) {
      const s = String(v);
      const special = Object.prototype.hasOwnProperty.call(SPECIAL, this._rec.protocol);
      this._rec.query = s === '' ? null : encodeSet(s.replace(/^\?/, ''), special ? SPECIAL_QUERY : QUERY, false);
      if (this._params) this._params._list = parseForm(this._rec.query || '');
    }
    get searchParams() {
      if (!this._params) {
        this._params = new URLSearchParams(this._rec.query || '');
        this._params[URL_OF] = this;
      }
      return this._params;
    }
    get hash() { const f = this._rec.fragment; return f === null || f === '' ? '' : `#${f}`; }
    set hash(v) { const s = String(v); this._rec.fragment = s === '' ? null : encodeSet(s.replace(/^#/, ''), FRAGMENT, false); }
    toString() { return this.href; }
    toJSON() { return this.href; }
    get [Symbol.toStringTag]() { return 'URL'; }
  }
  globals.URL = URL;
  globals.URLSearchParams = URLSearchParams;
  internal.URL = URL;
  internal.URLSearchParams = URLSearchParams;
  internal.serializeUrlWithoutFragment = (u) => serialize(u._rec, true);
})
