// Upload progress for forms marked data-upload-progress (the catalog
// import). The form is posted with XMLHttpRequest so that a <progress> bar
// can follow the bytes sent; once they are all sent the bar turns
// indeterminate while the server checks the rows. The page the server
// answers with (the preview after its redirect, or the form with its
// message) replaces <main>, and the address bar follows the redirect.
// Without JavaScript, or without FormData, the form posts as usual.
(function () {
  "use strict";

  function enhance(form) {
    if (form.dataset.enhanced) {
      return;
    }
    form.dataset.enhanced = "1";
    var box = document.getElementById(form.dataset.progress);
    var bar = box && box.querySelector("progress");
    var status = document.getElementById(form.dataset.status);
    if (!bar || !status || !window.FormData || !window.DOMParser) {
      return;
    }
    var said = -1;

    function say(text) {
      status.textContent = text;
    }

    function reset() {
      box.hidden = true;
      form.removeAttribute("aria-busy");
      var button = form.querySelector("[type=submit]");
      if (button) {
        button.disabled = false;
      }
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = form.querySelector("[type=submit]");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      // The token goes in a header, so the server need not read the whole
      // body to find it.
      var token = form.querySelector("input[name=_csrf]");
      if (token) {
        xhr.setRequestHeader("X-CSRF-Token", token.value);
      }
      box.hidden = false;
      bar.max = 100;
      bar.value = 0;
      said = -1;
      form.setAttribute("aria-busy", "true");
      if (button) {
        button.disabled = true;
      }
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) {
          return;
        }
        var pct = Math.floor((e.loaded * 100) / e.total);
        bar.value = pct;
        // A screen reader hears every quarter, not every event.
        if (Math.floor(pct / 25) !== Math.floor(said / 25)) {
          said = pct;
          say(form.dataset.uploading + " " + pct + "%");
        }
      });
      xhr.upload.addEventListener("load", function () {
        bar.removeAttribute("value");
        say(form.dataset.checking);
      });
      xhr.addEventListener("load", function () {
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var main = doc.querySelector("main");
        if (!main) {
          reset();
          say(form.dataset.failed);
          return;
        }
        show(doc, main, xhr.responseURL);
      });
      xhr.addEventListener("error", function () {
        reset();
        say(form.dataset.failed);
      });
      xhr.addEventListener("abort", function () {
        reset();
        say(form.dataset.failed);
      });
      xhr.send(new FormData(form));
    });
  }

  // show puts the answered page in place of this one.
  function show(doc, main, url) {
    var here = document.querySelector("main");
    here.innerHTML = main.innerHTML;
    document.title = doc.title;
    if (url && url !== window.location.href) {
      window.history.pushState({ uploaded: true }, "", url);
      pushed = true;
    }
    var summary = here.querySelector(".error-summary");
    (summary || here).focus();
    init(here);
    if (window.htmx) {
      window.htmx.process(here);
    }
  }

  function init(root) {
    var forms = root.querySelectorAll("form[data-upload-progress]");
    for (var i = 0; i < forms.length; i++) {
      enhance(forms[i]);
    }
  }

  // The page shown after an upload has its own address; going back to the
  // form's address loads the form again.
  var pushed = false;
  window.addEventListener("popstate", function () {
    if (pushed) {
      window.location.reload();
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      init(document);
    });
  } else {
    init(document);
  }
})();
