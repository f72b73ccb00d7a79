// The rotating check-in/check-out QR: load a fresh code image every half slot without
// reloading the page, and say so when it cannot be loaded (the shown code then expires).
// Plain image URLs only (no blob: or data:), so the site's CSP (img-src 'self') allows it.
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
      var next = new Image();
      var url = base + "?t=" + Date.now();
      next.onload = function () {
        img.src = url;
        img.setAttribute("data-updated", String(Date.now()));
        status.textContent = normal;
        status.classList.remove("stale");
      };
      // A lost network or an expired login (the login page is no image) ends up here.
      next.onerror = function () {
        status.textContent = "二维码未能更新，请检查网络或重新登录后刷新页面";
        status.classList.add("stale");
      };
      next.src = url;
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
