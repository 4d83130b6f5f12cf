(function () {
  "use strict";
  var body = document.body;
  // The legend's boxes show or hide a kind of mark in their own section.
  document.querySelectorAll("input[data-toggle]").forEach(function (box) {
    box.addEventListener("change", function () {
      var section = box.closest("section");
      if (section) {
        section.classList.toggle("hide-" + box.getAttribute("data-toggle"), !box.checked);
      }
    });
  });
  // Hovering a mark highlights everything of the same login in that timeline.
  var hover = function (svg) {
    svg.addEventListener("mouseover", function (event) {
      svg.querySelectorAll(".hl").forEach(function (el) {
        el.classList.remove("hl");
      });
      var target = event.target.closest("[data-login]");
      if (!target) {
        return;
      }
      var login = target.getAttribute("data-login");
      svg.querySelectorAll('[data-login="' + login + '"]').forEach(function (el) {
        el.classList.add("hl");
      });
    });
  };
  document.querySelectorAll("svg.timeline").forEach(hover);
  // The time window: the overview shows the whole run; a window (dragged on it, or typed)
  // redraws the section's timeline for that range from the section's zoom data (zoom.js).
  document.querySelectorAll("section.scenario").forEach(function (section) {
    var ov = section.querySelector("svg.overview");
    var tl = section.querySelector("svg.timeline");
    if (!ov || !tl) {
      return;
    }
    var t0 = Number(ov.getAttribute("data-t0"));
    var t1 = Number(ov.getAttribute("data-t1"));
    var left = Number(ov.getAttribute("data-left"));
    var plotW = Number(ov.getAttribute("data-plot-w"));
    var box = ov.querySelector(".ov-window");
    var from = section.querySelector(".win-from");
    var to = section.querySelector(".win-to");
    var scroller = tl.parentNode;
    var dataEl = section.querySelector("script.tl-detail");
    var detail = null;
    // How the zoomed window is drawn, under it.
    var note = document.createElement("p");
    note.className = "zoom-note";
    scroller.parentNode.insertBefore(note, scroller.nextSibling);
    // Draw the window [a, b] with its own detail in place of the whole-run timeline (the
    // whole run itself shows the drawing made with the page).
    var redraw = function (a, b) {
      var old = scroller.querySelector("svg.zoomed");
      if (old) {
        scroller.removeChild(old);
      }
      note.textContent = "";
      if (a <= t0 && b >= t1) {
        tl.style.display = "";
        return;
      }
      if (!detail && dataEl) {
        detail = window.actsimZoom.parse(dataEl.textContent);
      }
      if (!detail) {
        return;
      }
      scroller.insertAdjacentHTML("beforeend", window.actsimZoom.draw(detail, a, b));
      tl.style.display = "none";
      hover(scroller.querySelector("svg.zoomed"));
      note.textContent = window.actsimZoom.describe(detail, a, b);
    };
    var iso = function (t) {
      return new Date(t).toISOString();
    };
    var tOf = function (x) {
      return t0 + Math.min(Math.max((x - left) / plotW, 0), 1) * (t1 - t0);
    };
    var show = function (a, b) {
      a = Math.max(t0, Math.min(a, t1));
      b = Math.max(t0, Math.min(b, t1));
      var least = Math.max(1, (t1 - t0) / 20000);
      if (b - a < least) {
        b = Math.min(t1, a + least);
        a = Math.max(t0, b - least);
      }
      box.setAttribute("x", String(left + (a - t0) / (t1 - t0) * plotW));
      box.setAttribute("width", String(Math.max((b - a) / (t1 - t0) * plotW, 1)));
      redraw(a, b);
      from.value = iso(a);
      to.value = iso(b);
      section.setAttribute("data-window", a + "," + b);
    };
    var toSvgX = function (event) {
      var r = ov.getBoundingClientRect();
      return (event.clientX - r.left) / r.width * Number(ov.viewBox.baseVal.width);
    };
    var start = null;
    ov.addEventListener("mousedown", function (event) {
      start = toSvgX(event);
      event.preventDefault();
    });
    window.addEventListener("mouseup", function (event) {
      if (start === null) {
        return;
      }
      var end = toSvgX(event);
      var a = tOf(Math.min(start, end));
      var b = tOf(Math.max(start, end));
      start = null;
      if (b > a) {
        show(a, b);
      }
    });
    section.querySelector(".win-apply").addEventListener("click", function () {
      var a = Date.parse(from.value);
      var b = Date.parse(to.value);
      if (!isNaN(a) && !isNaN(b) && b > a) {
        show(a, b);
      }
    });
    section.querySelector(".win-reset").addEventListener("click", function () {
      show(t0, t1);
    });
    from.value = iso(t0);
    to.value = iso(t1);
    // A window in the address (#window=START/END, RFC 3339) opens the page zoomed in.
    var wanted = /#window=([^/]+)\/(.+)$/.exec(decodeURIComponent(window.location.hash || ""));
    if (wanted && !isNaN(Date.parse(wanted[1])) && !isNaN(Date.parse(wanted[2]))) {
      show(Date.parse(wanted[1]), Date.parse(wanted[2]));
    }
    // The overview's drawn extent, measured in the rendered page (for tests and tools).
    var bars = ov.querySelector(".ov-bars").getBoundingClientRect();
    var plot = ov.querySelector(".ov-bg").getBoundingClientRect();
    section.setAttribute(
      "data-overview-extent",
      ((bars.left - plot.left) / plot.width).toFixed(3) + "," + ((bars.right - plot.left) / plot.width).toFixed(3)
    );
  });
  // Markers for tests and tools: the script ran to the end over the drawn lanes.
  body.setAttribute("data-lanes", String(document.querySelectorAll("svg.timeline g.lane").length));
  body.setAttribute("data-ready", "1");
})();
