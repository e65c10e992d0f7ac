// Copy the one-time API_KEY from the dialog to the clipboard (falls back to selecting the text).
(function () {
  var button = document.getElementById("copy-api-key");
  var key = document.getElementById("new-api-key");
  if (!button || !key) return;
  button.addEventListener("click", function () {
    var text = key.textContent.trim();
    var done = function () { button.textContent = button.dataset.copied; };
    var select = function () {
      var range = document.createRange();
      range.selectNodeContents(key);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      try { if (document.execCommand("copy")) done(); } catch (e) { /* text stays selected */ }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, select);
    } else {
      select();
    }
  });
})();
