// The end of the session: a warning before the portal ends it, "Stay logged in", and a draft
// being edited saved before the page goes to the login page (filing-form.js listens for
// "portal:session-ending"). Without script the portal still ends the session, and the login
// page says why. Timings and texts come from <template id="session-warning">
// (templates/auth/_session_warning.html).
(function () {
  "use strict";
  var source = document.getElementById("session-warning");
  if (!source || !window.fetch || !window.Promise || !source.content) { return; }
  var data = source.dataset;
  var SAVE_BEFORE = 5000;  // ms: the last save must reach the portal while the session lives
  var LONGEST_WAIT = 86400000;  // ms: setTimeout cannot wait for weeks
  var loaded = Date.now();
  var idle = Number(data.idle) * 1000;  // 0: kept logged in on this device, no idle limit
  var seenAt = loaded - (idle - Number(data.idleEndsIn) * 1000);  // the portal's last activity
  var lifetimeEnd = loaded + Number(data.lifetimeEndsIn) * 1000;
  var lead = Number(data.warn) * 1000;
  var resolution = Number(data.resolution) * 1000;
  var dialog = null;
  var timer = null;
  var ticker = null;
  var ending = false;
  var returnFocus = null;
  var announced = null;

  function idleEnd() { return idle ? seenAt + idle : Infinity; }
  function endsAt() { return Math.min(idleEnd(), lifetimeEnd); }
  function byIdle() { return idleEnd() < lifetimeEnd; }
  function warnLead() { return byIdle() ? Math.min(lead, idle / 2) : lead; }

  // What the portal says, in this page's clock.
  function learn(body) {
    var now = Date.now();
    idle = body.idle ? body.idle * 1000 : 0;
    if (idle) { seenAt = now - (idle - body.idle_ends_in * 1000); }
    lifetimeEnd = now + body.lifetime_ends_in * 1000;
  }

  // Resolves to true while the session lives (its timings learnt), false once it has ended.
  // Asking is not activity: it does not extend the session.
  function status() {
    return fetch(data.statusUrl, {
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (response.status === 401) { return false; }
      if (!response.ok) { throw new Error("status"); }
      return response.json().then(function (body) { learn(body); return true; });
    }).catch(function () { return Date.now() < endsAt(); });
  }

  function schedule() {
    clearTimeout(timer);
    var wait = Math.max(0, endsAt() - warnLead() - Date.now());
    timer = setTimeout(due, Math.min(wait, LONGEST_WAIT));
  }

  function due() {
    status().then(function (alive) {
      if (!alive) { leave(); return; }
      // Another tab may have kept the session alive meanwhile.
      if (endsAt() - Date.now() > warnLead() + 1000) { schedule(); return; }
      open();
    });
  }

  function part(selector) { return dialog.querySelector(selector); }

  function build() {
    document.body.appendChild(source.content.cloneNode(true));
    dialog = document.querySelector(".session-dialog");
    part(".js-session-stay").addEventListener("click", stay);
    dialog.addEventListener("cancel", function (event) {
      // Escape: whoever pressed it is here. The time limit cannot be extended: the dialog stays.
      event.preventDefault();
      if (byIdle()) { stay(); }
    });
  }

  function open() {
    if (!dialog) { build(); }
    var idleMode = byIdle();
    part(".js-session-idle").hidden = !idleMode;
    part(".js-session-lifetime").hidden = idleMode;
    part(".js-session-stay").hidden = !idleMode;
    part(".js-session-problem").hidden = true;
    if (!dialog.open) {
      returnFocus = document.activeElement;
      announced = null;
      dialog.showModal();
    }
    (idleMode ? part(".js-session-stay") : dialog).focus();
    clearInterval(ticker);
    ticker = setInterval(tick, 1000);
    tick();
  }

  function close() {
    clearInterval(ticker);
    if (dialog && dialog.open) {
      dialog.close();
      if (returnFocus && returnFocus.focus && document.contains(returnFocus)) { returnFocus.focus(); }
    }
  }

  function minutesAndSeconds(ms) {
    var s = Math.max(0, Math.ceil(ms / 1000));
    var m = Math.floor(s / 60);
    s = s % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function timeLeft(ms) {
    // An isolate keeps the digits in order inside a right-to-left sentence.
    return data.timeLeftText.replace("{time}", "\u2068" + minutesAndSeconds(ms) + "\u2069");
  }

  function tick() {
    var left = endsAt() - Date.now();
    if (!ending && left > warnLead() + 1000) { close(); schedule(); return; }
    part(".js-session-countdown").textContent = timeLeft(left);
    // The live region speaks at each whole minute, then at 30 and 10 seconds: not every second.
    var mark = left > 60000 ? Math.ceil(left / 60000) * 60 : left > 30000 ? 60 : left > 10000 ? 30 : 10;
    if (mark !== announced) {
      announced = mark;
      part(".js-session-announce").textContent = timeLeft(mark * 1000);
    }
    if (left <= SAVE_BEFORE && !ending) { finish(); }
  }

  // Time is up: let the page save what it holds (without counting as activity), then go.
  function finish() {
    ending = true;
    var waits = [];
    document.dispatchEvent(new CustomEvent("portal:session-ending", {
      detail: { waitUntil: function (promise) {
        waits.push(Promise.resolve(promise).catch(function () { return null; }));
      } }
    }));
    Promise.all(waits).then(function () {
      clearTimeout(timer);
      timer = setTimeout(check, Math.max(0, endsAt() - Date.now()) + 1000);
    });
  }

  function check() {
    status().then(function (alive) {
      var left = endsAt() - Date.now();
      if (!alive) { leave(); return; }
      if (left <= 0) { timer = setTimeout(check, 1000); return; }
      ending = false;  // kept alive elsewhere: warn again when due
      if (left > warnLead()) { close(); schedule(); }
    });
  }

  function leave() {
    clearInterval(ticker);
    clearTimeout(timer);
    window.location.assign(data.loginUrl + "?next=" +
      encodeURIComponent(window.location.pathname + window.location.search));
  }

  function stay() {
    fetch(data.keepaliveUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": data.csrf, "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (response.status === 401) { leave(); return; }
      if (!response.ok) { throw new Error("keepalive"); }
      seenAt = Date.now();
      ending = false;
      close();
      schedule();
    }).catch(function () {
      var problem = part(".js-session-problem");
      problem.textContent = data.failedText;
      problem.hidden = false;
    });
  }

  // Requests the user made in the background (autosave, fees) are activity: the portal notes
  // it at most once per `resolution`, and so does this page.
  document.addEventListener("portal:session-activity", function () {
    var now = Date.now();
    if (idle && now - seenAt >= resolution) {
      seenAt = now;
      if (!dialog || !dialog.open) { schedule(); }
    }
  });

  schedule();
})();
