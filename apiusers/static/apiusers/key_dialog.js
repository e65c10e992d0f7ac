// The one-time API_KEY dialog: shown modal (it is rendered open, so it also works without script),
// with a button that copies the key to the clipboard (falling back to selecting the text).
(function () {
  var dialog = document.getElementById("key-dialog");
  if (dialog && dialog.showModal) {
    dialog.close();
    dialog.showModal();
  }
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
