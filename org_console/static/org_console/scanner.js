// The card-QR scanner: where the browser can decode QR codes from the camera
// (BarcodeDetector, e.g. Chrome on Android) the camera fills the token field and submits;
// everywhere else the field takes a hand scanner's or a pasted payload.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("scanner-form");
    var field = document.getElementById("id_token");
    var video = document.getElementById("scanner-video");
    var start = document.getElementById("scanner-start");
    var note = document.getElementById("scanner-note");
    if (!form || !field) return;
    field.focus();
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
    start.classList.remove("hidden");
    note.textContent = "点击“打开摄像头”扫描志愿者证上的二维码，也可用扫码枪扫描或粘贴二维码内容。";
    start.addEventListener("click", function () {
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: "environment" } })
        .then(function (stream) {
          video.srcObject = stream;
          video.classList.remove("hidden");
          start.classList.add("hidden");
          return video.play().then(function () {
            function look() {
              detector.detect(video).then(function (codes) {
                if (codes.length) {
                  field.value = codes[0].rawValue;
                  stream.getTracks().forEach(function (t) { t.stop(); });
                  form.submit();
                } else {
                  window.requestAnimationFrame(look);
                }
              }).catch(function () { window.requestAnimationFrame(look); });
            }
            look();
          });
        })
        .catch(function () {
          note.textContent = "无法打开摄像头，请用扫码枪扫描或粘贴二维码内容。";
        });
    });
  });
})();
