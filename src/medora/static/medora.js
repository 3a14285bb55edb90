// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";

  // Show that a slow answer is on its way.
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) {
        button.disabled = true;
        button.textContent = form.getAttribute("data-busy");
      }
      form.setAttribute("aria-busy", "true");
    });
  });

  // The audience selector applies on change; its button is for pages without JS.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    var apply = select.form.querySelector(".apply");
    if (apply) apply.hidden = true;
    select.addEventListener("change", function () { select.form.submit(); });
  });

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
        button.textContent = "Link copied";
      });
    });
  });

  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  document.querySelectorAll("button[data-back]").forEach(function (button) {
    if (window.history.length < 2) return;
    button.hidden = false;
    button.addEventListener("click", function () { window.history.back(); });
  });
})();
