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
  document.querySelectorAll("svg.timeline").forEach(function (svg) {
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
  });
  // Markers for tests and tools: the script ran to the end over the drawn lanes.
  body.setAttribute("data-lanes", String(document.querySelectorAll("svg.timeline g.lane").length));
  body.setAttribute("data-ready", "1");
})();
