// The zoomed timeline: given a section's zoom data (detail.rs) and a time window, the SVG of
// that window drawn with the detail the data holds: every execution, mark and arrow of the
// window when the data is raw and they are few, otherwise one aggregated mark per bucket of
// at least 4 pixels (or per fine data bucket, when those are wider), with data-count.
window.actsimZoom = (function () {
  "use strict";
  var OUTCOMES = ["failed", "denied", "redirect", "unfinished", "completed", "other"];
  // Above this many items of one kind on one lane in the window, they are aggregated.
  var CAP = 240;
  var AGG = 4;
  var ARROW_CAP = 300;
  var STEPS = [1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5, 36e5, 72e5,
    108e5, 216e5, 432e5, 864e5, 1728e5, 6048e5];

  // Undo the difference encoding of the first number of each tuple of `size` numbers.
  var tuples = function (flat, size) {
    var out = [];
    var prev = 0;
    for (var i = 0; i + size <= flat.length; i += size) {
      var t = flat.slice(i, i + size);
      prev += t[0];
      t[0] = prev;
      out.push(t);
    }
    return out;
  };

  var parse = function (text) {
    var d = JSON.parse(text);
    var raw = d.mode === "raw";
    d.execs = d.execs.map(function (flat) {
      return tuples(flat, raw ? 5 : 3);
    });
    d.marks.forEach(function (k) {
      k.lanes = k.lanes.map(function (flat) {
        return tuples(flat, 2);
      });
    });
    d.arrows = tuples(d.arrows, 7);
    return d;
  };

  // "<name class=\"a b\"": the classes joined at run time, so that the script's own text
  // never looks like a drawn mark to a tool counting marks in the page's source.
  var open = function (name, classes) {
    return "<" + name + " class=\"" + classes.join(" ") + "\"";
  };
  var esc = function (s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  };
  var f = function (v) {
    return String(Math.round(v * 10) / 10);
  };
  var dur = function (ms) {
    if (ms < 1000) {
      return ms + "ms";
    }
    var s = Math.floor(ms / 1000);
    var out = "";
    if (s >= 86400) {
      out += Math.floor(s / 86400) + "d";
      s %= 86400;
    }
    if (s >= 3600) {
      out += Math.floor(s / 3600) + "h";
      s %= 3600;
    }
    if (s >= 60) {
      out += Math.floor(s / 60) + "m";
      s %= 60;
    }
    if (s > 0 || out === "") {
      out += s + "s";
    }
    return out;
  };

  // The marker's shape centred at x, as Kind::shape draws it.
  var shape = function (kind, x, attrs, title) {
    var t = "<title>" + esc(title) + "</title>";
    switch (kind) {
      case "cache-hit":
      case "cache-miss":
        return "<circle " + attrs + ' cx="' + f(x) + '" cy="12.5" r="3">' + t + "</circle>";
      case "cache-error":
        return "<rect " + attrs + ' x="' + f(x - 3) + '" y="9.5" width="6" height="6">' + t + "</rect>";
      case "evicted":
        return "<rect " + attrs + ' x="' + f(x - 2.5) + '" y="10" width="5" height="5">' + t + "</rect>";
      case "token":
        return "<polygon " + attrs + ' points="' + f(x) + ",32 " + f(x + 4) + ",36 " + f(x) + ",40 " + f(x - 4) + ',36">' + t + "</polygon>";
      case "warning":
        return "<polygon " + attrs + ' points="' + f(x) + ",0.5 " + f(x + 4.5) + ",8 " + f(x - 4.5) + ',8">' + t + "</polygon>";
      default:
        return "<path " + attrs + ' d="M' + f(x - 4) + ",20 L" + f(x + 4) + ",28 M" + f(x - 4) + ",28 L" + f(x + 4) + ',20">' + t + "</path>";
    }
  };

  var draw = function (d, a, b) {
    var g = d.geom;
    var LEFT = g[0], PLOT_W = g[1], RIGHT = g[2], TOP = g[3], LANE_H = g[4], BAR_MID = g[5], BOTTOM = g[6];
    var A = a - d.t0;
    var B = b - d.t0;
    var x = function (t) {
      return LEFT + (t - A) / (B - A) * PLOT_W;
    };
    var clamp = function (t) {
      return Math.max(A, Math.min(B, t));
    };
    var when = function (t) {
      return new Date(d.t0 + t).toISOString().slice(11, 23) + " (+" + dur(d.t0 + t - d.origin) + ")";
    };
    var width = LEFT + PLOT_W + RIGHT;
    var height = TOP + LANE_H * d.lanes.length + BOTTOM;
    var raw = d.mode === "raw";
    var res = d.res;
    // Width of one aggregation bucket in pixels: 4, or a fine data bucket when wider.
    var aggPx = raw ? AGG : Math.max(AGG, res / (B - A) * PLOT_W);
    // The last bucket ends at the plot's right edge (a time at the window's end falls in it).
    var lastAgg = Math.max(Math.ceil(PLOT_W / aggPx) - 1, 0);
    var aggOf = function (t) {
      return Math.min(Math.floor((x(t) - LEFT) / aggPx), lastAgg);
    };
    var aggRange = function (k) {
      var per = (B - A) / PLOT_W * aggPx;
      return [A + k * per, Math.min(B, A + (k + 1) * per)];
    };
    var out = [];
    out.push(open("svg", ["timeline", "zoomed"]) + ' viewBox="0 0 ' + f(width) + " " + f(height) + '" width="' + f(width) + '" height="' + f(height) +
      '" role="img" aria-label="timeline of the chosen time window" data-t0="' + a + '" data-t1="' + b + '" data-mode="' + d.mode + '">');
    // The axis at a round step.
    var step = STEPS[STEPS.length - 1];
    for (var s = 0; s < STEPS.length; s++) {
      if ((b - a) / STEPS[s] <= 12) {
        step = STEPS[s];
        break;
      }
    }
    out.push(open("g", ["axis"]) + ">");
    for (var tt = Math.ceil(a / step) * step; tt <= b; tt += step) {
      var iso = new Date(tt).toISOString();
      var label = step >= 864e5 ? iso.slice(0, 10) : step >= 6e4 ? iso.slice(11, 16) : iso.slice(11, 19);
      var gx = f(x(tt - d.t0));
      out.push(open("line", ["grid"]) + ' x1="' + gx + '" y1="' + f(TOP - 6) + '" x2="' + gx + '" y2="' + f(height - BOTTOM) + '"/>' + open("text", ["tick"]) + ' x="' + gx + '" y="' + f(TOP - 10) + '">' + label + "</text>");
    }
    out.push("</g>");
    // Aggregated marks of one lane: counts (and worst outcome) per bucket.
    var aggregate = function (items, timeOf, countOf, worstOf) {
      var buckets = {};
      var keys = [];
      items.forEach(function (it) {
        var k = aggOf(timeOf(it));
        if (!(k in buckets)) {
          buckets[k] = [0, 5];
          keys.push(k);
        }
        buckets[k][0] += countOf(it);
        buckets[k][1] = Math.min(buckets[k][1], worstOf(it));
      });
      return keys.map(function (k) {
        return [k, buckets[k][0], buckets[k][1]];
      });
    };
    d.lanes.forEach(function (lane, i) {
      out.push(open("g", ["lane"]) + ' data-instance="' + lane.n + '" transform="translate(0,' + f(TOP + LANE_H * i) + ')">');
      out.push(open("rect", i % 2 === 1 ? ["lane-bg", "odd"] : ["lane-bg"]) + ' x="0" y="0" width="' + f(width) + '" height="' + f(LANE_H) + '"/>');
      out.push(open("text", ["lane-label"]) + ' x="8" y="28">' + esc(lane.label) + "</text>");
      var down = lane.down === null ? B : lane.down;
      if (lane.up <= B && down >= A) {
        var sx = x(clamp(lane.up));
        out.push(open("rect", ["span"]) + ' x="' + f(sx) + '" y="15" width="' + f(Math.max(x(clamp(down)) - sx, 1)) + '" height="18" rx="3"><title>' +
          esc(lane.label + ": up " + when(lane.up) + (lane.down === null ? " · still up at the end of the run" : " · down " + when(lane.down))) + "</title></rect>");
      }
      if (lane.down !== null && lane.down >= A && lane.down <= B) {
        out.push(open("line", ["down"]) + ' x1="' + f(x(lane.down)) + '" y1="11" x2="' + f(x(lane.down)) + '" y2="37"/>');
      }
      // Executions.
      var execs = d.execs[i];
      if (raw) {
        var inWin = execs.filter(function (e) {
          return e[0] <= B && e[0] + e[1] >= A;
        });
        if (inWin.length <= CAP) {
          inWin.forEach(function (e) {
            var x1 = x(clamp(e[0]));
            var outcome = OUTCOMES[e[2]] || "other";
            out.push(open("rect", e[4] ? ["exec", outcome, "cold"] : ["exec", outcome]) + ' data-login="' + e[3] + '" x="' + f(x1) + '" y="18" width="' +
              f(Math.max(x(clamp(e[0] + e[1])) - x1, 2.5)) + '" height="12"><title>' +
              esc("login " + e[3] + " · " + lane.label + (e[4] ? " · cold start" : "") + "\n" + when(e[0]) + " → " + when(e[0] + e[1]) + " · " + dur(e[1]) + " virtual\noutcome: " + outcome) +
              "</title></rect>");
          });
          execs = null;
        } else {
          execs = aggregate(inWin, function (e) { return Math.max(e[0], A); }, function () { return 1; }, function (e) { return e[2]; });
        }
      } else {
        execs = aggregate(execs.filter(function (e) {
          return e[0] * res <= B && (e[0] + 1) * res >= A;
        }), function (e) { return clamp(e[0] * res); }, function (e) { return e[1]; }, function (e) { return e[2]; });
      }
      if (execs) {
        var max = 1;
        execs.forEach(function (e) {
          max = Math.max(max, e[1]);
        });
        execs.forEach(function (e) {
          var r = aggRange(e[0]);
          var worst = OUTCOMES[e[2]] || "other";
          out.push(open("rect", ["exec", "agg", worst]) + ' data-count="' + e[1] + '" x="' + f(LEFT + e[0] * aggPx) + '" y="18" width="' + f(Math.max(Math.min(aggPx - 0.5, PLOT_W - e[0] * aggPx), 0.5)) +
            '" height="12" fill-opacity="' + (0.35 + 0.65 * e[1] / max).toFixed(2) + '"><title>' +
            esc(e[1] + " executions starting " + when(r[0]) + " – " + when(r[1]) + " (worst outcome: " + worst + ")") + "</title></rect>");
        });
      }
      // Point markers.
      d.marks.forEach(function (k) {
        var marks = k.lanes[i].filter(function (mk) {
          return raw ? mk[0] >= A && mk[0] <= B : mk[0] * res <= B && (mk[0] + 1) * res >= A;
        });
        if (raw && marks.length <= CAP) {
          marks.forEach(function (mk) {
            var login = mk[1] >= 0 ? ' data-login="' + mk[1] + '"' : "";
            out.push(shape(k.kind, x(mk[0]), 'class="' + ["marker", k.kind].join(" ") + '"' + login,
              (mk[1] >= 0 ? "login " + mk[1] + " · " : "") + k.kind + " · " + when(mk[0])));
          });
          return;
        }
        aggregate(marks, function (mk) { return raw ? mk[0] : clamp(mk[0] * res); }, function (mk) { return raw ? 1 : mk[1]; }, function () { return 5; })
          .forEach(function (bk) {
            var r = aggRange(bk[0]);
            out.push(shape(k.kind, LEFT + Math.min((bk[0] + 0.5) * aggPx, PLOT_W - 0.5), 'class="' + ["marker", k.kind, "agg"].join(" ") + '" data-count="' + bk[1] + '"',
              bk[1] + " × " + k.kind + " " + when(r[0]) + " – " + when(r[1])));
          });
      });
      out.push("</g>");
    });
    // Arrows from the yield to the resume, for flows yielding or resuming in the window.
    var arrows = d.arrows.filter(function (r) {
      return (r[0] >= A && r[0] <= B) || (r[1] >= A && r[1] <= B);
    });
    var merged = {};
    var order = [];
    arrows.forEach(function (r) {
      var key = arrows.length <= ARROW_CAP && r[6] === 1 ? "one" + order.length : [Math.floor((x(clamp(r[0])) - LEFT) / 8), r[2], r[3], r[4]].join(",");
      if (!(key in merged)) {
        merged[key] = [r, 0];
        order.push(key);
      }
      merged[key][1] += r[6];
    });
    out.push(open("g", ["arrows"]) + ">");
    order.forEach(function (key) {
      var r = merged[key][0];
      var n = merged[key][1];
      var x1 = x(clamp(r[1])), x2 = x(clamp(r[0]));
      var y1 = TOP + LANE_H * r[2] + BAR_MID, y2 = TOP + LANE_H * r[3] + BAR_MID;
      var path, head;
      if (r[4]) {
        var dd = Math.max((x2 - x1) / 2, 6);
        path = "M" + f(x1) + "," + f(y1) + " C" + f(x1 + dd) + "," + f(y1) + " " + f(x2 - dd) + "," + f(y2) + " " + f(x2) + "," + f(y2);
        head = f(x2) + "," + f(y2) + " " + f(x2 - 6) + "," + f(y2 - 3.5) + " " + f(x2 - 6) + "," + f(y2 + 3.5);
      } else {
        path = "M" + f(x1) + "," + f(y1) + " C" + f(x1) + "," + f(y1 - 18) + " " + f(x2) + "," + f(y2 - 18) + " " + f(x2) + "," + f(y2);
        head = f(x2) + "," + f(y2) + " " + f(x2 - 3.5) + "," + f(y2 - 6) + " " + f(x2 + 3.5) + "," + f(y2 - 6);
      }
      var one = n === 1 && r[5] >= 0;
      var data = one ? ' data-login="' + r[5] + '"' : ' data-count="' + n + '"';
      var title = one
        ? "login " + r[5] + ": yielded on " + d.lanes[r[2]].label + " at " + when(r[1]) + ", resumed on " + d.lanes[r[3]].label + " at " + when(r[0])
        : n + " flows yielded on " + d.lanes[r[2]].label + " and resumed on " + d.lanes[r[3]].label + " around " + when(r[0]);
      out.push(open("g", ["arrow", "resume", r[4] ? "elsewhere" : "same"].concat(one ? [] : ["agg"])) + data + ' data-from="' + d.lanes[r[2]].n + '" data-to="' + d.lanes[r[3]].n +
        '"><path d="' + path + '"/><polygon points="' + head + '"/><title>' + esc(title) + "</title></g>");
    });
    out.push("</g></svg>");
    return out.join("");
  };

  // One sentence on how the window [a, b] is drawn, shown under it.
  var describe = function (d, a, b) {
    var span = new Date(a).toISOString() + " → " + new Date(b).toISOString();
    if (d.mode === "raw") {
      return "Window " + span + ": each execution, mark and arrow drawn on its own, unless a lane has more than " +
        CAP + " of a kind in the window (then one mark per " + AGG + " pixels, with its count).";
    }
    return "Window " + span + ": counts per " + dur(d.res) + " of virtual time (the finest slices the page holds for a run this big), drawn as one mark per slice, at least " +
      AGG + " pixels wide; hover for counts.";
  };

  return { parse: parse, draw: draw, describe: describe };
})();
