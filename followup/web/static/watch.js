// Every staff page: ask for the open crises every 15 s and show them in the banner, the
// navigation's counts and the title. Nothing reloads, so what a person types stays put.
// The poll (/staff/alerts/status) does not count as the person's activity (idle timeout).
(function () {
  var banner = document.getElementById("crisis-banner");
  if (!banner) { return; }
  var link = document.getElementById("crisis-link");
  var alertsCount = document.getElementById("nav-alerts");
  var waitingCount = document.getElementById("nav-waiting");
  var seconds = Number(banner.dataset.pollSeconds) || 15;
  var prefix = /^\(\u26a0 \d+\) /;
  function show(data) {
    link.textContent = data.banner;
    link.href = data.href;
    banner.hidden = !data.banner;
    if (alertsCount) {
      alertsCount.textContent = (data.crises ? "\u26a0 " : "") + data.open;
      alertsCount.classList.toggle("nav-crisis", data.crises > 0);
    }
    if (waitingCount) { waitingCount.textContent = String(data.waiting); }
    var title = document.title.replace(prefix, "");
    document.title = (data.crises ? "(\u26a0 " + data.crises + ") " : "") + title;
  }
  function check() {
    return fetch("/staff/alerts/status", {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        return response.ok && !response.redirected ? response.json() : null;
      })
      .then(function (data) { if (data) { show(data); } })
      .catch(function () { /* offline for a moment: the next round tries again */ });
  }
  window.followupWatch = check;
  window.setInterval(check, seconds * 1000);
})();
