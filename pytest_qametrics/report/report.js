// Filter and sort the per-test table; without this script the table reads as it is.
(function () {
  "use strict";
  var table = document.getElementById("test-table");
  var controls = document.getElementById("test-controls");
  if (!table || !controls) {
    return;
  }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var texts = rows.map(function (row) { return row.textContent.toLowerCase(); });
  var filter = document.getElementById("test-filter");
  var outcome = document.getElementById("test-outcome");
  var count = document.getElementById("test-count");
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);

  function apply() {
    var needle = filter.value.trim().toLowerCase();
    var wanted = outcome.value;
    var shown = 0;
    rows.forEach(function (row, i) {
      var keep = (!wanted || row.getAttribute("data-outcome") === wanted) &&
        (!needle || texts[i].indexOf(needle) !== -1);
      row.hidden = !keep;
      shown += keep ? 1 : 0;
    });
    count.textContent = shown + " of " + rows.length + " tests shown";
  }

  function key(row, column) {
    var cell = row.cells[column];
    var sort = cell.getAttribute("data-sort");
    return sort === null ? cell.textContent.toLowerCase() : parseFloat(sort);
  }

  function sortBy(column) {
    var head = heads[column];
    var direction = head.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
    head.setAttribute("aria-sort", direction === 1 ? "ascending" : "descending");
    var keyed = rows.map(function (row, i) { return [key(row, column), i, row]; });
    keyed.sort(function (a, b) {
      if (a[0] < b[0]) { return -direction; }
      if (a[0] > b[0]) { return direction; }
      return a[1] - b[1];
    });
    var fragment = document.createDocumentFragment();
    keyed.forEach(function (entry) { fragment.appendChild(entry[2]); });
    body.appendChild(fragment);
  }

  heads.forEach(function (head, column) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    button.textContent = head.textContent;
    head.textContent = "";
    head.appendChild(button);
    button.addEventListener("click", function () { sortBy(column); });
  });
  filter.addEventListener("input", apply);
  outcome.addEventListener("change", apply);
  controls.hidden = false;
  apply();
}());
