// actsim: node:path (POSIX). The working directory is '/': actions have no filesystem.
'use strict';

function assertPath(p) {
  if (typeof p !== 'string') {
    const e = new TypeError(`The "path" argument must be of type string. Received ${p === null ? 'null' : typeof p}`);
    e.code = 'ERR_INVALID_ARG_TYPE';
    throw e;
  }
}
function normalizeArray(parts, allowAbove) {
  const out = [];
  for (const p of parts) {
    if (!p || p === '.') continue;
    if (p === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (allowAbove) out.push('..');
    } else out.push(p);
  }
  return out;
}
function normalize(p) {
  assertPath(p);
  if (p === '') return '.';
  const abs = p.startsWith('/');
  const trailing = p.endsWith('/');
  let out = normalizeArray(p.split('/'), !abs).join('/');
  if (!out && !abs) out = '.';
  if (out && trailing) out += '/';
  return (abs ? '/' : '') + out;
}
function join(...parts) {
  for (const p of parts) assertPath(p);
  const joined = parts.filter((p) => p !== '').join('/');
  return joined === '' ? '.' : normalize(joined);
}
function resolve(...parts) {
  let resolved = '';
  let abs = false;
  for (let i = parts.length - 1; i >= -1 && !abs; i--) {
    const p = i >= 0 ? parts[i] : '/';
    assertPath(p);
    if (!p) continue;
    resolved = `${p}/${resolved}`;
    abs = p.startsWith('/');
  }
  const out = normalizeArray(resolved.split('/'), !abs).join('/');
  return (abs ? '/' : '') + out || '.';
}
function isAbsolute(p) { assertPath(p); return p.startsWith('/'); }
function dirname(p) {
  assertPath(p);
  if (p === '') return '.';
  const trimmed = p.length > 1 ? p.replace(/\/+$/, '') : p;
  const i = trimmed.lastIndexOf('/');
  if (i < 0) return '.';
  if (i === 0) return '/';
  return trimmed.slice(0, i).replace(/\/+$/, '') || '/';
}
function basename(p, ext) {
  assertPath(p);
  const trimmed = p.replace(/\/+$/, '');
  let base = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  if (ext !== undefined && base.endsWith(ext) && base !== ext) base = base.slice(0, base.length - ext.length);
  return base;
}
function extname(p) {
  const base = basename(p);
  const i = base.lastIndexOf('.');
  return i <= 0 ? '' : base.slice(i);
}
function relative(from, to) {
  const a = resolve(from).split('/').filter(Boolean);
  const b = resolve(to).split('/').filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/');
}
function parse(p) {
  assertPath(p);
  const root = p.startsWith('/') ? '/' : '';
  const base = basename(p);
  const ext = extname(p);
  let dir = dirname(p);
  if (dir === '.' && !p.includes('/')) dir = '';
  return { root, dir, base, ext, name: ext ? base.slice(0, base.length - ext.length) : base };
}
function format(obj) {
  const dir = obj.dir || obj.root;
  const base = obj.base || `${obj.name || ''}${obj.ext ? (obj.ext.startsWith('.') ? '' : '.') + obj.ext : ''}`;
  if (!dir) return base;
  return dir === obj.root ? `${dir}${base}` : `${dir}/${base}`;
}
const path = {
  sep: '/', delimiter: ':', normalize, join, resolve, isAbsolute, dirname, basename, extname, relative,
  parse, format, toNamespacedPath: (p) => p,
  matchesGlob() { throw new Error('path.matchesGlob is not emulated by actsim'); },
};
path.posix = path;
path.win32 = new Proxy({}, { get() { throw new Error('path.win32 is not emulated by actsim (production runs on Linux)'); } });
module.exports = path;
