// actsim: node:querystring (parse, stringify, escape, unescape).
'use strict';

function qsEscape(str) {
  if (typeof str !== 'string') {
    if (typeof str === 'object') str = String(str);
    else str += '';
  }
  return encodeURIComponent(str);
}
function qsUnescape(s) {
  try {
    return decodeURIComponent(s);
  } catch (e) {
    return internal.percentDecode(s);
  }
}
function stringifyPrimitive(v) {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && isFinite(v)) return `${v}`;
  if (typeof v === 'bigint') return `${v}`;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return '';
}
function stringify(obj, sep = '&', eq = '=', options) {
  const encode = (options && options.encodeURIComponent) || module.exports.escape;
  if (obj === null || typeof obj !== 'object') return '';
  const parts = [];
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    const ks = encode(stringifyPrimitive(k)) + eq;
    if (Array.isArray(v)) {
      for (const item of v) parts.push(ks + encode(stringifyPrimitive(item)));
    } else {
      parts.push(ks + encode(stringifyPrimitive(v)));
    }
  }
  return parts.join(sep);
}
function parse(qs, sep = '&', eq = '=', options) {
  const obj = Object.create(null);
  if (typeof qs !== 'string' || qs.length === 0) return obj;
  const maxKeys = options && typeof options.maxKeys === 'number' ? options.maxKeys : 1000;
  const decode = (options && options.decodeURIComponent) || module.exports.unescape;
  let parts = qs.split(sep || '&');
  if (maxKeys > 0) parts = parts.slice(0, maxKeys);
  for (const part of parts) {
    if (part === '' && parts.length > 1) continue;
    const idx = part.indexOf(eq || '=');
    const rawK = idx >= 0 ? part.slice(0, idx) : part;
    const rawV = idx >= 0 ? part.slice(idx + (eq || '=').length) : '';
    const k = decode(rawK.replace(/\+/g, ' '));
    const v = decode(rawV.replace(/\+/g, ' '));
    if (Object.prototype.hasOwnProperty.call(obj, k)) {
      if (Array.isArray(obj[k])) obj[k].push(v); else obj[k] = [obj[k], v];
    } else {
      obj[k] = v;
    }
  }
  return obj;
}
module.exports = {
  parse,
  decode: parse,
  stringify,
  encode: stringify,
  escape: qsEscape,
  unescape: qsUnescape,
  unescapeBuffer: (s) => internal.Buffer.from(internal.percentDecode(String(s))),
};
