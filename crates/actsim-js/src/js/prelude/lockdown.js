// actsim prelude, last script: the remaining Node globals (`global`, `navigator`), V8-only APIs
// that packages call (`Error.captureStackTrace`), and a last check that nothing of the host
// remains reachable.
(function (host, internal) {
  'use strict';
  const g = globalThis;
  Object.defineProperty(g, 'global', { value: g, writable: true, configurable: true, enumerable: false });
  if (typeof Error.captureStackTrace !== 'function') {
    Error.captureStackTrace = function captureStackTrace(target) {
      if (target !== null && typeof target === 'object') {
        const stack = new Error().stack;
        Object.defineProperty(target, 'stack', { value: stack, writable: true, configurable: true, enumerable: false });
      }
    };
  }
  if (typeof Error.stackTraceLimit !== 'number') Error.stackTraceLimit = 10;
  g.navigator = Object.freeze({
    userAgent: `Node.js/${internal.NODE_VERSION.slice(1).split('.')[0]}`,
    language: 'en-US',
    languages: Object.freeze(['en-US']),
    platform: 'linux',
    hardwareConcurrency: 1,
  });
  const perf = g.performance;
  perf.mark = function mark(name) { return { name, entryType: 'mark', startTime: perf.now(), duration: 0 }; };
  perf.measure = function measure(name) { return { name, entryType: 'measure', startTime: perf.now(), duration: 0 }; };
  perf.clearMarks = function clearMarks() {};
  perf.clearMeasures = function clearMeasures() {};
  perf.getEntries = function getEntries() { return []; };
  perf.getEntriesByName = function getEntriesByName() { return []; };
  perf.toJSON = function toJSON() { return { timeOrigin: perf.timeOrigin }; };
  // QuickJS-only globals that Node does not have.
  for (const name of ['os', 'std', 'bjson', 'scriptArgs', 'print', '__loadScript']) {
    if (Object.prototype.hasOwnProperty.call(g, name)) delete g[name];
  }
})(globalThis.__host, globalThis.__actsim_internal);
