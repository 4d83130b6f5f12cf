// actsim: node:assert (ok, equal, strictEqual, deepStrictEqual, throws, rejects, match, ...;
// AssertionError). Messages follow Node's first line; Node's coloured diffs are not reproduced.
'use strict';

const util = require('util');
const show = (v) => util.inspect(v);

class AssertionError extends Error {
  constructor(options = {}) {
    const { message, actual, expected, operator } = options;
    super(message !== undefined ? String(message) : `${show(actual)} ${operator} ${show(expected)}`);
    this.generatedMessage = options.generatedMessage !== undefined ? options.generatedMessage : message === undefined;
    this.code = 'ERR_ASSERTION';
    this.actual = actual;
    this.expected = expected;
    this.operator = operator;
  }
  get name() { return 'AssertionError'; }
}

function fail(actual, expected, message, operator, defaultMessage) {
  if (message instanceof Error) throw message;
  throw new AssertionError({
    message: message !== undefined ? message : defaultMessage,
    generatedMessage: message === undefined,
    actual,
    expected,
    operator,
  });
}

function ok(value, message) {
  if (arguments.length === 0) {
    fail(undefined, true, message, '==', 'No value argument passed to `assert.ok()`');
  }
  if (!value) fail(value, true, message, '==', 'The expression evaluated to a falsy value:\n\n  assert.ok(' + show(value) + ')\n');
}
function assert(value, message) {
  if (arguments.length === 0) fail(undefined, true, message, '==', 'No value argument passed to `assert.ok()`');
  if (!value) fail(value, true, message, '==', 'The expression evaluated to a falsy value:\n\n  assert(' + show(value) + ')\n');
}

function equal(actual, expected, message) {
  // eslint-disable-next-line eqeqeq
  if (!(actual == expected || (actual !== actual && expected !== expected))) fail(actual, expected, message, '==', `${show(actual)} == ${show(expected)}`);
}
function notEqual(actual, expected, message) {
  // eslint-disable-next-line eqeqeq
  if (actual == expected || (actual !== actual && expected !== expected)) fail(actual, expected, message, '!=', `${show(actual)} != ${show(expected)}`);
}
function strictEqual(actual, expected, message) {
  if (!Object.is(actual, expected)) fail(actual, expected, message, 'strictEqual', `Expected values to be strictly equal:\n\n${show(actual)} !== ${show(expected)}\n`);
}
function notStrictEqual(actual, expected, message) {
  if (Object.is(actual, expected)) fail(actual, expected, message, 'notStrictEqual', `Expected "actual" to be strictly unequal to: ${show(expected)}`);
}
function deepEqual(actual, expected, message) {
  if (!internal.deepEqual(actual, expected, false)) fail(actual, expected, message, 'deepEqual', `Expected values to be loosely deep-equal:\n\n${show(actual)}\n\nshould loosely deep-equal\n\n${show(expected)}`);
}
function notDeepEqual(actual, expected, message) {
  if (internal.deepEqual(actual, expected, false)) fail(actual, expected, message, 'notDeepEqual', `"actual" deepEqual "expected"`);
}
function deepStrictEqual(actual, expected, message) {
  if (!internal.deepEqual(actual, expected, true)) fail(actual, expected, message, 'deepStrictEqual', `Expected values to be strictly deep-equal:\n+ actual - expected\n\n+ ${show(actual)}\n- ${show(expected)}`);
}
function notDeepStrictEqual(actual, expected, message) {
  if (internal.deepEqual(actual, expected, true)) fail(actual, expected, message, 'notDeepStrictEqual', `Expected "actual" not to be strictly deep-equal to: ${show(expected)}`);
}

const NO_EXCEPTION = Symbol('no exception');
function matches(actual, expected, message, fnName) {
  if (expected === undefined) return;
  if (typeof expected === 'function') {
    if (expected.prototype !== undefined && actual instanceof expected) return;
    if (Error.isPrototypeOf(expected) || expected === Error) {
      fail(actual, expected, message, fnName, `The error is expected to be an instance of "${expected.name}". Received "${actual && actual.constructor ? actual.constructor.name : typeof actual}"\n\nError message:\n\n${actual && actual.message}`);
    }
    if (expected.call({}, actual) === true) return;
    fail(actual, expected, message, fnName, `The ${fnName === 'rejects' ? 'rejection' : 'error'} validation function is expected to return "true". Received false`);
  }
  if (expected instanceof RegExp) {
    if (expected.test(String(actual))) return;
    fail(actual, expected, message, fnName, `The input did not match the regular expression ${expected}. Input:\n\n${show(String(actual))}\n`);
  }
  if (typeof expected === 'object' && expected !== null) {
    for (const key of Object.keys(expected)) {
      const want = expected[key];
      const got = actual === null || actual === undefined ? undefined : actual[key];
      if (want instanceof RegExp && typeof got === 'string') {
        if (!want.test(got)) fail(actual, expected, message, fnName, `The input did not match the regular expression ${want}. Input:\n\n${show(got)}\n`);
      } else if (!internal.deepEqual(got, want, true)) {
        fail(actual, expected, message, fnName, `Expected values to be strictly deep-equal:\n+ actual - expected\n\n  Comparison {\n+   ${key}: ${show(got)}\n-   ${key}: ${show(want)}\n  }`);
      }
    }
    return;
  }
  throw new TypeError('The "expected" argument must be of type function, RegExp or object');
}
function throws(fn, expected, message) {
  if (typeof fn !== 'function') throw new TypeError('The "fn" argument must be of type function');
  if (typeof expected === 'string') { message = expected; expected = undefined; }
  let actual = NO_EXCEPTION;
  try { fn(); } catch (e) { actual = e; }
  if (actual === NO_EXCEPTION) fail(undefined, expected, message, 'throws', `Missing expected exception${expected && expected.name ? ` (${expected.name})` : ''}.`);
  matches(actual, expected, message, 'throws');
}
function doesNotThrow(fn, expected, message) {
  try { fn(); } catch (e) {
    if (typeof expected === 'string') message = expected;
    fail(e, expected, message, 'doesNotThrow', `Got unwanted exception.\nActual message: "${e && e.message}"`);
  }
}
async function rejects(promiseFn, expected, message) {
  if (typeof expected === 'string') { message = expected; expected = undefined; }
  let actual = NO_EXCEPTION;
  try {
    await (typeof promiseFn === 'function' ? promiseFn() : promiseFn);
  } catch (e) { actual = e; }
  if (actual === NO_EXCEPTION) fail(undefined, expected, message, 'rejects', `Missing expected rejection${expected && expected.name ? ` (${expected.name})` : ''}.`);
  matches(actual, expected, message, 'rejects');
}
async function doesNotReject(promiseFn, expected, message) {
  try {
    await (typeof promiseFn === 'function' ? promiseFn() : promiseFn);
  } catch (e) {
    if (typeof expected === 'string') message = expected;
    fail(e, expected, message, 'doesNotReject', `Got unwanted rejection.\nActual message: "${e && e.message}"`);
  }
}
function match(string, regexp, message) {
  if (!(regexp instanceof RegExp)) throw new TypeError('The "regexp" argument must be an instance of RegExp.');
  if (typeof string !== 'string' || !regexp.test(string)) fail(string, regexp, message, 'match', `The input did not match the regular expression ${regexp}. Input:\n\n${show(string)}\n`);
}
function doesNotMatch(string, regexp, message) {
  if (typeof string === 'string' && regexp.test(string)) fail(string, regexp, message, 'doesNotMatch', `The input was expected to not match the regular expression ${regexp}. Input:\n\n${show(string)}\n`);
}
function ifError(err) {
  if (err !== null && err !== undefined) {
    if (err instanceof Error) throw err;
    fail(err, null, undefined, 'ifError', `ifError got unwanted exception: ${show(err)}`);
  }
}
function failFn(message = 'Failed') {
  if (message instanceof Error) throw message;
  throw new AssertionError({ message, operator: 'fail' });
}

Object.assign(assert, {
  AssertionError, ok, equal, notEqual, strictEqual, notStrictEqual, deepEqual, notDeepEqual,
  deepStrictEqual, notDeepStrictEqual, throws, doesNotThrow, rejects, doesNotReject, match,
  doesNotMatch, ifError, fail: failFn,
});
function strict(value, message) { return ok.apply(null, arguments.length ? [value, message] : []); }
Object.assign(strict, assert, {
  equal: strictEqual, notEqual: notStrictEqual, deepEqual: deepStrictEqual, notDeepEqual: notDeepStrictEqual,
});
strict.strict = strict;
assert.strict = strict;

module.exports = assert;
