// actsim prelude: the virtual `Date`. Production runs in UTC: local-time methods are made UTC,
// so that output never depends on the time zone of the machine running actsim, and the clock
// is the simulation's virtual clock.
//
// Loaded lazily (see lockdown.js), when an action first reads the global `Date` (the only way
// to make a date): the file evaluates to a function of (host, internal, globals) that puts
// `Date` in `globals`.
(function (host, internal, globals) {
  'use strict';
  void host;
  const { RealDate, now: virtualNow } = internal;
  // Production runs in UTC. Local-time methods are made UTC here, so that output never depends
  // on the time zone of the machine running actsim.
  function VirtualDate(...args) {
    if (!new.target) return new RealDate(virtualNow()).toString();
    if (args.length === 0) return Reflect.construct(RealDate, [virtualNow()], new.target);
    if (args.length >= 2) return Reflect.construct(RealDate, [RealDate.UTC(...args)], new.target);
    return Reflect.construct(RealDate, args, new.target);
  }
  const proto = RealDate.prototype;
  // Plain assignments keep the built-in methods' attributes (writable, configurable, not
  // enumerable) and cost far less than Object.defineProperty; this runs for every instance.
  proto.getFullYear = proto.getUTCFullYear;
  proto.getMonth = proto.getUTCMonth;
  proto.getDate = proto.getUTCDate;
  proto.getDay = proto.getUTCDay;
  proto.getHours = proto.getUTCHours;
  proto.getMinutes = proto.getUTCMinutes;
  proto.getSeconds = proto.getUTCSeconds;
  proto.getMilliseconds = proto.getUTCMilliseconds;
  proto.setFullYear = proto.setUTCFullYear;
  proto.setMonth = proto.setUTCMonth;
  proto.setDate = proto.setUTCDate;
  proto.setHours = proto.setUTCHours;
  proto.setMinutes = proto.setUTCMinutes;
  proto.setSeconds = proto.setUTCSeconds;
  proto.setMilliseconds = proto.setUTCMilliseconds;
  proto.getTimezoneOffset = function getTimezoneOffset() { return 0; };
  const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n) => String(n).padStart(2, '0');
  function dateString(d) {
    return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${d.getUTCFullYear()}`;
  }
  function timeString(d) {
    return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} GMT+0000 (Coordinated Universal Time)`;
  }
  const valid = (d) => !isNaN(d.getTime());
  const methods = {
    toString() { return valid(this) ? `${dateString(this)} ${timeString(this)}` : 'Invalid Date'; },
    toDateString() { return valid(this) ? dateString(this) : 'Invalid Date'; },
    toTimeString() { return valid(this) ? timeString(this) : 'Invalid Date'; },
    toLocaleString() { return valid(this) ? `${this.getUTCMonth() + 1}/${this.getUTCDate()}/${this.getUTCFullYear()}, ${this.toLocaleTimeString()}` : 'Invalid Date'; },
    toLocaleDateString() { return valid(this) ? `${this.getUTCMonth() + 1}/${this.getUTCDate()}/${this.getUTCFullYear()}` : 'Invalid Date'; },
    toLocaleTimeString() {
      if (!valid(this)) return 'Invalid Date';
      const h = this.getUTCHours();
      return `${h % 12 === 0 ? 12 : h % 12}:${two(this.getUTCMinutes())}:${two(this.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
    },
  };
  Object.assign(proto, methods);
  VirtualDate.prototype = RealDate.prototype;
  proto.constructor = VirtualDate;
  VirtualDate.now = function now() { return virtualNow(); };
  VirtualDate.parse = RealDate.parse;
  VirtualDate.UTC = RealDate.UTC;
  globals.Date = VirtualDate;
})
