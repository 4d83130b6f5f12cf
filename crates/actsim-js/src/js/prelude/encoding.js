// actsim prelude: bytes and text. TextEncoder/TextDecoder (UTF-8, UTF-16LE), Buffer (a
// Uint8Array subclass with Node's encodings), Blob, structuredClone. Encoding work is native
// (host.utf8Encode, base64Encode, ...); this file shapes it like Node 22.
//
// Loaded lazily (see lockdown.js): the file evaluates to a function of (host, internal,
// globals) that puts its globals in `globals` and its helpers on `internal`.
(function (host, internal, globals) {
  'use strict';

  // ---------------------------------------------------------------- helpers shared with others
  const wellFormed = typeof String.prototype.toWellFormed === 'function'
    ? (s) => s.toWellFormed()
    : (s) => s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/g, (m) => (m.length === 2 ? `${m[0]}\uFFFD` : '\uFFFD'));
  function utf8Encode(s) { return host.utf8Encode(wellFormed(String(s))); }
  function utf8Decode(bytes, fatal) { return host.utf8Decode(plainBytes(bytes), !!fatal); }
  // A Uint8Array over the same memory as any ArrayBuffer or view, or null.
  function bytesView(x) {
    if (x instanceof Uint8Array) return x;
    if (x instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && x instanceof SharedArrayBuffer)) return new Uint8Array(x);
    if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    return null;
  }
  // A plain Uint8Array (natives expect exactly that type's layout; subclasses are fine too).
  function plainBytes(x) {
    const v = bytesView(x);
    if (v === null) throw new TypeError('The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView.');
    return v;
  }
  function latin1Encode(s) {
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
    return out;
  }
  function latin1Decode(bytes) {
    let out = '';
    for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
    return out;
  }
  function asciiDecode(bytes) {
    let out = '';
    for (let i = 0; i < bytes.length; i++) out += String.fromCharCode(bytes[i] & 0x7f);
    return out;
  }
  function utf16leEncode(s) {
    const out = new Uint8Array(s.length * 2);
    for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i); out[2 * i] = c & 0xff; out[2 * i + 1] = c >> 8; }
    return out;
  }
  function utf16leDecode(bytes) {
    let out = '';
    for (let i = 0; i + 1 < bytes.length; i += 2) out += String.fromCharCode(bytes[i] | (bytes[i + 1] << 8));
    return out;
  }
  const ENCODINGS = {
    utf8: 'utf8', 'utf-8': 'utf8', hex: 'hex', base64: 'base64', base64url: 'base64url',
    latin1: 'latin1', binary: 'latin1', ascii: 'ascii', ucs2: 'utf16le', 'ucs-2': 'utf16le',
    utf16le: 'utf16le', 'utf-16le': 'utf16le',
  };
  function normalizeEncoding(enc) {
    if (enc === undefined || enc === null || enc === '') return 'utf8';
    const e = ENCODINGS[String(enc).toLowerCase()];
    if (!e) {
      const err = new TypeError(`Unknown encoding: ${enc}`);
      err.code = 'ERR_UNKNOWN_ENCODING';
      throw err;
    }
    return e;
  }
  function encodeString(s, enc) {
    switch (normalizeEncoding(enc)) {
      case 'utf8': return utf8Encode(s);
      case 'hex': return host.hexDecode(s);
      case 'base64': case 'base64url': return host.base64Decode(s);
      case 'latin1': case 'ascii': return latin1Encode(s);
      case 'utf16le': return utf16leEncode(s);
    }
  }
  function decodeBytes(bytes, enc) {
    switch (normalizeEncoding(enc)) {
      case 'utf8': return host.utf8Decode(bytes, false);
      case 'hex': return host.hexEncode(bytes);
      case 'base64': return host.base64Encode(bytes, false, true);
      case 'base64url': return host.base64Encode(bytes, true, false);
      case 'latin1': return latin1Decode(bytes);
      case 'ascii': return asciiDecode(bytes);
      case 'utf16le': return utf16leDecode(bytes);
    }
  }
  internal.utf8Encode = utf8Encode;
  internal.utf8Decode = utf8Decode;
  internal.bytesView = bytesView;
  internal.plainBytes = plainBytes;
  internal.encodeString = encodeString;
  internal.decodeBytes = decodeBytes;
  internal.normalizeEncoding = normalizeEncoding;
  internal.base64url = (bytes) => host.base64Encode(plainBytes(bytes), true, false);

  // ---------------------------------------------------------------- TextEncoder / TextDecoder
  class TextEncoder {
    get encoding() { return 'utf-8'; }
    encode(input = '') { return new Uint8Array(utf8Encode(input)); }
    encodeInto(src, dest) {
      const bytes = utf8Encode(src);
      let n = Math.min(bytes.length, dest.length);
      // Never cut a character in half.
      while (n > 0 && n < bytes.length && (bytes[n] & 0xc0) === 0x80) n--;
      dest.set(bytes.subarray(0, n));
      const read = utf8Decode(bytes.subarray(0, n), false).length;
      return { read, written: n };
    }
  }
  const DECODER_LABELS = {
    'utf-8': 'utf-8', utf8: 'utf-8', 'unicode-1-1-utf-8': 'utf-8',
    'utf-16le': 'utf-16le', 'utf-16': 'utf-16le',
  };
  // Length of an incomplete UTF-8 sequence at the end of `b` (to keep for the next chunk).
  function incompleteTail(b) {
    for (let i = 1; i <= Math.min(3, b.length); i++) {
      const c = b[b.length - i];
      if ((c & 0xc0) === 0x80) continue;
      const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
      return need > i ? i : 0;
    }
    return 0;
  }
  class TextDecoder {
    constructor(label = 'utf-8', options = {}) {
      const enc = DECODER_LABELS[String(label).trim().toLowerCase()];
      if (!enc) {
        const e = new RangeError(`The "${label}" encoding is not supported`);
        e.code = 'ERR_ENCODING_NOT_SUPPORTED';
        throw e;
      }
      this._encoding = enc;
      this._fatal = !!(options && options.fatal);
      this._ignoreBOM = !!(options && options.ignoreBOM);
      this._pending = new Uint8Array(0);
      this._bomSeen = false;
    }
    get encoding() { return this._encoding; }
    get fatal() { return this._fatal; }
    get ignoreBOM() { return this._ignoreBOM; }
    decode(input, options = {}) {
      let bytes = input === undefined ? new Uint8Array(0) : bytesView(input);
      if (bytes === null) throw new TypeError('The "input" argument must be an instance of ArrayBuffer or ArrayBufferView.');
      if (this._pending.length) {
        const joined = new Uint8Array(this._pending.length + bytes.length);
        joined.set(this._pending);
        joined.set(bytes, this._pending.length);
        bytes = joined;
        this._pending = new Uint8Array(0);
      }
      const stream = !!(options && options.stream);
      let text;
      if (this._encoding === 'utf-16le') {
        if (stream && bytes.length % 2) { this._pending = bytes.slice(bytes.length - 1); bytes = bytes.subarray(0, bytes.length - 1); }
        text = utf16leDecode(bytes);
      } else {
        if (stream) {
          const tail = incompleteTail(bytes);
          if (tail) { this._pending = bytes.slice(bytes.length - tail); bytes = bytes.subarray(0, bytes.length - tail); }
        }
        text = host.utf8Decode(bytes, this._fatal);
      }
      if (!this._ignoreBOM && !this._bomSeen && text.length) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        this._bomSeen = true;
      }
      if (!stream) this._bomSeen = false;
      return text;
    }
  }
  globals.TextEncoder = TextEncoder;
  globals.TextDecoder = TextDecoder;

  // ---------------------------------------------------------------- Buffer
  const kMaxLength = 2 ** 32;
  function rangeCheck(n, name) {
    if (typeof n !== 'number' || n < 0 || n > kMaxLength || n !== n) {
      const e = new RangeError(`The value of "${name}" is out of range. It must be >= 0 && <= ${kMaxLength}. Received ${n}`);
      e.code = 'ERR_OUT_OF_RANGE';
      throw e;
    }
  }
  class Buffer extends Uint8Array {
    constructor(arg, offsetOrEncoding, length) {
      if (typeof arg === 'number') { super(arg); return; }
      if (typeof arg === 'string') return Buffer.from(arg, offsetOrEncoding);
      if (arg instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && arg instanceof SharedArrayBuffer)) {
        super(arg, offsetOrEncoding === undefined ? 0 : offsetOrEncoding, length === undefined ? arg.byteLength - (offsetOrEncoding || 0) : length);
        return;
      }
      super(arg);
    }
    static from(value, encodingOrOffset, length) {
      if (typeof value === 'string') return fromBytes(encodeString(value, encodingOrOffset));
      if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer)) {
        const offset = encodingOrOffset === undefined ? 0 : Number(encodingOrOffset) || 0;
        const len = length === undefined ? value.byteLength - offset : Number(length) || 0;
        return new Buffer(value, offset, len);
      }
      if (ArrayBuffer.isView(value)) {
        const src = bytesView(value);
        const out = Buffer.alloc(src.length);
        out.set(src);
        return out;
      }
      if (value === null || value === undefined) {
        throw new TypeError(`The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object. Received ${value}`);
      }
      if (typeof value === 'object') {
        if (typeof value.valueOf === 'function') {
          const prim = value.valueOf();
          if (prim !== value && prim !== null && prim !== undefined && (typeof prim === 'string' || typeof prim === 'object')) return Buffer.from(prim, encodingOrOffset, length);
        }
        if (value.type === 'Buffer' && Array.isArray(value.data)) return fromArrayLike(value.data);
        if (typeof value.length === 'number') return fromArrayLike(value);
        if (typeof value[Symbol.toPrimitive] === 'function') return Buffer.from(value[Symbol.toPrimitive]('string'), encodingOrOffset);
      }
      throw new TypeError(`The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object. Received type ${typeof value}`);
    }
    static alloc(size, fill, encoding) {
      rangeCheck(size, 'size');
      const b = new Buffer(size);
      if (fill !== undefined && fill !== 0) b.fill(fill, 0, b.length, encoding);
      return b;
    }
    static allocUnsafe(size) { rangeCheck(size, 'size'); return new Buffer(size); }
    static allocUnsafeSlow(size) { rangeCheck(size, 'size'); return new Buffer(size); }
    static isBuffer(b) { return b instanceof Buffer; }
    static isEncoding(enc) { return typeof enc === 'string' && enc !== '' && Object.prototype.hasOwnProperty.call(ENCODINGS, enc.toLowerCase()); }
    static byteLength(value, encoding) {
      if (typeof value !== 'string') {
        const v = bytesView(value);
        if (v === null) throw new TypeError('The "string" argument must be of type string or an instance of Buffer or ArrayBuffer.');
        return v.byteLength;
      }
      return encodeString(value, encoding).length;
    }
    static concat(list, totalLength) {
      if (!Array.isArray(list)) throw new TypeError('The "list" argument must be an instance of Array.');
      const total = totalLength === undefined ? list.reduce((n, b) => n + b.length, 0) : totalLength;
      const out = Buffer.alloc(total);
      let pos = 0;
      for (const item of list) {
        const v = bytesView(item);
        if (v === null) throw new TypeError('The "list" argument must contain only Buffer or Uint8Array instances.');
        if (pos >= total) break;
        const part = v.subarray(0, total - pos);
        out.set(part, pos);
        pos += part.length;
      }
      return out;
    }
    static compare(a, b) {
      const x = plainBytes(a); const y = plainBytes(b);
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
      return x.length < y.length ? -1 : x.length > y.length ? 1 : 0;
    }
    toString(encoding, start = 0, end = this.length) {
      start = Math.max(0, start | 0); end = Math.min(this.length, end === undefined ? this.length : end | 0);
      if (end <= start) return '';
      return decodeBytes(new Uint8Array(this.buffer, this.byteOffset + start, end - start), encoding);
    }
    toLocaleString(encoding, start, end) { return this.toString(encoding, start, end); }
    toJSON() { return { type: 'Buffer', data: Array.from(this) }; }
    equals(other) {
      if (!(other instanceof Uint8Array)) throw new TypeError('The "otherBuffer" argument must be an instance of Buffer or Uint8Array.');
      return Buffer.compare(this, other) === 0;
    }
    compare(target, targetStart = 0, targetEnd = target.length, sourceStart = 0, sourceEnd = this.length) {
      return Buffer.compare(this.subarray(sourceStart, sourceEnd), plainBytes(target).subarray(targetStart, targetEnd));
    }
    copy(target, targetStart = 0, sourceStart = 0, sourceEnd = this.length) {
      const src = this.subarray(sourceStart, Math.min(sourceEnd, sourceStart + (target.length - targetStart)));
      target.set(src, targetStart);
      return src.length;
    }
    slice(start, end) { return this.subarray(start, end); }
    subarray(start, end) {
      const v = Uint8Array.prototype.subarray.call(this, start, end);
      return new Buffer(v.buffer, v.byteOffset, v.length);
    }
    write(string, offset, length, encoding) {
      if (typeof offset === 'string') { encoding = offset; offset = 0; length = undefined; }
      else if (typeof length === 'string') { encoding = length; length = undefined; }
      offset = offset === undefined ? 0 : offset >>> 0;
      const bytes = encodeString(string, encoding);
      const n = Math.min(bytes.length, this.length - offset, length === undefined ? Infinity : length);
      this.set(bytes.subarray(0, n), offset);
      return n;
    }
    fill(value, offset = 0, end = this.length, encoding) {
      if (typeof offset === 'string') { encoding = offset; offset = 0; end = this.length; }
      if (typeof value === 'string') {
        const bytes = value.length === 1 && normalizeEncoding(encoding) === 'utf8' && value.charCodeAt(0) < 128 ? [value.charCodeAt(0)] : encodeString(value, encoding);
        if (bytes.length === 0) return Uint8Array.prototype.fill.call(this, 0, offset, end);
        for (let i = offset, j = 0; i < end; i++, j = (j + 1) % bytes.length) this[i] = bytes[j];
        return this;
      }
      if (ArrayBuffer.isView(value)) {
        const bytes = bytesView(value);
        for (let i = offset, j = 0; i < end; i++, j = (j + 1) % bytes.length) this[i] = bytes[j];
        return this;
      }
      return Uint8Array.prototype.fill.call(this, Number(value) & 255, offset, end);
    }
    indexOf(value, byteOffset = 0, encoding) {
      if (typeof value === 'number') return Uint8Array.prototype.indexOf.call(this, value & 255, byteOffset);
      const needle = typeof value === 'string' ? encodeString(value, encoding) : plainBytes(value);
      if (byteOffset < 0) byteOffset = Math.max(0, this.length + byteOffset);
      if (needle.length === 0) return Math.min(byteOffset, this.length);
      outer: for (let i = byteOffset; i + needle.length <= this.length; i++) {
        for (let j = 0; j < needle.length; j++) if (this[i + j] !== needle[j]) continue outer;
        return i;
      }
      return -1;
    }
    lastIndexOf(value, byteOffset, encoding) {
      const needle = typeof value === 'number' ? [value & 255] : typeof value === 'string' ? encodeString(value, encoding) : plainBytes(value);
      let start = byteOffset === undefined ? this.length - needle.length : Math.min(byteOffset, this.length - needle.length);
      outer: for (let i = start; i >= 0; i--) {
        for (let j = 0; j < needle.length; j++) if (this[i + j] !== needle[j]) continue outer;
        return i;
      }
      return -1;
    }
    includes(value, byteOffset, encoding) { return this.indexOf(value, byteOffset, encoding) !== -1; }
    get parent() { return this.buffer; }
    get offset() { return this.byteOffset; }
    _view() { return new DataView(this.buffer, this.byteOffset, this.byteLength); }
    readUInt8(o = 0) { return this._view().getUint8(o); }
    readInt8(o = 0) { return this._view().getInt8(o); }
    readUInt16BE(o = 0) { return this._view().getUint16(o, false); }
    readUInt16LE(o = 0) { return this._view().getUint16(o, true); }
    readInt16BE(o = 0) { return this._view().getInt16(o, false); }
    readInt16LE(o = 0) { return this._view().getInt16(o, true); }
    readUInt32BE(o = 0) { return this._view().getUint32(o, false); }
    readUInt32LE(o = 0) { return this._view().getUint32(o, true); }
    readInt32BE(o = 0) { return this._view().getInt32(o, false); }
    readInt32LE(o = 0) { return this._view().getInt32(o, true); }
    readBigUInt64BE(o = 0) { return this._view().getBigUint64(o, false); }
    readBigUInt64LE(o = 0) { return this._view().getBigUint64(o, true); }
    readDoubleBE(o = 0) { return this._view().getFloat64(o, false); }
    readDoubleLE(o = 0) { return this._view().getFloat64(o, true); }
    readFloatBE(o = 0) { return this._view().getFloat32(o, false); }
    readFloatLE(o = 0) { return this._view().getFloat32(o, true); }
    writeUInt8(v, o = 0) { this._view().setUint8(o, v); return o + 1; }
    writeInt8(v, o = 0) { this._view().setInt8(o, v); return o + 1; }
    writeUInt16BE(v, o = 0) { this._view().setUint16(o, v, false); return o + 2; }
    writeUInt16LE(v, o = 0) { this._view().setUint16(o, v, true); return o + 2; }
    writeInt16BE(v, o = 0) { this._view().setInt16(o, v, false); return o + 2; }
    writeInt16LE(v, o = 0) { this._view().setInt16(o, v, true); return o + 2; }
    writeUInt32BE(v, o = 0) { this._view().setUint32(o, v, false); return o + 4; }
    writeUInt32LE(v, o = 0) { this._view().setUint32(o, v, true); return o + 4; }
    writeInt32BE(v, o = 0) { this._view().setInt32(o, v, false); return o + 4; }
    writeInt32LE(v, o = 0) { this._view().setInt32(o, v, true); return o + 4; }
    writeDoubleBE(v, o = 0) { this._view().setFloat64(o, v, false); return o + 8; }
    writeDoubleLE(v, o = 0) { this._view().setFloat64(o, v, true); return o + 8; }
    readUIntBE(o, n) { let v = 0; for (let i = 0; i < n; i++) v = v * 256 + this[o + i]; return v; }
    readUIntLE(o, n) { let v = 0; for (let i = n - 1; i >= 0; i--) v = v * 256 + this[o + i]; return v; }
  }
  for (const [alias, name] of [['readUint8', 'readUInt8'], ['readUint16BE', 'readUInt16BE'], ['readUint16LE', 'readUInt16LE'], ['readUint32BE', 'readUInt32BE'], ['readUint32LE', 'readUInt32LE'], ['writeUint8', 'writeUInt8'], ['writeUint16BE', 'writeUInt16BE'], ['writeUint16LE', 'writeUInt16LE'], ['writeUint32BE', 'writeUInt32BE'], ['writeUint32LE', 'writeUInt32LE'], ['readBigUint64BE', 'readBigUInt64BE'], ['readBigUint64LE', 'readBigUInt64LE']]) {
    Object.defineProperty(Buffer.prototype, alias, { value: Buffer.prototype[name], writable: true, configurable: true });
  }
  Object.defineProperty(Buffer.prototype, '_view', { enumerable: false });
  Buffer.poolSize = 8192;
  function fromBytes(bytes) {
    return new Buffer(bytes.buffer, bytes.byteOffset, bytes.length);
  }
  function fromArrayLike(arr) {
    const out = Buffer.alloc(arr.length >>> 0);
    for (let i = 0; i < out.length; i++) out[i] = arr[i] & 255;
    return out;
  }
  // Node's inspect shows <Buffer 68 69>.
  Object.defineProperty(Buffer.prototype, Symbol.for('nodejs.util.inspect.custom'), {
    value: function inspect() {
      const hex = Array.from(this.subarray(0, 50), (b) => b.toString(16).padStart(2, '0')).join(' ');
      return `<Buffer${hex ? ` ${hex}` : ''}${this.length > 50 ? ` ... ${this.length - 50} more bytes` : ''}>`;
    },
    configurable: true,
    writable: true,
  });
  Buffer.kMaxLength = kMaxLength;
  globals.Buffer = Buffer;
  internal.Buffer = Buffer;
  internal.kMaxLength = kMaxLength;

  // ---------------------------------------------------------------- Blob
  class Blob {
    constructor(parts = [], options = {}) {
      const chunks = [];
      for (const p of parts) {
        if (p instanceof Blob) chunks.push(p._bytes);
        else if (typeof p === 'string') chunks.push(utf8Encode(p));
        else { const v = bytesView(p); chunks.push(v ? v.slice() : utf8Encode(String(p))); }
      }
      const total = chunks.reduce((n, c) => n + c.length, 0);
      this._bytes = new Uint8Array(total);
      let pos = 0;
      for (const c of chunks) { this._bytes.set(c, pos); pos += c.length; }
      this._type = options && options.type ? String(options.type).toLowerCase() : '';
    }
    get size() { return this._bytes.length; }
    get type() { return this._type; }
    text() { return Promise.resolve(utf8Decode(this._bytes, false)); }
    arrayBuffer() { return Promise.resolve(this._bytes.slice().buffer); }
    bytes() { return Promise.resolve(this._bytes.slice()); }
    slice(start, end, type) { const b = new Blob([this._bytes.slice(start, end)], { type }); return b; }
    get [Symbol.toStringTag]() { return 'Blob'; }
  }
  globals.Blob = Blob;

  // ---------------------------------------------------------------- structuredClone
  function dataCloneError(what) {
    const e = new Error(`${what} could not be cloned.`);
    e.name = 'DataCloneError';
    e.code = 25;
    return e;
  }
  function clone(v, seen) {
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'function') throw dataCloneError(String(v).slice(0, 60));
      if (typeof v === 'symbol') throw dataCloneError(String(v));
      return v;
    }
    if (seen.has(v)) return seen.get(v);
    let out;
    if (v instanceof internal.RealDate) { out = new internal.RealDate(v.getTime()); seen.set(v, out); return out; }
    if (v instanceof RegExp) { out = new RegExp(v.source, v.flags); seen.set(v, out); return out; }
    if (v instanceof ArrayBuffer) { out = v.slice(0); seen.set(v, out); return out; }
    if (ArrayBuffer.isView(v)) {
      const buf = clone(v.buffer, seen);
      const Ctor = v instanceof Buffer ? Uint8Array : v.constructor;
      out = v instanceof DataView ? new DataView(buf, v.byteOffset, v.byteLength) : new Ctor(buf, v.byteOffset, v.length);
      seen.set(v, out);
      return out;
    }
    if (v instanceof Map) { out = new Map(); seen.set(v, out); for (const [k, x] of v) out.set(clone(k, seen), clone(x, seen)); return out; }
    if (v instanceof Set) { out = new Set(); seen.set(v, out); for (const x of v) out.add(clone(x, seen)); return out; }
    if (v instanceof Error) {
      const Ctor = { EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError }[v.name] || Error;
      out = new Ctor(v.message);
      seen.set(v, out);
      if (v.stack !== undefined) out.stack = v.stack;
      if ('cause' in v) out.cause = clone(v.cause, seen);
      return out;
    }
    if (v instanceof Blob) { out = new Blob([v._bytes], { type: v.type }); seen.set(v, out); return out; }
    if (v instanceof Boolean || v instanceof Number || v instanceof String) { out = Object(v.valueOf()); seen.set(v, out); return out; }
    if (v instanceof Promise || v instanceof WeakMap || v instanceof WeakSet) throw dataCloneError(`#<${v.constructor.name}>`);
    if (Array.isArray(v)) {
      out = new Array(v.length);
      seen.set(v, out);
      for (const k of Object.keys(v)) out[k] = clone(v[k], seen);
      return out;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== null && proto !== Object.prototype && typeof proto.constructor === 'function' && host.isNativeFunction(proto.constructor) && proto.constructor !== Object) {
      throw dataCloneError(`#<${proto.constructor.name}>`);
    }
    out = {};
    seen.set(v, out);
    for (const k of Object.keys(v)) out[k] = clone(v[k], seen);
    return out;
  }
  globals.structuredClone = function structuredClone(value, options) {
    if (arguments.length === 0) throw new TypeError('The "value" argument must be specified');
    void options;
    return clone(value, new Map());
  };
})
