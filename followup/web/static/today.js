// Count down each Undo offer on the Today page; when its time is up, the server would
// refuse it anyway, so the button goes and the row says the message is on its way.
(function () {
  var forms = document.querySelectorAll("form.undo-discharge[data-undo-until]");
  if (!forms.length) { return; }
  function tick() {
    var now = Date.now();
    Array.prototype.forEach.call(forms, function (form) {
      var left = Math.ceil((Date.parse(form.dataset.undoUntil) - now) / 1000);
      var label = form.querySelector(".undo-left");
      var button = form.querySelector("button");
      if (left > 0) {
        label.textContent = " (" + left + " s to undo)";
      } else if (button) {
        label.textContent = " (sent or sending now)";
        button.remove();
      }
    });
  }
  tick();
  window.setInterval(tick, 1000);
})();
