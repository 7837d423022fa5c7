// Sortable pair table, and page geometry for the headless-browser test (data-rect on every image).
(function () {
  "use strict";
  var table = document.getElementById("pair-table");
  function sortBy(index, descending) {
    if (!table) return;
    var header = table.tHead.rows[0].cells[index];
    var numeric = header.getAttribute("data-type") === "number";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    function key(row) {
      var cell = row.cells[index];
      if (!numeric) return cell.textContent;
      var v = cell.getAttribute("data-value");
      return v === "" ? null : parseFloat(v);
    }
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1; // missing values last either way
      var c = numeric ? (x < y ? -1 : x > y ? 1 : 0) : x.localeCompare(y);
      return descending ? -c : c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }
  if (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      th.addEventListener("click", function () { sortBy(i, th.getAttribute("aria-sort") === "ascending"); });
    });
    // #sort=KEY or #sort=KEY:desc sorts on load, so a sorted view can be linked (and tested).
    var m = /[#&]sort=([^:&]+)(?::(asc|desc))?/.exec(location.hash);
    if (m) {
      var key = decodeURIComponent(m[1]);
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
        if (th.getAttribute("data-key") === key) sortBy(i, m[2] === "desc");
      });
    }
  }
  function geometry() {
    Array.prototype.forEach.call(document.images, function (img) {
      var r = img.getBoundingClientRect();
      img.setAttribute("data-rect", [r.left + scrollX, r.top + scrollY, r.width, r.height].map(Math.round).join(","));
    });
    document.body.setAttribute("data-page-height", Math.ceil(document.documentElement.scrollHeight));
  }
  geometry();
  window.addEventListener("load", geometry);
})();
