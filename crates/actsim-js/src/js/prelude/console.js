// actsim prelude: console formatting, as Node's util.inspect and util.format print values (a
// subset: depth 3, no colours). `console` itself is made by prelude.js.
//
// Loaded lazily (see lockdown.js), when the action first logs (or a Node built-in needs it):
// the file evaluates to a function of (host, internal, globals) that puts `inspect` and `format`
// on `internal`.
(function (host, internal, globals) {
  'use strict';
  void host;
  void globals;
  const { RealDate } = internal;

  function inspect(value, depth, seen) {
    if (value === null) return 'null';
    const t = typeof value;
    if (t === 'string') return depth === 0 ? value : `'${value.replace(/'/g, "\\'")}'`;
    if (t === 'undefined' || t === 'number' || t === 'boolean') return String(value);
    if (t === 'bigint') return `${value}n`;
    if (t === 'symbol') return value.toString();
    if (t === 'function') return `[Function: ${value.name || '(anonymous)'}]`;
    if (value instanceof Error) return value.stack ? `${value.name}: ${value.message}\n${value.stack}`.trimEnd() : `${value.name}: ${value.message}`;
    if (value instanceof RealDate) return isNaN(value) ? 'Invalid Date' : value.toISOString();
    const custom = value[Symbol.for('nodejs.util.inspect.custom')];
    if (typeof custom === 'function') {
      const r = custom.call(value, 3 - depth, { depth: 3 - depth }, (v) => inspect(v, depth + 1, seen));
      return typeof r === 'string' ? r : inspect(r, depth, seen);
    }
    if (seen.includes(value)) return '[Circular *]';
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      const items = Array.from(value.length > 100 ? value.subarray(0, 100) : value, (v) => (typeof v === 'bigint' ? `${v}n` : String(v)));
      if (value.length > 100) items.push(`... ${value.length - 100} more items`);
      return `${value.constructor.name}(${value.length}) [${items.length ? ` ${items.join(', ')} ` : ''}]`;
    }
    if (value instanceof ArrayBuffer) return `ArrayBuffer { byteLength: ${value.byteLength} }`;
    if (depth > 3) return Array.isArray(value) ? '[Array]' : '[Object]';
    const inner = seen.concat([value]);
    if (Array.isArray(value)) {
      if (value.length === 0) return '[]';
      return `[ ${value.map((v) => inspect(v, depth + 1, inner)).join(', ')} ]`;
    }
    if (value instanceof Map) return `Map(${value.size}) { ${[...value].map(([k, v]) => `${inspect(k, depth + 1, inner)} => ${inspect(v, depth + 1, inner)}`).join(', ')} }`;
    if (value instanceof Set) return `Set(${value.size}) { ${[...value].map((v) => inspect(v, depth + 1, inner)).join(', ')} }`;
    if (value instanceof Promise) return 'Promise { <pending> }';
    const keys = Object.keys(value);
    if (keys.length === 0) return '{}';
    const body = keys.map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : `'${k}'`}: ${inspect(value[k], depth + 1, inner)}`);
    return `{ ${body.join(', ')} }`;
  }
  function format(args) {
    if (args.length === 0) return '';
    let first = args[0];
    let rest = args.slice(1);
    let out;
    if (typeof first === 'string' && rest.length > 0 && /%[sdifjoO%]/.test(first)) {
      out = first.replace(/%([sdifjoO%])/g, (m, f) => {
        if (f === '%') return '%';
        if (rest.length === 0) return m;
        const v = rest.shift();
        switch (f) {
          case 's': return typeof v === 'string' ? v : inspect(v, 1, []);
          case 'd': case 'i': return String(f === 'i' ? parseInt(v, 10) : Number(v));
          case 'f': return String(parseFloat(v));
          case 'j': try { return JSON.stringify(v); } catch (e) { return '[Circular]'; }
          default: return inspect(v, 1, []);
        }
      });
    } else {
      out = inspect(first, 0, []);
    }
    for (const v of rest) out += ' ' + inspect(v, 0, []);
    return out;
  }

  internal.inspect = inspect;
  internal.format = format;
})
