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
  document.querySelectorAll("input[data-filter-table]").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-filter-table"));
    if (!table) return;
    var caption = table.querySelector("caption");
    var total = table.tBodies[0].rows.length;
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      var shown = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        var hit = !needle || r.textContent.toLowerCase().indexOf(needle) >= 0;
        r.hidden = !hit;
        if (hit) shown++;
      });
      if (caption) caption.textContent = shown + " of " + total + " areas";
    });
  });
  // Error summaries take focus so screen readers announce them.
  var summary = document.querySelector(".govuk-error-summary");
  if (summary) summary.focus();
})();
