// actsim prelude: the virtual `Date`. Production runs in UTC: local-time methods are made UTC,
// so that output never depends on the time zone of the machine running actsim, and the clock
// is the simulation's virtual clock.
//
// Loaded lazily (see lockdown.js), when an action first reads the global `Date` (the only way
// to make a date): the file evaluates to a function of (host, internal, globals) that puts
// `Date` in `globals`.
(function (host, internal, globals) {
  'use strict';
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
  // Local-time methods made UTC, and the local-time printers printing UTC as Node.js does
  // with TZ=UTC (natively: src/utc_dates.rs).
  host.utcDatePrototype(proto);
  VirtualDate.prototype = RealDate.prototype;
  proto.constructor = VirtualDate;
  // The prelude's clock function itself (named `now`, no parameters, like Date.now).
  VirtualDate.now = virtualNow;
  VirtualDate.parse = RealDate.parse;
  VirtualDate.UTC = RealDate.UTC;
  globals.Date = VirtualDate;
})
