// actsim: node:string_decoder (utf8 keeps split characters across writes; other encodings
// decode each chunk).
'use strict';

class StringDecoder {
  constructor(encoding) {
    this.encoding = internal.normalizeEncoding(encoding);
    this._utf8 = this.encoding === 'utf8' ? new TextDecoder('utf-8') : null;
    this._pending = null;
  }
  write(buf) {
    if (typeof buf === 'string') return buf;
    const bytes = internal.plainBytes(buf);
    if (this._utf8) return this._utf8.decode(bytes, { stream: true });
    if (this.encoding === 'base64' || this.encoding === 'base64url') {
      let all = bytes;
      if (this._pending) { all = new Uint8Array(this._pending.length + bytes.length); all.set(this._pending); all.set(bytes, this._pending.length); }
      const keep = all.length % 3;
      this._pending = keep ? all.slice(all.length - keep) : null;
      return internal.decodeBytes(all.subarray(0, all.length - keep), this.encoding);
    }
    return internal.decodeBytes(bytes, this.encoding);
  }
  end(buf) {
    let out = buf === undefined ? '' : this.write(buf);
    if (this._utf8) out += this._utf8.decode();
    else if (this._pending) { out += internal.decodeBytes(this._pending, this.encoding); this._pending = null; }
    return out;
  }
}
module.exports = { StringDecoder };
