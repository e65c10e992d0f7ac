// Turns the template form's HTML textarea into a CodeMirror 5 source editor (vendored, MIT).
// Without JavaScript the plain textarea still works; CodeMirror copies its text back on submit.
document.addEventListener("DOMContentLoaded", function () {
  var textarea = document.querySelector(".template-form textarea[name=html]");
  if (!textarea || typeof CodeMirror === "undefined") return;
  var editor = CodeMirror.fromTextArea(textarea, {
    mode: "htmlmixed",
    lineNumbers: true,
    lineWrapping: true,
    indentUnit: 2,
    readOnly: textarea.disabled ? "nocursor" : false,
  });
  // The hidden textarea cannot show the browser's "required" bubble: keep it in sync and let the
  // server report an empty HTML part instead.
  textarea.removeAttribute("required");
  editor.on("change", function (cm) { cm.save(); });
  editor.getWrapperElement().setAttribute("data-testid", "html-editor");
});
