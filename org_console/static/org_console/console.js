// Asks before an action that cannot be undone (cancel an activity, remove a member or a
// volunteer): forms carrying data-confirm="…" submit only when the admin agrees.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
