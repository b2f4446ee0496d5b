// The review queue's enhancements, which the page does not need to work:
// a box in the table's header selects every row of the page for a bulk
// action, and the bulk form says how many rows are selected. Without
// JavaScript the box stays hidden, rows are selected one by one, and the
// confirmation page gives the count. Delegated, so that it survives htmx
// swapping the table.
(function () {
  "use strict";

  function boxes() {
    return document.querySelectorAll('input[name="sel"][form="review-bulk"]');
  }

  // count writes "3 selected" in the page's language (the words are the
  // server's, in data attributes).
  function count() {
    var out = document.getElementById("review-selected-count");
    if (!out) {
      return;
    }
    var n = 0;
    boxes().forEach(function (box) {
      if (box.checked) {
        n++;
      }
    });
    var text = n === 0 ? out.dataset.none : n === 1 ? out.dataset.one : out.dataset.many;
    out.textContent = text.replace("%d", String(n));
    out.hidden = false;
  }

  function reveal() {
    var all = document.getElementById("review-select-all");
    if (all) {
      all.hidden = false;
    }
    count();
  }

  document.addEventListener("change", function (e) {
    if (!e.target) {
      return;
    }
    if (e.target.id === "review-select-all") {
      boxes().forEach(function (box) {
        box.checked = e.target.checked;
      });
    }
    if (e.target.id === "review-select-all" || e.target.name === "sel") {
      count();
    }
  });
  document.addEventListener("htmx:afterSwap", reveal);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", reveal);
  } else {
    reveal();
  }
})();
