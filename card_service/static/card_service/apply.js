// The application form (card_service/apply.html): only the chosen bank's branches, and
// the branch or the mail address block by the product chosen.
(function () {
  var bank = document.getElementById("id_bank_code");
  var branch = document.getElementById("id_branch_id");
  var products = document.querySelectorAll("input[name=product]");
  function filterBranches() {
    for (var i = 1; i < branch.options.length; i++) {
      var o = branch.options[i], show = o.dataset.bank === bank.value;
      o.hidden = !show; o.disabled = !show;
      if (!show && o.selected) { branch.value = ""; }
    }
  }
  function toggleDelivery() {
    var credit = document.querySelector("input[name=product]:checked").value === "C";
    document.getElementById("branch-block").style.display = credit ? "none" : "";
    document.getElementById("mail-block").style.display = credit ? "" : "none";
  }
  bank.addEventListener("change", filterBranches);
  products.forEach(function (p) { p.addEventListener("change", toggleDelivery); });
  filterBranches(); toggleDelivery();
})();
