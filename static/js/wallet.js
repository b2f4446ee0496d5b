// The document wallet's enhancements, none of which the page needs to work:
// a file over the upload limit is refused as soon as it is chosen, instead
// of after the browser has sent it; and after a refused submission the
// focus moves to the box that says what was wrong.
(function () {
  "use strict";

  function checkSize(input, form) {
    var max = Number(form.dataset.walletMax);
    var file = input.files && input.files[0];
    if (max > 0 && file && file.size > max) {
      input.setCustomValidity(form.dataset.walletTooLarge);
      input.reportValidity();
    } else {
      input.setCustomValidity("");
    }
  }

  function init() {
    document.querySelectorAll("form.wallet-form").forEach(function (form) {
      form.querySelectorAll("input[type=file]").forEach(function (input) {
        input.addEventListener("change", function () { checkSize(input, form); });
      });
    });
    var summary = document.getElementById("wallet-summary");
    if (summary) {
      summary.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
