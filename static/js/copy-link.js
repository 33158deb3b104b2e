// "Copy link" buttons: <button data-copy-target="ID"> copies the value of the input #ID and
// says so in the element [data-copy-status="ID"] (a live region). Where the clipboard is not
// available (plain HTTP, permissions), the link is selected so the person can copy it.
// data-copy-what names what is copied in that message ("Secret"; "Link" by default).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var id = button.getAttribute("data-copy-target");
    var input = document.getElementById(id);
    var status = document.querySelector('[data-copy-status="' + id + '"]');
    if (!input) return;
    var what = button.getAttribute("data-copy-what") || "Link";
    function say(text) { if (status) status.textContent = text; }
    function fallback() {
      input.focus();
      input.select();
      say(what + " selected: press Ctrl+C (or ⌘C) to copy it.");
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(function () {
        say(what + " copied.");
      }, fallback);
    } else {
      fallback();
    }
  });
})();
