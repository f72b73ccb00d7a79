// The site's behaviour, loaded on every page by templates/base.html; a static file because the
// Content-Security-Policy allows no inline script. Bound by ids and data attributes:
//   the header menu             on a phone the links fold behind the 菜单 button;
//   <form data-confirm="确定…？">   asks before submitting (what cannot be undone);
//   <select data-autosubmit>        submits its form when changed.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("menu-toggle");
    var nav = document.getElementById("site-nav");
    if (!button || !nav) { return; }
    document.documentElement.classList.add("js");
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("open", open);
    });
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
    }
  });
})();
