// Small behaviours a page opts into by loading this file ({% block head %}), bound by data
// attributes instead of inline handlers (the Content-Security-Policy allows no inline script):
//   <form data-confirm="确定…？">   asks before submitting;
//   <select data-autosubmit>        submits its form when changed.
(function () {
  "use strict";
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
