// Calendar pages: "Copy" buttons next to read-only links (the links work without this).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".copy-field").forEach(function (field) {
    field.addEventListener("focus", function () { field.select(); });
  });
  if (!navigator.clipboard) { return; }
  document.querySelectorAll(".copy-button").forEach(function (button) {
    var field = button.parentElement.querySelector(".copy-field");
    if (!field) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        button.textContent = button.dataset.copied;
      });
    });
  });
});
