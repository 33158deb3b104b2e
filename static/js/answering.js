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
      markFieldErrors(form);
      form.dataset.unsaved = "1";
      if (banner) banner.classList.remove("d-none");
    } else if (confirmed(form)) {
      delete form.dataset.retries;
      markSaved(form);
    } else {
      // The server stored something other than what the card shows (typed while the save
      // was on its way): not "Saved" until a save of these very values is confirmed.
      var tries = Number(form.dataset.retries || 0);
      if (tries >= 2) {
        markUnsaved(form, "Not saved: the server holds different values. Press Retry.");
        return;
      }
      form.dataset.retries = String(tries + 1);
      var status = statusFor(form);
      if (status) status.textContent = "Saving\u2026";
      setTimeout(function () { htmx.trigger(form, "change"); }, 300);
    }
  });

  // As the server stores text: line ends as sent, outer spaces trimmed.
  function norm(text) {
    return (text || "").replace(/\r\n/g, "\n").trim();
  }

  // Per-field errors the server sent (out of band): mark their inputs invalid.
  function markFieldErrors(form) {
    form.querySelectorAll(".field-error").forEach(function (box) {
      var input = document.querySelector("[aria-describedby~='" + box.id + "']");
      if (!input) return;
      if (box.textContent.trim()) {
        input.setAttribute("aria-invalid", "true");
        var details = input.closest("details");
        if (details) details.open = true;
      } else {
        input.removeAttribute("aria-invalid");
      }
    });
  }

  // Whether the values the server echoed (data-saved) are the ones the card shows; a field
  // the server refused (its error is shown) is left out.
  function confirmed(form) {
    markFieldErrors(form);
    var status = statusFor(form);
    var holder = status && status.querySelector("[data-saved]");
    if (!holder || !holder.dataset.saved) return true;
    var saved = JSON.parse(holder.dataset.saved);
    var refused = function (input) { return input && input.getAttribute("aria-invalid") === "true"; };
    if (form.id === "q-dora") {
      return Object.keys(saved).every(function (name) {
        var input = form.elements[name];
        if (!input || refused(input)) return true;
        var value = saved[name] === null ? "" : String(saved[name]);
        if (input.tagName === "SELECT" || value === "" || input.value.trim() === "") {
          return value === input.value.trim();
        }
        return Number(value) === Number(input.value.trim());
      });
    }
    var checked = form.querySelector("input[name=level]:checked");
    var ok = checked ? saved.level === checked.value : true;
    var comment = form.elements.comment;
    if (comment && norm(comment.value) !== norm(saved.comment)) ok = false;
    var link = form.elements.evidence_url;
    if (link && !refused(link) && norm(link.value) !== norm(saved.evidence)) ok = false;
    if (ok && checked) answered(form);
    return ok;
  }

  // A question now answered: mark its card and take it off the list of unanswered ones.
  function answered(form) {
    form.dataset.answered = "1";
    var item = document.querySelector("#unanswered a[href='#" + form.id + "']");
    if (item) {
      item.closest("li").remove();
      var left = document.querySelectorAll("#unanswered li").length;
      var count = document.getElementById("unanswered-count");
      if (count) count.textContent = String(left);
      if (!left) document.getElementById("unanswered").classList.add("d-none");
    }
  }

  // "Show unanswered only": hides the cards answered at the moment it is switched on (a card
  // answered afterwards stays until it is switched again, so nothing jumps under the hand).
  var only = document.getElementById("only-unanswered");
  function applyFilter() {
    var on = only.checked;
    var shown = 0;
    document.querySelectorAll("section[id^='dim-']").forEach(function (section) {
      var visible = 0;
      section.querySelectorAll("form.question-card").forEach(function (form) {
        form.hidden = on && form.dataset.answered === "1";
        if (!form.hidden) visible += 1;
      });
      section.hidden = on && visible === 0;
      shown += visible;
    });
    var note = document.getElementById("only-unanswered-status");
    if (note) note.textContent = on ? "Showing " + shown + " unanswered questions." : "Showing all questions.";
  }
  if (only) only.addEventListener("change", applyFilter);

  // Links to a section or a question land below the sticky progress bar, whatever its height
  // (it wraps on a phone).
  var bar = document.querySelector(".sticky-progress");
  function clearBar() {
    if (bar) document.documentElement.style.scrollPaddingTop = (bar.offsetHeight + 8) + "px";
  }
  clearBar();
  if (location.hash.length > 1) {
    var landing = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (landing) landing.scrollIntoView();
  }
  window.addEventListener("resize", clearBar);
  if (bar && window.ResizeObserver) new ResizeObserver(clearBar).observe(bar);
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
