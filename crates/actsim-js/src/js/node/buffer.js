// actsim: node:buffer.
'use strict';

const Buffer = internal.Buffer;
module.exports = {
  Buffer,
  SlowBuffer: Buffer,
  Blob: globalThis.Blob,
  atob: globalThis.atob,
  btoa: globalThis.btoa,
  kMaxLength: internal.kMaxLength,
  kStringMaxLength: 2 ** 29 - 24,
  constants: { MAX_LENGTH: internal.kMaxLength, MAX_STRING_LENGTH: 2 ** 29 - 24 },
  INSPECT_MAX_BYTES: 50,
  isUtf8(input) {
    try { internal.utf8Decode(internal.plainBytes(input), true); return true; } catch (e) { return false; }
  },
  isAscii(input) { return internal.plainBytes(input).every((b) => b < 128); },
};
