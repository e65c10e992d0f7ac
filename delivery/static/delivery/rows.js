// A table row with data-href opens that page when clicked anywhere (the row's own link still works
// without JavaScript).
document.addEventListener("click", function (event) {
  var row = event.target.closest("tr[data-href]");
  if (!row || event.target.closest("a, button, form")) return;
  window.location.href = row.getAttribute("data-href");
});
