// The rotating check-in/check-out QR: fetch a fresh code image every half slot without
// reloading the page, and say so when the server cannot be reached (the shown code expires).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var img = document.getElementById("qr-image");
    var status = document.getElementById("qr-status");
    var button = document.getElementById("qr-fullscreen");
    if (!img) return;
    document.body.classList.add("qr-screen");
    var seconds = parseInt(img.getAttribute("data-refresh"), 10) || 30;
    var base = img.getAttribute("data-src");
    var normal = status.textContent;

    function refresh() {
      fetch(base, { cache: "no-store", credentials: "same-origin" })
        .then(function (r) {
          if (!r.ok) throw new Error("HTTP " + r.status);
          return r.blob();
        })
        .then(function (blob) {
          var old = img.src;
          img.src = URL.createObjectURL(blob);
          if (old.indexOf("blob:") === 0) URL.revokeObjectURL(old);
          img.setAttribute("data-updated", String(Date.now()));
          status.textContent = normal;
          status.classList.remove("stale");
        })
        .catch(function () {
          status.textContent = "网络中断，二维码未能更新，请检查网络后刷新页面";
          status.classList.add("stale");
        });
    }
    window.setInterval(refresh, seconds * 1000);
    if (button && document.documentElement.requestFullscreen) {
      button.addEventListener("click", function () {
        document.getElementById("qr-screen").requestFullscreen().catch(function () {});
      });
    } else if (button) {
      button.classList.add("hidden");
    }
  });
})();
