// The template editor's live preview: as the text changes, ask the server to render it
// through the same sandboxed renderer the worker sends with, and show the result, the
// error with its line, or the SMS segment count and encoding. Plain script, no build step.
(function () {
  "use strict";

  var root = document.getElementById("template-editor");
  if (!root) {
    return;
  }
  var DEBOUNCE_MS = 300;
  var body = document.getElementById("body");
  var contextChoice = document.getElementById("preview-context");
  var stepChoice = document.getElementById("preview-step");
  var errorBox = document.getElementById("preview-error");
  var textBox = document.getElementById("preview-text");
  var htmlFrame = document.getElementById("preview-html");
  var segments = document.getElementById("segments");
  var meta = document.getElementById("preview-meta");
  var csrf = document.querySelector("input[name=csrf_token]").value;
  var timer = null;
  // Answers can arrive out of order; only the newest request's answer is shown.
  var latest = 0;

  function output() {
    return textBox || htmlFrame;
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    // Keep the last good preview visible but dimmed, so the person sees what changed.
    output().classList.add("is-stale");
    if (segments) {
      segments.textContent = "";
    }
    meta.textContent = "";
  }

  function describeSegments(sms) {
    var line =
      sms.segments + " segment" + (sms.segments === 1 ? "" : "s") + " · " + sms.encoding +
      " · " + sms.characters + " " + (sms.encoding === "GSM-7" ? "septets" : "UTF-16 units") +
      " (" + sms.per_segment + " per segment)";
    segments.textContent = line;
    if (sms.non_gsm.length) {
      var why = document.createElement("span");
      why.className = "why";
      why.textContent = " — UCS-2 because of: " + sms.non_gsm.join(", ");
      segments.appendChild(why);
    }
  }

  function showPreview(answer) {
    errorBox.hidden = true;
    errorBox.textContent = "";
    output().classList.remove("is-stale");
    if (htmlFrame) {
      // srcdoc in a sandbox with no permissions: the email's HTML runs no script and
      // cannot reach this page.
      htmlFrame.srcdoc = answer.html;
    } else {
      textBox.textContent = answer.text;
    }
    if (segments && answer.sms) {
      describeSegments(answer.sms);
    }
    meta.textContent = answer.characters + " characters as sent";
  }

  function refresh() {
    var request = ++latest;
    fetch(root.dataset.previewUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({
        language: root.dataset.language,
        template: root.dataset.template,
        part: root.dataset.part,
        body: body.value,
        context: contextChoice.value,
        step: stepChoice ? stepChoice.value : ""
      })
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("the preview failed (HTTP " + response.status + "); reload the page");
        }
        return response.json();
      })
      .then(function (answer) {
        if (request !== latest) {
          return;
        }
        if (answer.ok) {
          showPreview(answer);
        } else {
          showError(answer.error);
        }
      })
      .catch(function (error) {
        if (request === latest) {
          showError(String(error.message || error));
        }
      });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, DEBOUNCE_MS);
  }

  body.addEventListener("input", schedule);
  contextChoice.addEventListener("change", refresh);
  if (stepChoice && stepChoice.tagName === "SELECT") {
    stepChoice.addEventListener("change", refresh);
  }
  refresh();
})();
