// Autosave safety net for the answering page: a save that fails (network down, server error,
// session expired) is marked on its question and in a banner, and "Retry now" sends every
// unsaved question again, so no answer is lost silently.
(function () {
  "use strict";
  var banner = document.getElementById("unsaved-banner");

  function statusFor(form) {
    return document.getElementById("status-" + form.id.replace(/^q-/, ""));
  }

  function markUnsaved(form, message) {
    form.dataset.unsaved = "1";
    var status = statusFor(form);
    if (status) {
      status.innerHTML = "";
      var span = document.createElement("span");
      span.className = "text-danger fw-semibold";
      span.textContent = "\u26a0 " + message;
      status.appendChild(span);
    }
    if (banner) banner.classList.remove("d-none");
  }

  function markSaved(form) {
    delete form.dataset.unsaved;
    if (banner && !document.querySelector("form[data-unsaved]")) banner.classList.add("d-none");
  }

  document.body.addEventListener("htmx:beforeSwap", function (evt) {
    var form = evt.detail.elt.closest ? evt.detail.elt.closest("form.question-card") : null;
    if (!form) return;
    var url = evt.detail.xhr.responseURL || "";
    if (url.indexOf("/accounts/login/") !== -1) {
      evt.detail.shouldSwap = false;
      markUnsaved(form, "Not saved: your session has expired. Log in again in another tab, then press Retry.");
    }
  });
  document.body.addEventListener("htmx:afterRequest", function (evt) {
    var form = evt.detail.elt.closest ? evt.detail.elt.closest("form.question-card") : null;
    if (!form) return;
    var xhr = evt.detail.xhr;
    if (!evt.detail.successful || (xhr && (xhr.responseURL || "").indexOf("/accounts/login/") !== -1)) {
      if (!(xhr && xhr.status)) markUnsaved(form, "Not saved: no connection. Press Retry when you are back online.");
      else if (xhr.status >= 400) markUnsaved(form, "Not saved (error " + xhr.status + "). Press Retry.");
      return;
    }
    if (xhr.getResponseHeader("HX-Trigger") === "vsm-save-failed") {
      form.dataset.unsaved = "1";
      if (banner) banner.classList.remove("d-none");
    } else {
      markSaved(form);
    }
  });
  document.body.addEventListener("htmx:sendError", function (evt) {
    var form = evt.detail.elt.closest ? evt.detail.elt.closest("form.question-card") : null;
    if (form) markUnsaved(form, "Not saved: no connection. Press Retry when you are back online.");
  });
  var retry = document.getElementById("retry-unsaved");
  if (retry) {
    retry.addEventListener("click", function () {
      document.querySelectorAll("form[data-unsaved]").forEach(function (form) {
        htmx.trigger(form, "change");
      });
    });
  }
  window.addEventListener("beforeunload", function (evt) {
    if (document.querySelector("form[data-unsaved]")) {
      evt.preventDefault();
      evt.returnValue = "";
    }
  });
})();
