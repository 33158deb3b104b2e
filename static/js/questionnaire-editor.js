// The questionnaire editor: a draft version edited in place, each change saved the moment it
// is made (one POST per change) and checked on the server with the rules of the YAML format
// (assessments/questionnaires/editing.py documents the changes and the JSON).
//
// The page is drawn from the questionnaire JSON the server sends back, so what is shown is
// what is stored. The exceptions are values the server refused or could not receive: those
// stay as typed, marked next to their field, until they are fixed or sent again, so nothing
// typed is ever lost silently.
//
// No inline scripts (CSP script-src 'self'): the initial questionnaire comes from the
// json_script block, the URL and CSRF token from data attributes.
(function () {
  "use strict";

  var LEVEL_NAMES = ["Initial", "Managed", "Defined", "Quantitatively Managed", "Optimizing"];
  var LEVELS = [1, 2, 3, 4, 5];
  var NO_CONNECTION = "Not saved: no connection. Press Retry when you are back online.";
  var NO_SESSION = "Not saved: your session has expired or you no longer have access. " +
    "Log in again in another tab, then press Retry.";

  var editor = document.getElementById("questionnaire-editor");
  var dataNode = document.getElementById("questionnaire-data");
  if (!editor || !dataNode) return;

  var root = document.getElementById("qe-root");
  var editUrl = editor.dataset.editUrl;
  var csrfToken = editor.dataset.csrfToken;
  var predecessorLabel = editor.dataset.predecessorLabel || "";
  var banner = document.getElementById("qe-banner");
  var bannerText = document.getElementById("qe-banner-text");
  var bannerLink = document.getElementById("qe-banner-link");
  var retryButton = document.getElementById("qe-retry");
  var saveState = document.getElementById("qe-save-state");
  var live = document.getElementById("qe-live");
  var pageTitle = document.getElementById("qe-title");

  var doc = JSON.parse(dataNode.textContent);
  // Values the server refused, by field path: {value, messages}. Kept across re-renders.
  var refused = {};
  // Field changes that never got an answer (no connection, session expired), by path: the
  // last op for each field, sent again by "Retry now".
  var unsent = {};
  // Keys renamed while changes were queued: "question.old" -> "new". A change made just
  // before a rename still names the old key; it is translated when it is sent.
  var renamed = {};
  // The last change sent for each field, by path: only its answer may set the field's status
  // (an older answer arriving later must not say "Saved" over a newer change still queued).
  var latest = {};
  var locked = false; // the draft was published or discarded meanwhile: nothing more to save
  var pending = 0;
  var lastSavedAt = null;

  // --- talking to the server ---------------------------------------------------------------

  // One change at a time, in the order they were made: each answer then describes every
  // change before it, and a rename is known before the next change names the item.
  var queue = Promise.resolve();

  function enqueue(op) {
    var result = queue.then(function () {
      return send(op);
    });
    queue = result.then(noop, noop);
    return result;
  }

  function noop() {}

  // Resolves (never rejects) to one of:
  //   {kind: "saved", questionnaire, savedAt}
  //   {kind: "refused", errors: [{field, message}]}   the change breaks a rule (400)
  //   {kind: "locked", message}                       the draft is no longer a draft (409)
  //   {kind: "failed", message}                       network, session or server trouble
  function send(op) {
    pending += 1;
    showSaveState();
    return fetch(editUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken,
      },
      body: JSON.stringify(translate(op)),
    })
      .then(readAnswer, function () {
        return { kind: "failed", message: NO_CONNECTION };
      })
      .then(function (outcome) {
        pending -= 1;
        if (outcome.kind === "saved") {
          doc = outcome.questionnaire;
          lastSavedAt = outcome.savedAt;
        }
        showSaveState();
        return outcome;
      });
  }

  function readAnswer(response) {
    var isJson = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
    // A login page (redirect) or an HTML error page instead of an answer: the session has
    // expired, the CSRF token is stale, or the server failed. The change is kept for Retry.
    if (response.redirected || response.status === 403) {
      return { kind: "failed", message: NO_SESSION };
    }
    if (!isJson || response.status >= 500) {
      return failed("the server could not save it (error " + response.status + ")");
    }
    return response.json().then(
      function (data) {
        var errors = (data && data.errors) || [];
        if (response.ok && data && data.questionnaire) {
          return { kind: "saved", questionnaire: data.questionnaire, savedAt: data.saved_at };
        }
        if (response.status === 409) {
          var message = errors.length ? errors[0].message : "This draft can no longer be edited.";
          return { kind: "locked", message: message };
        }
        if (errors.length) return { kind: "refused", errors: errors };
        return failed("unexpected answer (error " + response.status + ")");
      },
      function () {
        return failed("the server's answer could not be read");
      }
    );
  }

  function failed(reason) {
    return { kind: "failed", message: "Not saved: " + reason + ". Press Retry." };
  }

  function currentKey(kind, key) {
    for (var hops = 0; renamed[kind + "." + key] !== undefined && hops < 100; hops++) {
      key = renamed[kind + "." + key];
    }
    return key;
  }

  function translate(op) {
    var copy = Object.assign({}, op);
    if (typeof copy.path === "string") {
      var parts = copy.path.split(".");
      if (parts.length > 2) {
        parts[1] = currentKey(parts[0], parts[1]);
        copy.path = parts.join(".");
      }
    }
    if (typeof copy.dimension === "string") {
      copy.dimension = currentKey("dimension", copy.dimension);
    }
    if (typeof copy.question === "string") {
      copy.question = currentKey("question", copy.question);
    }
    return copy;
  }

  // --- page-level state --------------------------------------------------------------------

  function showSaveState() {
    saveState.className = "small";
    if (locked) {
      saveState.textContent = "Editing closed.";
    } else if (pending > 0) {
      saveState.textContent = "Saving…";
      saveState.classList.add("text-muted");
    } else if (Object.keys(unsent).length) {
      saveState.textContent = "Some changes are not saved.";
      saveState.classList.add("text-danger", "fw-semibold");
    } else if (lastSavedAt) {
      saveState.textContent = "All changes saved" + timeOf(lastSavedAt) + ".";
      saveState.classList.add("text-success");
    }
  }

  function timeOf(iso) {
    var when = new Date(iso);
    if (isNaN(when.getTime())) return "";
    return " at " + when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function showBanner(message) {
    banner.classList.remove("d-none", "alert-danger");
    banner.classList.add("alert-warning");
    bannerText.textContent = message + " What you typed is kept on this page.";
    retryButton.classList.toggle("d-none", Object.keys(unsent).length === 0);
    announce(message);
  }

  function hideBannerIfClear() {
    if (!locked && Object.keys(unsent).length === 0) banner.classList.add("d-none");
  }

  function lock(message) {
    locked = true;
    banner.classList.remove("d-none", "alert-warning");
    banner.classList.add("alert-danger");
    bannerText.textContent = message;
    retryButton.classList.add("d-none");
    bannerLink.classList.remove("d-none");
    disableAll();
    showSaveState();
    announce(message);
  }

  function disableAll() {
    root.querySelectorAll("input, textarea, select, button").forEach(function (control) {
      control.disabled = true;
    });
  }

  function announce(message) {
    // Cleared first so that the same message twice is read twice.
    live.textContent = "";
    window.setTimeout(function () {
      live.textContent = message;
    }, 50);
  }

  retryButton.addEventListener("click", function () {
    Object.keys(unsent).forEach(function (path) {
      var op = unsent[path];
      delete unsent[path];
      sendField(op);
    });
    hideBannerIfClear();
  });

  window.addEventListener("beforeunload", function (event) {
    if (pending > 0 || Object.keys(unsent).length || Object.keys(refused).length) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // --- one field -----------------------------------------------------------------------------

  function idFor(path) {
    // Keys are slugs (no underscores), so "__" keeps every path's id distinct.
    return "qe__" + path.split(".").join("__");
  }

  function controlFor(path) {
    return document.getElementById(idFor(path));
  }

  function findDimension(key) {
    return doc.dimensions.filter(function (d) { return d.key === key; })[0];
  }

  function findQuestion(key) {
    for (var i = 0; i < doc.dimensions.length; i++) {
      var found = doc.dimensions[i].questions.filter(function (q) { return q.key === key; })[0];
      if (found) return found;
    }
    return undefined;
  }

  // The stored value of a field, as its input shows it.
  function storedValue(path) {
    var parts = path.split(".");
    if (parts.length === 1) return doc[parts[0]];
    var item = parts[0] === "dimension" ? findDimension(parts[1]) : findQuestion(parts[1]);
    if (!item) return undefined;
    var field = parts[2];
    if (field === "focus_areas") return item.focus_areas[Number(parts[3]) - 1].join("\n");
    if (field === "levels") return item.levels[Number(parts[3]) - 1];
    if (field === "weight") return String(item.weight);
    if (field === "replaces") return item.replaces || "";
    return item[field];
  }

  function valueToSend(control) {
    // A cleared "replaces" means "new item, no predecessor". Focus areas go as typed, one
    // item per line: the server splits them, so the rule lives in one place.
    if (/\.replaces$/.test(control.dataset.path) && control.value === "") return null;
    return control.value;
  }

  function setFieldStatus(path, state, messages) {
    var control = controlFor(path);
    var status = document.getElementById(idFor(path) + "--status");
    if (!control || !status) return;
    status.textContent = "";
    status.className = "small mt-1";
    control.classList.remove("is-invalid");
    control.removeAttribute("aria-invalid");
    if (state === "saving") {
      status.textContent = "Saving…";
      status.classList.add("text-muted");
    } else if (state === "saved") {
      status.textContent = "Saved";
      status.classList.add("text-success");
    } else if (state === "refused" || state === "unsent") {
      control.classList.add("is-invalid");
      control.setAttribute("aria-invalid", "true");
      status.classList.add("text-danger");
      var prefix = state === "refused" ? "Not saved: " : "";
      messages.forEach(function (message) {
        status.appendChild(h("div", { text: prefix + message }));
      });
    }
  }

  function saveField(control) {
    sendField({ op: "set", path: control.dataset.path, value: valueToSend(control) });
  }

  function sendField(op) {
    var path = op.path;
    delete unsent[path];
    latest[translate(op).path] = op;
    setFieldStatus(path, "saving");
    enqueue(op).then(function (outcome) {
      // The item may have been renamed while this change waited: its field has a new path.
      var now = translate(op).path;
      var newest = latest[now] === op;
      if (newest) delete latest[now];
      if (outcome.kind === "saved" && /^(dimension|question)\.[^.]+\.key$/.test(now)) {
        // Recorded even for an older change: the changes queued after it name the old key.
        if (newest) delete refused[now];
        rename(now, op.value, newest);
        return;
      }
      if (outcome.kind === "locked") {
        lock(outcome.message);
        return;
      }
      if (!newest) return; // a newer change to this field is on its way; its answer counts
      if (outcome.kind === "saved") {
        delete refused[now];
        hideBannerIfClear();
        if (now === "title" && pageTitle) pageTitle.textContent = doc.title;
        var control = controlFor(now);
        // Show what was stored (a trimmed focus-area list, "1.5" for " 1.5 "), unless the
        // analyst is back in the field typing.
        if (control && control !== document.activeElement) control.value = storedValue(now);
        setFieldStatus(now, "saved");
      } else if (outcome.kind === "refused") {
        var messages = outcome.errors.map(function (e) { return e.message; });
        refused[now] = { value: op.value === null ? "" : op.value, messages: messages };
        setFieldStatus(now, "refused", messages);
        announce("Not saved: " + messages.join(" "));
      } else {
        unsent[now] = Object.assign({}, op, { path: now });
        setFieldStatus(now, "unsent", [outcome.message]);
        showBanner(outcome.message);
      }
    });
  }

  // A key was saved: every path under the item changes, so the page is drawn again, and
  // what is remembered under the old paths moves to the new ones.
  function rename(keyPath, newKey, newest) {
    var parts = keyPath.split(".");
    var kind = parts[0];
    var oldKey = parts[1];
    if (newKey !== oldKey) {
      renamed[kind + "." + oldKey] = newKey;
      var oldPrefix = kind + "." + oldKey + ".";
      var newPrefix = kind + "." + newKey + ".";
      [refused, unsent, latest].forEach(function (memory) {
        Object.keys(memory).forEach(function (path) {
          if (path.indexOf(oldPrefix) === 0) {
            memory[newPrefix + path.slice(oldPrefix.length)] = memory[path];
            delete memory[path];
          }
        });
      });
    }
    hideBannerIfClear();
    render();
    if (newest) setFieldStatus(kind + "." + newKey + ".key", "saved");
  }

  // --- structural changes -------------------------------------------------------------------

  // Add, remove, move: on success the page is drawn again from the answer and focus goes to
  // a sensible place (the item moved, the heading after a removal), so keyboard users keep
  // their place.
  function structural(op, statusId, done) {
    var status = document.getElementById(statusId);
    if (status) {
      status.className = "small text-muted";
      status.textContent = "Saving…";
    }
    return enqueue(op).then(function (outcome) {
      status = document.getElementById(statusId);
      if (outcome.kind === "saved") {
        // Someone already typing elsewhere keeps their place; otherwise focus follows the item.
        keepFocus = typingNow() !== null;
        hideBannerIfClear();
        render();
        done();
        keepFocus = false;
      } else if (outcome.kind === "locked") {
        lock(outcome.message);
      } else {
        var messages = outcome.kind === "refused"
          ? outcome.errors.map(function (e) { return e.message; })
          : [outcome.message];
        if (status) {
          status.className = "small text-danger";
          status.textContent = messages.join(" ");
        }
        if (outcome.kind === "failed") showBanner(outcome.message);
        else announce("Not saved: " + messages.join(" "));
      }
      return outcome;
    });
  }

  var keepFocus = false;

  function focusById(id, fallbackId) {
    if (keepFocus) return;
    var target = document.getElementById(id);
    if ((!target || target.disabled) && fallbackId) target = document.getElementById(fallbackId);
    if (target) target.focus();
  }

  function dimensionIndex(key) {
    for (var i = 0; i < doc.dimensions.length; i++) if (doc.dimensions[i].key === key) return i;
    return -1;
  }

  function questionPlace(key) {
    for (var i = 0; i < doc.dimensions.length; i++) {
      var questions = doc.dimensions[i].questions;
      for (var j = 0; j < questions.length; j++) {
        if (questions[j].key === key) return { dimension: doc.dimensions[i], index: j };
      }
    }
    return null;
  }

  function moveDimension(key, index) {
    var base = idFor("dimension." + key);
    var direction = index < dimensionIndex(key) ? "--up" : "--down";
    var op = { op: "move_dimension", dimension: key, index: index };
    structural(op, base + "--actions", function () {
      focusById(base + direction, base + (direction === "--up" ? "--down" : "--up"));
      announce("Dimension moved to position " + (index + 1) + ".");
    });
  }

  function removeDimension(key) {
    var dimension = findDimension(key);
    var count = dimension.questions.length;
    var sure = window.confirm(
      "Remove the dimension “" + dimension.name + "” and its " + count +
      (count === 1 ? " question" : " questions") + " from this draft?"
    );
    if (!sure) return;
    var index = dimensionIndex(key);
    var op = { op: "remove_dimension", dimension: key };
    structural(op, idFor("dimension." + key) + "--actions", function () {
      var next = doc.dimensions[Math.min(index, doc.dimensions.length - 1)];
      focusById(idFor("dimension." + next.key) + "--heading");
      announce("Dimension “" + dimension.name + "” removed.");
    });
  }

  function moveQuestion(key, dimensionKey, index, focusSuffix) {
    var base = idFor("question." + key);
    var op = { op: "move_question", question: key, dimension: dimensionKey, index: index };
    return structural(op, base + "--actions", function () {
      var place = questionPlace(key);
      focusById(base + focusSuffix, base + (focusSuffix === "--up" ? "--down" : "--up"));
      var where = "position " + (place.index + 1) + " of “" + place.dimension.name + "”";
      announce("Question moved to " + where + ".");
    });
  }

  function removeQuestion(key) {
    var place = questionPlace(key);
    var dimension = place.dimension;
    // The last question cannot go; the server says why, so no confirmation is asked first.
    if (dimension.questions.length > 1) {
      var text = place.dimension.questions[place.index].text;
      var question = "“" + shorten(text, 80) + "”";
      if (!window.confirm("Remove the question " + question + " from this draft?")) return;
    }
    var op = { op: "remove_question", question: key };
    structural(op, idFor("question." + key) + "--actions", function () {
      focusById(idFor("dimension." + dimension.key) + "--questions-heading");
      announce("Question removed.");
    });
  }

  // --- the add forms ----------------------------------------------------------------------

  // Form inputs carry data-field, the name the server uses for the op's payload
  // ("question.levels.3", "dimension.questions.0.text"), so its errors find their input.

  function formControls(form) {
    return Array.prototype.slice.call(form.querySelectorAll("[data-field]"));
  }

  function clearFormErrors(form) {
    formControls(form).forEach(function (control) {
      control.classList.remove("is-invalid");
      control.removeAttribute("aria-invalid");
      var status = document.getElementById(control.id + "--status");
      if (status) status.textContent = "";
    });
    form.querySelector(".qe-form-status").textContent = "";
  }

  function showFormErrors(form, errors) {
    var general = [];
    var first = null;
    var controls = formControls(form);
    errors.forEach(function (error) {
      var control = controls.filter(function (c) { return c.dataset.field === error.field; })[0];
      if (!control) {
        general.push(error.message);
        return;
      }
      control.classList.add("is-invalid");
      control.setAttribute("aria-invalid", "true");
      var status = document.getElementById(control.id + "--status");
      if (status) status.appendChild(h("div", { text: error.message }));
      first = first || control;
    });
    var formStatus = form.querySelector(".qe-form-status");
    formStatus.className = "qe-form-status small text-danger mt-2";
    formStatus.textContent = general.join(" ");
    if (first) first.focus();
    announce("Not saved: " + errors.map(function (e) { return e.message; }).join(" "));
  }

  // The form's own check: the required texts are there. Everything else is the server's.
  function missingRequired(form) {
    var missing = formControls(form).filter(function (control) {
      return control.required && !control.value.trim();
    });
    return missing.map(function (control) {
      return { field: control.dataset.field, message: "Required." };
    });
  }

  function optional(payload, name, control) {
    if (control && control.value.trim() !== "") payload[name] = control.value;
  }

  function fieldOf(form, name) {
    return form.querySelector('[data-field="' + name + '"]');
  }

  function questionPayload(form, prefix) {
    var payload = {
      text: fieldOf(form, prefix + "text").value,
      levels: LEVELS.map(function (level) {
        return fieldOf(form, prefix + "levels." + level).value;
      }),
    };
    optional(payload, "key", fieldOf(form, prefix + "key"));
    optional(payload, "help", fieldOf(form, prefix + "help"));
    optional(payload, "weight", fieldOf(form, prefix + "weight"));
    optional(payload, "replaces", fieldOf(form, prefix + "replaces"));
    return payload;
  }

  function submitAddQuestion(form) {
    var dimensionKey = form.dataset.dimension;
    var question = questionPayload(form, "question.");
    var op = { op: "add_question", dimension: dimensionKey, question: question };
    submitForm(form, op, function () {
      var dimension = findDimension(currentKey("dimension", dimensionKey));
      var added = dimension.questions[dimension.questions.length - 1];
      focusById(idFor("question." + added.key + ".text"));
      announce("Question added to “" + dimension.name + "”.");
    });
  }

  function submitAddDimension(form) {
    var payload = {
      name: fieldOf(form, "dimension.name").value,
      help: fieldOf(form, "dimension.help").value,
      // As typed, one item per line: the server splits them.
      focus_areas: LEVELS.map(function (level) {
        return fieldOf(form, "dimension.focus_areas." + level).value;
      }),
      questions: [questionPayload(form, "dimension.questions.0.")],
    };
    optional(payload, "key", fieldOf(form, "dimension.key"));
    optional(payload, "weight", fieldOf(form, "dimension.weight"));
    optional(payload, "replaces", fieldOf(form, "dimension.replaces"));
    submitForm(form, { op: "add_dimension", dimension: payload }, function () {
      var added = doc.dimensions[doc.dimensions.length - 1];
      focusById(idFor("dimension." + added.key) + "--heading");
      announce("Dimension “" + added.name + "” added.");
    });
  }

  function submitForm(form, op, done) {
    clearFormErrors(form);
    var missing = missingRequired(form);
    if (missing.length) {
      showFormErrors(form, missing);
      return;
    }
    var formStatus = form.querySelector(".qe-form-status");
    formStatus.className = "qe-form-status small text-muted mt-2";
    formStatus.textContent = "Saving…";
    enqueue(op).then(function (outcome) {
      if (outcome.kind === "saved") {
        form.reset();
        showForm(form, false); // closed before the redraw, which would otherwise keep it open
        hideBannerIfClear();
        render();
        done();
      } else if (outcome.kind === "refused") {
        formStatus.textContent = "";
        showFormErrors(form, outcome.errors);
      } else if (outcome.kind === "locked") {
        lock(outcome.message);
      } else {
        // The form keeps what was typed; pressing Save again sends it again.
        formStatus.className = "qe-form-status small text-danger mt-2";
        formStatus.textContent = outcome.message;
        showBanner(outcome.message);
      }
    });
  }

  // Which add forms are open, and what is typed in them: kept across re-renders (a change
  // elsewhere on the page must not empty a half-filled form).
  var openForms = {};

  function rememberForms() {
    root.querySelectorAll("form[data-form]").forEach(function (form) {
      if (form.classList.contains("d-none")) return;
      var values = {};
      formControls(form).forEach(function (control) { values[control.id] = control.value; });
      openForms[form.id] = values;
    });
  }

  function restoreForms() {
    Object.keys(openForms).forEach(function (formId) {
      var form = document.getElementById(formId);
      if (!form) {
        delete openForms[formId]; // its dimension is gone
        return;
      }
      showForm(form, true);
      var values = openForms[formId];
      Object.keys(values).forEach(function (id) {
        var control = document.getElementById(id);
        if (control) control.value = values[id];
      });
    });
  }

  function showForm(form, open) {
    form.classList.toggle("d-none", !open);
    var toggle = document.querySelector('[aria-controls="' + form.id + '"]');
    if (toggle) toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) delete openForms[form.id];
  }

  // --- drawing -----------------------------------------------------------------------------

  // A small element builder: text always goes in as text, never as HTML.
  function h(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      var value = attributes[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else if (name === "value") node.value = value;
      else if (name === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function shorten(text, length) {
    var line = String(text).replace(/\s+/g, " ").trim();
    return line.length > length ? line.slice(0, length - 1) + "…" : line;
  }

  // A labelled input or textarea with its hint and its status line, linked by
  // aria-describedby so that a screen reader reads the error with the field.
  //   options: id, label, value, rows (a textarea), hint, col, inputmode, slug, required,
  //            path (a stored field: saved on change) or field (part of an add form)
  function control(options) {
    var id = options.id;
    var hintId = options.hint ? id + "--hint" : null;
    var statusId = id + "--status";
    var input = h(options.rows ? "textarea" : "input", {
      id: id,
      className: "form-control form-control-sm",
      type: options.rows ? null : "text",
      rows: options.rows || null,
      inputmode: options.inputmode || null,
      spellcheck: options.inputmode || options.slug ? "false" : null,
      autocapitalize: options.slug ? "off" : null,
      autocomplete: "off",
      required: options.required || null,
      "aria-required": options.required ? "true" : null,
      "aria-describedby": (hintId ? hintId + " " : "") + statusId,
      dataset: options.path ? { path: options.path } : { field: options.field },
      value: options.value === undefined ? "" : options.value,
    });
    var marker = options.required && options.field
      ? h("span", { className: "text-danger", "aria-hidden": "true", text: " *" })
      : null;
    return h("div", { className: (options.col || "") + " mb-2" }, [
      h("label", { className: "form-label small fw-semibold mb-1", for: id }, [
        options.label,
        marker,
      ]),
      input,
      hintId ? h("div", { id: hintId, className: "form-text mt-0", text: options.hint }) : null,
      h("div", { id: statusId, className: "small mt-1" }),
    ]);
  }

  // A field of the stored questionnaire: saved on change.
  function field(path, label, options) {
    var base = { id: idFor(path), path: path, label: label, value: storedValue(path) };
    return control(Object.assign(base, options || {}));
  }

  function levelLabel(level) {
    return level + " " + LEVEL_NAMES[level - 1];
  }

  // Five fields side by side, one per level.
  function levelGrid(makeField) {
    return h("div", { className: "row g-2" }, LEVELS.map(makeField));
  }

  function legend(text, className) {
    return h("legend", { className: className || "small fw-semibold mb-1", text: text });
  }

  function replacesHint(noun) {
    var where = predecessorLabel ? " in " + predecessorLabel : " in the previous version";
    return "Key of the " + noun + where + " that this one continues, so trends follow it. " +
      "Empty: a new " + noun + ".";
  }

  var KEY_HINT = "Lowercase letters, digits and hyphens. Renaming keeps “replaces”, " +
    "so history still follows.";
  var WEIGHT_HINT = "Greater than 0, at most 10.";
  var WIDE = "col-md-6 col-xl-4"; // a level's field in a level grid

  function button(label, options) {
    return h("button", {
      type: "button",
      id: options.id || null,
      className: "btn btn-sm " + (options.style || "btn-outline-secondary"),
      disabled: options.disabled || null,
      "aria-label": options.ariaLabel || null,
      "aria-expanded": options.expanded || null,
      "aria-controls": options.controls || null,
      dataset: options.data,
      text: label,
    });
  }

  // "Move up" / "Move down" for the item at `index` of `count`. The buttons carry the index
  // the item moves to; at either end the button is disabled.
  function orderButtons(kind, key, id, index, count, name) {
    function one(label, direction, to, disabled) {
      return button(label, {
        id: id + "--" + direction,
        disabled: disabled,
        ariaLabel: label + " " + name,
        data: { action: "move-" + kind, key: key, index: String(to) },
      });
    }
    return h("div", { className: "btn-group", role: "group", "aria-label": "Order of " + name }, [
      one("Move up", "up", index - 1, index === 0),
      one("Move down", "down", index + 1, index === count - 1),
    ]);
  }

  function removeButton(kind, key, name) {
    return button("Remove", {
      style: "btn-outline-danger",
      ariaLabel: "Remove " + name,
      data: { action: "remove-" + kind, key: key },
    });
  }

  function renderGeneral() {
    return h("section", { className: "card mb-4", "aria-labelledby": "qe-general-heading" }, [
      h("div", { className: "card-header bg-white" }, [
        h("h2", { id: "qe-general-heading", className: "h5 mb-0", text: "Questionnaire" }),
      ]),
      h("div", { className: "card-body" }, [
        field("title", "Title", { hint: "At most 200 characters." }),
        field("description", "Description", {
          rows: 4,
          hint: "Optional. Shown on the first page of an assessment.",
        }),
      ]),
    ]);
  }

  function renderDimension(dimension, i) {
    var base = "dimension." + dimension.key;
    var id = idFor(base);
    var name = "dimension “" + shorten(dimension.name, 60) + "”";
    return h("section", { className: "card mb-4", id: id, "aria-labelledby": id + "--heading" }, [
      h("div", { className: "card-header bg-white d-flex flex-wrap align-items-center gap-2" }, [
        h("h2", {
          id: id + "--heading",
          className: "h5 mb-0 me-auto text-break-anywhere",
          tabindex: "-1", // focused after a removal or an addition
          text: "Dimension " + (i + 1) + ": " + dimension.name,
        }),
        orderButtons("dimension", dimension.key, id, i, doc.dimensions.length, name),
        removeButton("dimension", dimension.key, name),
        h("div", { id: id + "--actions", className: "small w-100" }),
      ]),
      h("div", { className: "card-body" }, [
        h("div", { className: "row g-2" }, [
          field(base + ".name", "Name", { col: "col-md-6" }),
          field(base + ".key", "Key", { col: "col-md-3", slug: true, hint: KEY_HINT }),
          field(base + ".weight", "Weight", {
            col: "col-md-3",
            inputmode: "decimal",
            hint: WEIGHT_HINT,
          }),
        ]),
        field(base + ".help", "What the dimension means and why it matters", { rows: 3 }),
        doc.version >= 2
          ? field(base + ".replaces", "Replaces", { slug: true, hint: replacesHint("dimension") })
          : null,
        h("fieldset", { className: "mb-3" }, [
          legend("Focus areas: what leads from each level to the next (level 5: what " +
            "sustains it). One per line."),
          levelGrid(function (level) {
            var path = base + ".focus_areas." + level;
            return field(path, "Level " + levelLabel(level), { rows: 3, col: WIDE });
          }),
        ]),
        h("h3", {
          id: id + "--questions-heading",
          className: "h6 mt-3",
          tabindex: "-1",
          text: "Questions (" + dimension.questions.length + ")",
        }),
        h("div", {}, dimension.questions.map(function (question, j) {
          return renderQuestion(question, j, dimension);
        })),
        renderAddQuestion(dimension),
      ]),
    ]);
  }

  function renderMoveTo(question, id, dimension) {
    var others = doc.dimensions.filter(function (d) { return d.key !== dimension.key; });
    if (!others.length) return null;
    var options = [h("option", { value: "", text: "Choose…" })].concat(others.map(function (d) {
      return h("option", { value: d.key, text: shorten(d.name, 50) });
    }));
    return h("div", { className: "d-flex align-items-center gap-1" }, [
      h("label", {
        className: "small text-nowrap",
        for: id + "--move-to",
        text: "Move to dimension",
      }),
      h("select", {
        id: id + "--move-to",
        className: "form-select form-select-sm",
        dataset: { action: "move-question-to", key: question.key },
      }, options),
    ]);
  }

  function renderQuestion(question, j, dimension) {
    var base = "question." + question.key;
    var id = idFor(base);
    var name = "question " + (j + 1) + " of “" + shorten(dimension.name, 40) + "”";
    var article = { className: "border rounded p-3 mb-3", id: id };
    article["aria-labelledby"] = id + "--heading";
    return h("article", article, [
      h("div", { className: "d-flex flex-wrap align-items-center gap-2 mb-2" }, [
        h("h4", { id: id + "--heading", className: "h6 mb-0 me-auto text-break-anywhere" }, [
          "Question " + (j + 1) + ": ",
          h("span", { className: "fw-normal", text: shorten(question.text, 90) }),
        ]),
        orderButtons("question", question.key, id, j, dimension.questions.length, name),
        renderMoveTo(question, id, dimension),
        removeButton("question", question.key, name),
        h("div", { id: id + "--actions", className: "small w-100" }),
      ]),
      field(base + ".text", "Question text", { rows: 2 }),
      h("div", { className: "row g-2" }, [
        field(base + ".key", "Key", { col: "col-md-6", slug: true, hint: KEY_HINT }),
        field(base + ".weight", "Weight", {
          col: "col-md-6",
          inputmode: "decimal",
          hint: WEIGHT_HINT,
        }),
      ]),
      field(base + ".help", "Help (optional)", { rows: 2 }),
      doc.version >= 2
        ? field(base + ".replaces", "Replaces", { slug: true, hint: replacesHint("question") })
        : null,
      h("fieldset", {}, [
        legend("Level statements: what is observed at each level"),
        levelGrid(function (level) {
          return field(base + ".levels." + level, levelLabel(level), { rows: 3, col: WIDE });
        }),
      ]),
    ]);
  }

  // The fields of an add form. Ids start with the form's id; data-field is the payload path.
  function formField(formId, payloadPath, label, options) {
    var id = formId + "__" + payloadPath.split(".").join("__");
    return control(Object.assign({ id: id, field: payloadPath, label: label }, options || {}));
  }

  // The fields of a new question, in the add-question form and the add-dimension form.
  // `prefix` is the payload path ("question." or "dimension.questions.0.").
  function newQuestionFields(formId, prefix) {
    function one(name, label, options) {
      return formField(formId, prefix + name, label, options);
    }
    return [
      one("text", "Question text", { rows: 2, required: true }),
      h("div", { className: "row g-2" }, [
        one("key", "Key (optional)", {
          col: "col-md-6",
          slug: true,
          hint: "Left empty: made from the text.",
        }),
        one("weight", "Weight (optional)", {
          col: "col-md-6",
          inputmode: "decimal",
          hint: "Left empty: 1.",
        }),
      ]),
      one("help", "Help (optional)", { rows: 2 }),
      doc.version >= 2
        ? one("replaces", "Replaces (optional)", { slug: true, hint: replacesHint("question") })
        : null,
      h("fieldset", {}, [
        legend("Level statements (all five are needed)"),
        levelGrid(function (level) {
          return one("levels." + level, levelLabel(level), { rows: 2, col: WIDE, required: true });
        }),
      ]),
    ];
  }

  function formButtons(saveLabel) {
    return [
      h("div", { className: "qe-form-status small mt-2" }),
      h("div", { className: "d-flex gap-2 mt-2" }, [
        h("button", { type: "submit", className: "btn btn-sm btn-vsm", text: saveLabel }),
        button("Cancel", { data: { action: "cancel-form" } }),
      ]),
    ];
  }

  function toggleButton(label, formId) {
    return button(label, { expanded: "false", controls: formId, data: { action: "toggle-form" } });
  }

  function renderAddQuestion(dimension) {
    var formId = idFor("dimension." + dimension.key) + "--add-question";
    var title = "New question in “" + shorten(dimension.name, 60) + "”";
    var form = h("form", {
      id: formId,
      className: "border rounded p-3 mt-2 d-none",
      novalidate: true, // the required texts are checked by the script, with messages
      "aria-label": title,
      dataset: { form: "add-question", dimension: dimension.key },
    }, [h("h4", { className: "h6", text: title })]
      .concat(newQuestionFields(formId, "question."))
      .concat(formButtons("Save question")));
    return h("div", {}, [toggleButton("Add a question", formId), form]);
  }

  function renderAddDimension() {
    var formId = "qe-add-dimension";
    function one(name, label, options) {
      return formField(formId, "dimension." + name, label, options);
    }
    var form = h("form", {
      id: formId,
      className: "card card-body mt-2 d-none",
      novalidate: true,
      "aria-label": "New dimension",
      dataset: { form: "add-dimension" },
    }, [
      h("h2", { className: "h5", text: "New dimension" }),
      h("p", {
        className: "small text-muted",
        text: "A dimension needs at least one question, so it is saved with its first one.",
      }),
      h("div", { className: "row g-2" }, [
        one("name", "Name", { col: "col-md-6", required: true }),
        one("key", "Key (optional)", {
          col: "col-md-3",
          slug: true,
          hint: "Left empty: made from the name.",
        }),
        one("weight", "Weight (optional)", {
          col: "col-md-3",
          inputmode: "decimal",
          hint: "Left empty: 1.",
        }),
      ]),
      one("help", "What the dimension means and why it matters", { rows: 3, required: true }),
      doc.version >= 2
        ? one("replaces", "Replaces (optional)", { slug: true, hint: replacesHint("dimension") })
        : null,
      h("fieldset", { className: "mb-2" }, [
        legend("Focus areas per level, one per line (all five are needed)"),
        levelGrid(function (level) {
          var label = "Level " + levelLabel(level);
          return one("focus_areas." + level, label, { rows: 3, col: WIDE, required: true });
        }),
      ]),
      h("fieldset", { className: "border-top pt-2" }, [legend("First question", "h6")].concat(
        newQuestionFields(formId, "dimension.questions.0.")
      )),
    ].concat(formButtons("Save dimension")));
    return h("section", { className: "mb-5", "aria-label": "Add a dimension" }, [
      toggleButton("Add a dimension", formId),
      form,
    ]);
  }

  // Puts back what the server has not accepted yet, so a re-render never loses typing.
  function restoreFieldStates() {
    Object.keys(refused).forEach(function (path) {
      var input = controlFor(path);
      if (!input) {
        delete refused[path]; // its item is gone
        return;
      }
      input.value = refused[path].value;
      setFieldStatus(path, "refused", refused[path].messages);
    });
    Object.keys(unsent).forEach(function (path) {
      var input = controlFor(path);
      if (!input) return; // kept: Retry sends it, and the server says if the item is gone
      var value = unsent[path].value;
      input.value = value === null ? "" : value;
      setFieldStatus(path, "unsent", ["Not saved yet. Press Retry."]);
    });
  }

  // The field being typed in, if any: {path or id, value, selection}. An answer can arrive
  // (and redraw the page) while the analyst is already typing in the next field.
  function typingNow() {
    var active = document.activeElement;
    var editable = active && root.contains(active) && /^(INPUT|TEXTAREA)$/.test(active.tagName);
    if (!editable) return null;
    return {
      path: active.dataset.path,
      id: active.id,
      value: active.value,
      start: active.selectionStart,
      end: active.selectionEnd,
    };
  }

  function render() {
    var typing = typingNow();
    rememberForms();
    root.textContent = "";
    root.appendChild(renderGeneral());
    doc.dimensions.forEach(function (dimension, i) {
      root.appendChild(renderDimension(dimension, i));
    });
    root.appendChild(renderAddDimension());
    restoreForms();
    restoreFieldStates();
    if (typing) {
      var again = typing.path
        ? controlFor(translate({ path: typing.path }).path)
        : document.getElementById(typing.id);
      if (again) {
        again.value = typing.value;
        again.focus();
        again.setSelectionRange(typing.start, typing.end);
      }
    }
    if (locked) disableAll();
  }

  // --- events ------------------------------------------------------------------------------

  // One listener each for the whole editor: the page is redrawn often, and delegated
  // listeners survive that without being added again.
  root.addEventListener("change", function (event) {
    var target = event.target;
    if (locked) return;
    if (target.dataset.path) {
      saveField(target);
    } else if (target.dataset.action === "move-question-to" && target.value) {
      var destination = findDimension(target.value);
      var end = destination.questions.length;
      moveQuestion(target.dataset.key, destination.key, end, "--move-to").then(function (outcome) {
        // Not moved: the select goes back to "Choose…" so it does not claim otherwise.
        if (outcome.kind !== "saved" && document.body.contains(target)) target.value = "";
      });
    }
  });

  root.addEventListener("click", function (event) {
    var target = event.target.closest("button[data-action]");
    if (!target || locked) return;
    var action = target.dataset.action;
    var key = target.dataset.key;
    if (action === "move-dimension") {
      moveDimension(key, Number(target.dataset.index));
    } else if (action === "remove-dimension") {
      removeDimension(key);
    } else if (action === "move-question") {
      var place = questionPlace(key);
      var suffix = Number(target.dataset.index) < place.index ? "--up" : "--down";
      moveQuestion(key, place.dimension.key, Number(target.dataset.index), suffix);
    } else if (action === "remove-question") {
      removeQuestion(key);
    } else if (action === "toggle-form") {
      var form = document.getElementById(target.getAttribute("aria-controls"));
      var open = form.classList.contains("d-none");
      showForm(form, open);
      if (open) {
        var first = form.querySelector("[data-field]");
        if (first) first.focus();
      }
    } else if (action === "cancel-form") {
      var cancelled = target.closest("form");
      cancelled.reset();
      clearFormErrors(cancelled);
      showForm(cancelled, false);
      var toggle = document.querySelector('[aria-controls="' + cancelled.id + '"]');
      if (toggle) toggle.focus();
    }
  });

  root.addEventListener("submit", function (event) {
    var form = event.target;
    event.preventDefault();
    if (locked) return;
    if (form.dataset.form === "add-question") submitAddQuestion(form);
    else if (form.dataset.form === "add-dimension") submitAddDimension(form);
  });

  render();
})();
