/* The analyst's item form: add, remove and reorder the rows of materials and 受理条件. Each row's
   inputs share their names, so the order on the page is the order saved. Without JavaScript the
   blank last row still adds one, and a row whose name is cleared is not saved. */
(function () {
  "use strict";

  function renumber(table) {
    table.querySelectorAll("tbody [data-row]").forEach(function (row, index) {
      var cell = row.querySelector("[data-position]");
      if (cell) cell.textContent = String(index + 1);
    });
  }

  function clear(row) {
    row.querySelectorAll("input").forEach(function (input) {
      input.value = input.name === "material_copies" ? "1" : "";
      input.classList.remove("invalid");
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    });
    row.querySelectorAll("select").forEach(function (select) {
      select.selectedIndex = 0;
      select.classList.remove("invalid");
    });
    row.querySelectorAll(".err").forEach(function (node) { node.remove(); });
  }

  function setUp(table) {
    var body = table.querySelector("tbody");
    var blank = body.querySelector("[data-blank]");
    table.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) return;
      var row = button.closest("[data-row]");
      if (button.hasAttribute("data-remove")) {
        if (row === blank) clear(row); else row.remove();
        var next = body.querySelector("[data-row] input");
        if (next) next.focus();
      } else if (button.dataset.move) {
        var step = Number(button.dataset.move);
        var other = step < 0 ? row.previousElementSibling : row.nextElementSibling;
        if (!other || other === blank || row === blank) return;
        if (step < 0) body.insertBefore(row, other); else body.insertBefore(other, row);
        button.focus();
      }
      renumber(table);
    });
    var add = document.querySelector('[data-add="' + table.dataset.rows + '"]');
    if (add) add.addEventListener("click", function () {
      var row = blank.cloneNode(true);
      row.removeAttribute("data-blank");
      clear(row);
      body.insertBefore(row, blank);
      renumber(table);
      row.querySelector("input, select").focus();
    });
  }

  document.querySelectorAll("table[data-rows]").forEach(setUp);
})();
