// oa dashboard: progressive enhancement. Without this script, sorting and filtering go
// through the server (links and a GET form); with it, they happen in the page.
(function () {
  "use strict";
  // Tables: click a header link to sort in place.
  document.querySelectorAll("table.oa-sortable").forEach(function (table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, col) {
      var link = th.querySelector("a.oa-sort");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "oa-sort-button";
      button.textContent = (link || th).textContent;
      button.style.cssText = "font:inherit;font-weight:700;background:none;border:0;padding:0;color:#1d70b8;cursor:pointer;text-align:inherit";
      th.textContent = "";
      th.appendChild(button);
      if (!th.hasAttribute("aria-sort")) th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var key = function (r) {
          var c = r.cells[col];
          if (!c) return "";
          var v = c.getAttribute("data-sort");
          if (v === null) v = c.textContent.trim();
          var n = parseFloat(String(v).replace(/[£,%]/g, ""));
          return isNaN(n) || /[a-z]/i.test(String(v).replace(/^[-–]$/, "")) && isNaN(Number(v)) ? String(v).toLowerCase() : n;
        };
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          var cmp = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
          return asc ? cmp : -cmp;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  // Filter boxes: filter the named table as you type.
  // The count is announced (aria-live) as it changes; the district table is searched by
  // the server when the form is sent, as it is longer than one page.
  document.querySelectorAll("input[data-filter-table]").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-filter-table"));
    if (!table) return;
    var count = document.getElementById(input.getAttribute("data-filter-count"));
    var total = table.tBodies[0].rows.length;
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      var shown = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        var hit = !needle || r.textContent.toLowerCase().indexOf(needle) >= 0;
        r.hidden = !hit;
        if (hit) shown++;
      });
      if (count) {
        count.textContent = needle
          ? shown + " of " + total + " opportunity areas match \u201c" + input.value.trim() + "\u201d"
          : total + " opportunity areas";
      }
    });
  });
  // A character count under each limited text box, announced as it changes.
  document.querySelectorAll("[data-module=govuk-character-count]").forEach(function (group) {
    var box = group.querySelector("textarea");
    var message = group.querySelector(".govuk-character-count__message");
    var limit = parseInt(group.getAttribute("data-maxlength"), 10);
    if (!box || !message || !limit) return;
    var update = function () {
      var left = limit - box.value.length;
      message.textContent = left >= 0
        ? "You have " + left.toLocaleString("en-GB") + " character" + (left === 1 ? "" : "s") + " remaining"
        : "You have " + (-left).toLocaleString("en-GB") + " character" + (left === -1 ? "" : "s") + " too many";
      message.classList.toggle("govuk-character-count__message--over", left < 0);
    };
    box.addEventListener("input", update);
    update();
  });
  // A table too wide for the screen scrolls in its own box; the box can then take focus
  // (so it can be scrolled from the keyboard) and is named after its table.
  var scrollers = document.querySelectorAll(".oa-table-scroll");
  // Its name: the table's caption, else the heading before it; made unique on the page.
  var nameOf = function (box) {
    var chart = box.querySelector("svg title");
    if (chart && chart.textContent.trim()) return "Chart: " + chart.textContent.trim();
    var caption = box.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    var headings = Array.prototype.filter.call(document.querySelectorAll("h1, h2, h3, h4"), function (h) {
      return h.compareDocumentPosition(box) & Node.DOCUMENT_POSITION_FOLLOWING;
    });
    var last = headings[headings.length - 1];
    return last ? last.textContent.trim() : "Table";
  };
  var markScrollers = function () {
    var used = {};
    scrollers.forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        var name = nameOf(box);
        used[name] = (used[name] || 0) + 1;
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", used[name] > 1 ? name + " (table " + used[name] + ")" : name);
      } else {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  };
  markScrollers();
  window.addEventListener("resize", markScrollers);
  // Error summaries take focus so screen readers announce them.
  var summary = document.querySelector(".govuk-error-summary");
  if (summary) summary.focus();
  // After a save, the success banner takes focus (it is scrolled into view by #saved).
  var banner = document.getElementById("saved");
  if (!summary && banner && window.location.hash === "#saved") banner.focus();
})();
