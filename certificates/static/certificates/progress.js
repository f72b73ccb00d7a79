// Polls a certificate's status while it is being made; reloads the page once it is done.
(function () {
  "use strict";
  var box = document.getElementById("cert-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var shown = document.getElementById("cert-status");
  var tries = 0;
  function poll() {
    tries += 1;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        if (shown && data.status_label) { shown.textContent = data.status_label; }
        if (data.status !== "pending" && data.status !== "rendering") {
          window.location.reload();
          return;
        }
        if (tries < 150) { window.setTimeout(poll, 2000); }
      })
      .catch(function () { if (tries < 150) { window.setTimeout(poll, 5000); } });
  }
  window.setTimeout(poll, 1500);
})();
