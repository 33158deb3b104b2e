// Confirmation before an action that cannot simply be taken back (issue 16, point 5).
// A form with data-confirm="what will happen" opens a modal <dialog> naming the consequence
// before it is submitted. Optional: data-confirm-title (the dialog's heading) and
// data-confirm-button (the confirming button's words; the form's submit button text
// otherwise). The native dialog keeps focus inside it and closes on Escape; focus starts on
// "Cancel" (the safe choice) and returns to the button that opened it. Without JavaScript
// the form submits as before.
(function () {
  "use strict";
  let counter = 0;

  function buildDialog() {
    counter += 1;
    const dialog = document.createElement("dialog");
    dialog.className = "vsm-confirm border rounded-3 shadow p-0";
    const titleId = "vsm-confirm-title-" + counter;
    const bodyId = "vsm-confirm-body-" + counter;
    dialog.setAttribute("aria-labelledby", titleId);
    dialog.setAttribute("aria-describedby", bodyId);
    dialog.innerHTML =
      '<form method="dialog" class="p-3">' +
      '<h2 class="h5" id="' + titleId + '"></h2>' +
      '<p id="' + bodyId + '"></p>' +
      '<div class="d-flex flex-wrap justify-content-end gap-2">' +
      '<button type="submit" value="cancel" class="btn btn-outline-secondary" data-role="cancel">Cancel</button>' +
      '<button type="submit" value="confirm" class="btn btn-danger" data-role="confirm"></button>' +
      "</div></form>";
    document.body.appendChild(dialog);
    return dialog;
  }

  function ask(form, opener) {
    const dialog = buildDialog();
    const submitter = opener || form.querySelector('[type="submit"]');
    dialog.querySelector("h2").textContent = form.dataset.confirmTitle || "Are you sure?";
    dialog.querySelector("p").textContent = form.dataset.confirm;
    dialog.querySelector('[data-role="confirm"]').textContent =
      form.dataset.confirmButton || (submitter && submitter.textContent.trim()) || "Confirm";
    dialog.addEventListener("close", function () {
      const confirmed = dialog.returnValue === "confirm";
      dialog.remove();
      if (confirmed) {
        form.dataset.confirmed = "yes";
        if (form.requestSubmit) {
          form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
        } else {
          form.submit();
        }
      } else if (submitter && submitter.isConnected) {
        submitter.focus();
      }
    });
    dialog.showModal();
    dialog.querySelector('[data-role="cancel"]').focus();
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
    if (form.dataset.confirmed === "yes") {
      delete form.dataset.confirmed; // asked once for this submission only
      return;
    }
    event.preventDefault();
    ask(form, event.submitter);
  });
})();
