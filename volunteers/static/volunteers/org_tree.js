// The registration page's organisation picker: the tree (province → city → organisation →
// group), one level fetched at a time from the page's JSON endpoint as a node is opened.
// Ticking a box in the tree adds the organisation to the chosen list above it, whose boxes
// are the ones the form posts (name="organisation_ids"); the search's boxes post too, and
// all boxes for one organisation stay in step. Without this script the search still works.
(function () {
  "use strict";
  var tree = document.getElementById("org-tree");
  if (!tree || !window.fetch) { return; }
  var url = tree.getAttribute("data-url");
  var max = parseInt(tree.getAttribute("data-max"), 10) || 5;
  var picker = document.getElementById("org-picker");
  var chosen = document.getElementById("chosen-orgs");
  var none = document.getElementById("org-none-chosen");
  var counter = document.getElementById("org-count");

  function posted(id) {  // the boxes the form sends for organisation ``id``
    return picker.querySelectorAll('input[name="organisation_ids"][data-org="' + id + '"]');
  }

  function chosenIds() {
    var ids = {};
    picker.querySelectorAll('input[name="organisation_ids"]:checked').forEach(function (box) {
      ids[box.value] = true;
    });
    return Object.keys(ids);
  }

  function refresh() {
    var ids = chosenIds();
    var full = ids.length >= max;
    tree.querySelectorAll("input[data-org]").forEach(function (box) {
      box.checked = ids.indexOf(box.getAttribute("data-org")) >= 0;
      box.disabled = full && !box.checked;
    });
    none.hidden = chosen.querySelector("li") !== null;
    counter.hidden = false;
    counter.textContent = "已选择 " + ids.length + " 个（最多 " + max + " 个）" +
      (full ? "。已达上限，如需更换请先取消勾选一个。" : "");
  }

  function addChosen(box) {
    var id = box.getAttribute("data-org");
    var existing = posted(id);
    if (existing.length) {
      existing.forEach(function (b) { b.checked = true; });
      return;
    }
    var li = document.createElement("li");
    var label = document.createElement("label");
    label.className = "choice";
    var input = document.createElement("input");
    input.type = "checkbox";
    input.name = "organisation_ids";
    input.value = id;
    input.checked = true;
    input.setAttribute("data-org", id);
    label.appendChild(input);
    label.appendChild(document.createTextNode(" " + box.getAttribute("data-name")));
    var parentName = box.getAttribute("data-parent-name");
    if (parentName) {
      var span = document.createElement("span");
      span.className = "small muted";
      span.textContent = " （" + parentName + "）";
      label.appendChild(span);
    }
    li.appendChild(label);
    chosen.appendChild(li);
  }

  picker.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.hasAttribute || !box.hasAttribute("data-org")) { return; }
    if (!box.name) {  // a box of the tree
      if (box.checked) { addChosen(box); } else {
        posted(box.getAttribute("data-org")).forEach(function (b) { b.checked = false; });
      }
    } else {
      var id = box.value;
      posted(id).forEach(function (b) { b.checked = box.checked; });
    }
    refresh();
  });

  function node(org, parentName) {
    var li = document.createElement("li");
    if (org.has_children) {
      var toggle = document.createElement("button");
      toggle.type = "button";
      toggle.className = "tree-toggle";
      toggle.textContent = "＋";
      toggle.setAttribute("aria-expanded", "false");
      toggle.setAttribute("aria-label", org.name + "的下级组织");
      toggle.setAttribute("data-parent", org.id);
      li.appendChild(toggle);
    } else {
      var spacer = document.createElement("span");
      spacer.className = "tree-leaf";
      li.appendChild(spacer);
    }
    var label = document.createElement("label");
    label.className = "choice";
    var box = document.createElement("input");
    box.type = "checkbox";
    box.setAttribute("data-org", org.id);
    box.setAttribute("data-name", org.name);
    if (parentName) { box.setAttribute("data-parent-name", parentName); }
    label.appendChild(box);
    label.appendChild(document.createTextNode(" " + org.name + " "));
    var kind = document.createElement("span");
    kind.className = "small muted";
    kind.textContent = org.kind;
    label.appendChild(kind);
    li.appendChild(label);
    if (org.has_children) {
      var sub = document.createElement("ul");
      sub.className = "org-tree";
      sub.hidden = true;
      sub.setAttribute("data-name", org.name);
      li.appendChild(sub);
    }
    return li;
  }

  function note(list, text, retry) {
    var li = document.createElement("li");
    li.className = "tree-note small";
    li.textContent = text;
    if (retry) {
      var again = document.createElement("button");
      again.type = "button";
      again.className = "link";
      again.textContent = "重试";
      again.addEventListener("click", function () { li.remove(); retry(); });
      li.appendChild(document.createTextNode(" "));
      li.appendChild(again);
    }
    list.appendChild(li);
    return li;
  }

  // Fill ``list`` with the children of ``parentId`` (the roots when empty), page ``page``.
  function load(list, parentId, page, parentName) {
    var loading = note(list, "正在加载…");
    var query = "?page=" + page + (parentId ? "&parent=" + parentId : "");
    return fetch(url + query, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) { throw new Error(data.message || "加载失败"); }
          return data;
        });
      })
      .then(function (data) {
        loading.remove();
        data.results.forEach(function (org) { list.appendChild(node(org, parentName)); });
        if (!data.results.length) { note(list, "暂无下级组织"); }
        if (data.next_page) {
          var li = document.createElement("li");
          var more = document.createElement("button");
          more.type = "button";
          more.className = "link tree-more";
          more.textContent = "显示更多（共 " + data.count + " 个）";
          more.addEventListener("click", function () {
            li.remove();
            load(list, parentId, data.next_page, parentName);
          });
          li.appendChild(more);
          list.appendChild(li);
        }
        refresh();
        return data;
      })
      .catch(function () {
        loading.remove();
        note(list, "组织架构加载失败。", function () { load(list, parentId, page, parentName); });
      });
  }

  function open(toggle) {
    var sub = toggle.parentNode.querySelector("ul.org-tree");
    var expanded = toggle.getAttribute("aria-expanded") === "true";
    toggle.setAttribute("aria-expanded", expanded ? "false" : "true");
    toggle.textContent = expanded ? "＋" : "－";
    sub.hidden = expanded;
    if (!expanded && !sub.hasAttribute("data-loaded")) {
      sub.setAttribute("data-loaded", "");
      return load(sub, toggle.getAttribute("data-parent"), 1, sub.getAttribute("data-name"));
    }
    return Promise.resolve();
  }

  tree.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest("button.tree-toggle");
    if (toggle) { open(toggle); }
  });

  document.getElementById("org-tree-block").hidden = false;
  none.textContent = none.getAttribute("data-js-text");
  load(tree, "", 1, "").then(function () {
    // One root (the province's federation): open it, so the cities show at once.
    var toggles = tree.querySelectorAll(":scope > li > button.tree-toggle");
    if (toggles.length === 1) { open(toggles[0]); }
  });
})();
