// actsim: node:url (URL, URLSearchParams, the legacy parse/format/resolve, file URL helpers).
'use strict';

const querystring = require('querystring');
const { URL, URLSearchParams } = globalThis;

function Url() {
  this.protocol = null; this.slashes = null; this.auth = null; this.host = null; this.port = null;
  this.hostname = null; this.hash = null; this.search = null; this.query = null; this.pathname = null;
  this.path = null; this.href = null;
}
const SLASHED = new Set(['http:', 'https:', 'ftp:', 'gopher:', 'file:', 'ws:', 'wss:']);
function parse(urlStr, parseQueryString, slashesDenoteHost) {
  if (urlStr instanceof Url) return urlStr;
  if (typeof urlStr !== 'string') {
    const e = new TypeError(`The "url" argument must be of type string. Received ${typeof urlStr}`);
    e.code = 'ERR_INVALID_ARG_TYPE';
    throw e;
  }
  const u = new Url();
  let rest = urlStr.trim();
  const hashAt = rest.indexOf('#');
  if (hashAt >= 0) { u.hash = rest.slice(hashAt); rest = rest.slice(0, hashAt); }
  const qAt = rest.indexOf('?');
  if (qAt >= 0) { u.search = rest.slice(qAt); u.query = rest.slice(qAt + 1); rest = rest.slice(0, qAt); }
  else if (parseQueryString) { u.search = ''; u.query = {}; }
  if (parseQueryString && typeof u.query === 'string') u.query = querystring.parse(u.query);
  rest = rest.replace(/\\/g, '/');
  const proto = /^([a-zA-Z][a-zA-Z0-9+.-]*:)/.exec(rest);
  if (proto) { u.protocol = proto[1].toLowerCase(); rest = rest.slice(proto[1].length); }
  if ((slashesDenoteHost || proto) && rest.startsWith('//') && !(u.protocol === 'javascript:')) {
    u.slashes = true;
    rest = rest.slice(2);
  }
  if (u.slashes || (u.protocol && !SLASHED.has(u.protocol) && rest.includes('@'))) {
    const end = rest.search(/[/?#]/);
    let authority = end < 0 ? rest : rest.slice(0, end);
    rest = end < 0 ? '' : rest.slice(end);
    const at = authority.lastIndexOf('@');
    if (at >= 0) { u.auth = decodeURIComponent(authority.slice(0, at)); authority = authority.slice(at + 1); }
    const portMatch = /:(\d*)$/.exec(authority);
    if (portMatch) { u.port = portMatch[1] || null; authority = authority.slice(0, portMatch.index); }
    u.hostname = authority.toLowerCase().replace(/^\[|\]$/g, '');
    u.host = u.hostname + (u.port ? `:${u.port}` : '');
    if (authority.startsWith('[')) u.host = `[${u.hostname}]${u.port ? `:${u.port}` : ''}`;
  }
  u.pathname = rest || (u.slashes && SLASHED.has(u.protocol) ? '/' : rest ? rest : null);
  if (u.pathname === '' ) u.pathname = null;
  u.path = (u.pathname || '') + (u.search || '') || null;
  u.href = format(u);
  return u;
}
Url.prototype.format = function urlFormat() { return format(this); };
Url.prototype.resolve = function urlResolve(rel) { return resolve(format(this), rel); };
function format(obj, options) {
  if (typeof obj === 'string') obj = parse(obj);
  if (obj instanceof URL) {
    const u = new URL(obj.href);
    if (options && options.fragment === false) u.hash = '';
    if (options && options.search === false) u.search = '';
    if (options && options.auth === false) { u.username = ''; u.password = ''; }
    return u.href;
  }
  let protocol = obj.protocol || '';
  if (protocol && !protocol.endsWith(':')) protocol += ':';
  let auth = obj.auth ? `${encodeURIComponent(obj.auth).replace(/%3A/i, ':')}@` : '';
  let host = '';
  if (obj.host) host = auth + obj.host;
  else if (obj.hostname) host = auth + (obj.hostname.includes(':') ? `[${obj.hostname}]` : obj.hostname) + (obj.port ? `:${obj.port}` : '');
  let pathname = obj.pathname || '';
  let search = obj.search || '';
  if (!search && obj.query && typeof obj.query === 'object' && Object.keys(obj.query).length) search = `?${querystring.stringify(obj.query)}`;
  else if (!search && typeof obj.query === 'string' && obj.query) search = `?${obj.query}`;
  if (search && !search.startsWith('?')) search = `?${search}`;
  let hash = obj.hash || '';
  if (hash && !hash.startsWith('#')) hash = `#${hash}`;
  if (obj.slashes || (SLASHED.has(protocol) && host !== '') || host) {
    host = `//${host}`;
    if (pathname && !pathname.startsWith('/')) pathname = `/${pathname}`;
  }
  pathname = pathname.replace(/[?#]/g, encodeURIComponent);
  search = search.replace('#', '%23');
  return protocol + host + pathname + search + hash;
}
function resolve(from, to) {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(from)) return new URL(to, from).href;
  const r = new URL(to, new URL(from, 'http://actsim.invalid/'));
  if (r.host === 'actsim.invalid') {
    const p = r.pathname + r.search + r.hash;
    return from.startsWith('/') ? p : p.slice(1);
  }
  return r.href;
}
function fileURLToPath(url) {
  const u = typeof url === 'string' ? new URL(url) : url;
  if (u.protocol !== 'file:') {
    const e = new TypeError('The URL must be of scheme file');
    e.code = 'ERR_INVALID_URL_SCHEME';
    throw e;
  }
  return decodeURIComponent(u.pathname);
}
function pathToFileURL(path) {
  const abs = path.startsWith('/') ? path : `/${path}`;
  return new URL(`file://${abs.split('/').map((s) => encodeURIComponent(s)).join('/')}`);
}
module.exports = {
  URL,
  URLSearchParams,
  Url,
  parse,
  format,
  resolve,
  resolveObject: (from, to) => parse(resolve(from, to)),
  fileURLToPath,
  pathToFileURL,
  domainToASCII: (d) => internal.domainToASCII(String(d).toLowerCase()),
  domainToUnicode: (d) => String(d),
  urlToHttpOptions: (u) => ({
    protocol: u.protocol, hostname: u.hostname.replace(/^\[|\]$/g, ''), hash: u.hash, search: u.search,
    pathname: u.pathname, path: `${u.pathname || ''}${u.search || ''}`, href: u.href,
    ...(u.port !== '' ? { port: Number(u.port) } : {}),
    ...(u.username || u.password ? { auth: `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}` } : {}),
  }),
};
