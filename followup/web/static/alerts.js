// Poll a fingerprint of the alerts; reload only when it changed and nobody is typing, so
// a half-written note is never lost. While someone is, say so instead.
(function () {
  var root = document.getElementById("alerts");
  var banner = document.getElementById("alerts-changed");
  var stamp = root.dataset.stamp;
  function busy() {
    var active = document.activeElement;
    if (active && /^(TEXTAREA|INPUT|SELECT)$/.test(active.tagName)) { return true; }
    return Array.prototype.some.call(document.querySelectorAll("textarea"), function (t) {
      return t.value.trim() !== "";
    });
  }
  function check() {
    return fetch("/staff/alerts/poll", {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (response.redirected || response.status === 401) { return {stamp: "signed-out"}; }
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data || data.stamp === stamp) { return; }
        if (busy()) { banner.hidden = false; return; }
        window.location.reload();
      })
      .catch(function () { /* offline for a moment: try again at the next round */ });
  }
  window.followupCheckAlerts = check;
  window.setInterval(check, Number(root.dataset.pollSeconds) * 1000);
})();
