// actsim prelude: the remaining small Node globals, `navigator` and the methods of
// `performance` beyond `now()` and `timeOrigin` (prelude.js makes the object itself; marks and
// measures are not recorded).
//
// Loaded lazily (see lockdown.js): the file evaluates to a function of (host, internal,
// globals) that puts its globals in `globals`.
(function (host, internal, globals) {
  'use strict';
  globals.navigator = Object.freeze({
    userAgent: `Node.js/${internal.NODE_VERSION.slice(1).split('.')[0]}`,
    language: 'en-US',
    languages: Object.freeze(['en-US']),
    platform: 'linux',
    hardwareConcurrency: 1,
  });
  const perf = internal.performance;
  perf.mark = function mark(name) { return { name, entryType: 'mark', startTime: perf.now(), duration: 0 }; };
  perf.measure = function measure(name) { return { name, entryType: 'measure', startTime: perf.now(), duration: 0 }; };
  perf.clearMarks = function clearMarks() {};
  perf.clearMeasures = function clearMeasures() {};
  perf.getEntries = function getEntries() { return []; };
  perf.getEntriesByName = function getEntriesByName() { return []; };
  perf.toJSON = function toJSON() { return { timeOrigin: perf.timeOrigin }; };
  globals.performance = perf;
})
