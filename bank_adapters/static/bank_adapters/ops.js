// The operations page's live view: polls /staff/ops/progress.json and redraws the table of
// sends and receives, every 2 s while one runs and every 15 s otherwise. A static file: the
// Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var FAST = 2000, SLOW = 15000;

  function cell(label, text) {
    var td = document.createElement("td");
    td.setAttribute("data-label", label);
    td.textContent = text;
    return td;
  }

  function draw(body, data) {
    var rows = document.createDocumentFragment();
    data.runs.forEach(function (r) {
      var tr = document.createElement("tr");
      tr.className = "state-" + r.state;
      tr.setAttribute("data-run", r.partner + "-" + r.direction);
      tr.appendChild(cell("合作方", r.partner_name));
      tr.appendChild(cell("收发", r.direction_label));
      var state = cell("状态", r.state_label);
      if (r.error) {
        var err = document.createElement("div");
        err.className = "small error";
        err.textContent = r.error;
        state.appendChild(err);
      }
      tr.appendChild(state);
      var total = r.files_total === null ? "" : " / " + r.files_total;
      tr.appendChild(cell("进度", r.files_done + total + " 个文件"));
      tr.appendChild(cell("开始", r.started_at));
      tr.appendChild(cell("结束", r.finished_at || "-"));
      rows.appendChild(tr);
    });
    if (data.runs.length) {
      body.replaceChildren(rows);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var live = document.getElementById("live");
    if (!live || !window.fetch) { return; }
    var body = live.querySelector("tbody");
    var status = document.getElementById("live-status");
    var url = live.getAttribute("data-url");

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (resp) {
          if (!resp.ok) { throw new Error(String(resp.status)); }
          return resp.json();
        })
        .then(function (data) {
          draw(body, data);
          live.classList.toggle("running", data.running);
          status.textContent = (data.running ? "正在收发，" : "") + "已刷新 " + data.at;
          window.setTimeout(poll, data.running ? FAST : SLOW);
        })
        .catch(function () {
          status.textContent = "暂时无法刷新进度，稍后重试";
          window.setTimeout(poll, SLOW);
        });
    }
    window.setTimeout(poll, FAST);
  });
})();
