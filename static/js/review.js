// The review queue's one enhancement, which the page does not need to
// work: a box in the table's header selects every row of the page for a
// bulk action. Without JavaScript the box stays hidden and rows are
// selected one by one. Delegated, so that it survives htmx swapping the
// table.
(function () {
  "use strict";

  function reveal() {
    var all = document.getElementById("review-select-all");
    if (all) {
      all.hidden = false;
    }
  }

  document.addEventListener("change", function (e) {
    if (!e.target || e.target.id !== "review-select-all") {
      return;
    }
    document.querySelectorAll('input[name="sel"][form="review-bulk"]').forEach(function (box) {
      box.checked = e.target.checked;
    });
  });
  document.addEventListener("htmx:afterSwap", reveal);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", reveal);
  } else {
    reveal();
  }
})();
