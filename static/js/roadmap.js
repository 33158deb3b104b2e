// Roadmap items save as they are edited, like answers (issue 16, point 9). Each item's form
// (data-autosave) posts itself on every change and shows the server's answer beside the item,
// in words; "Saved" appears only once the server confirmed it. Leaving the page while a save
// is under way or has failed asks first. Without JavaScript the Save buttons work as before.
(function () {
  "use strict";
  const pending = new Set(); // forms with a change not (yet) confirmed by the server

  function statusOf(form) {
    return form.querySelector("[data-save-status]");
  }

  function show(form, text, ok) {
    const status = statusOf(form);
    status.textContent = (ok ? "✔ " : "⚠ ") + text;
    status.className = "small " + (ok ? "text-success" : "text-danger fw-semibold");
  }

  async function save(form) {
    pending.add(form);
    const seq = (Number(form.dataset.saveSeq) || 0) + 1;
    form.dataset.saveSeq = String(seq);
    const status = statusOf(form);
    status.textContent = "Saving…";
    status.className = "small text-muted";
    let ok = false;
    let message = "Not saved: the server could not be reached. Your change is still here; try again.";
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const data = await response.json().catch(() => null);
      if (data && typeof data.message === "string") {
        ok = response.ok && data.ok === true;
        message = ok ? data.message : "Not saved: " + data.message;
      } else if (!response.ok) {
        message = "Not saved (error " + response.status + "). Reload the page and try again.";
      }
    } catch (error) {
      // network failure: the message above
    }
    if (form.dataset.saveSeq !== String(seq)) return; // a newer save of this item answers
    if (ok) pending.delete(form);
    show(form, message, ok);
  }

  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    const button = form.querySelector('button[type="submit"]');
    if (button) button.hidden = true; // every change saves itself
    form.addEventListener("change", function () {
      save(form);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault(); // Enter in the date field: save in place too
      save(form);
    });
  });

  window.addEventListener("beforeunload", function (event) {
    if (pending.size) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
