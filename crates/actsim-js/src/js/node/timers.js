// actsim: node:timers and timers/promises, on actsim's virtual clock.
'use strict';

function abortError(signal) {
  const e = new Error('The operation was aborted');
  e.name = 'AbortError';
  e.code = 'ABORT_ERR';
  e.cause = signal.reason;
  return e;
}
function delay(ms, value, options) {
  const signal = options && options.signal;
  if (signal && signal.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const id = setTimeout(() => resolve(value), ms);
    if (signal) signal.addEventListener('abort', () => { clearTimeout(id); reject(abortError(signal)); }, { once: true });
  });
}
const promises = {
  setTimeout: delay,
  setImmediate: (value, options) => delay(0, value, options),
  scheduler: { wait: (ms, options) => delay(ms, undefined, options), yield: () => delay(0) },
};
module.exports = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  setImmediate: globalThis.setImmediate,
  clearImmediate: globalThis.clearImmediate,
  promises,
};
