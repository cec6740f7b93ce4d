// The draft form: autosave, a copy in this browser when the session ends, the live fee
// preview, the Nice class search and upload progress. Without JavaScript the form still saves,
// checks and shows the fees on every save.
(function () {
  "use strict";
  var form = document.querySelector(".js-filing-form");
  if (!form) { return; }
  var key = "portal-draft-" + form.getAttribute("data-filing");
  var status = document.querySelector(".js-save-status");
  var offline = document.querySelector(".js-offline");
  var feePanel = document.querySelector(".fee-panel");
  var saveTimer = null;
  var feeTimer = null;
  var edits = 0;  // changes typed; `saved` of them have reached the portal
  var saved = 0;

  function fieldData() {
    var data = new FormData(form);
    form.querySelectorAll("input[type=file]").forEach(function (input) { data.delete(input.name); });
    data.delete("action");
    return data;
  }

  function backup() {
    var entries = [];
    fieldData().forEach(function (value, name) {
      if (name !== "csrf_token") { entries.push([name, value]); }
    });
    try {
      localStorage.setItem(key, JSON.stringify({ at: new Date().toISOString(), entries: entries }));
    } catch (e) { /* storage full or disabled: autosave still works */ }
  }

  // `passive`: a request the user did not make (the save before the session ends), which must
  // not count as activity and so extend the session (session.js).
  function post(url, data, passive) {
    var headers = { "Accept": "application/json", "X-Requested-With": "fetch" };
    if (passive) { headers["X-Portal-Activity"] = "none"; }
    return fetch(url, {
      method: "POST", body: data, credentials: "same-origin", headers: headers
    }).then(function (response) {
      if (!passive && response.status !== 401) {
        document.dispatchEvent(new CustomEvent("portal:session-activity"));
      }
      return response;
    });
  }

  function autosave(passive) {
    var upTo = edits;
    if (status) { status.textContent = form.getAttribute("data-saving-text"); }
    return post(form.getAttribute("data-autosave-url"), fieldData(), passive).then(function (response) {
      if (response.status === 401 || response.status === 400) {
        if (offline) { offline.hidden = false; }
        throw new Error("session");
      }
      if (!response.ok) { throw new Error("failed"); }
      return response.json();
    }).then(function (body) {
      saved = Math.max(saved, upTo);
      if (saved === edits) { localStorage.removeItem(key); }
      if (offline) { offline.hidden = true; }
      if (status) {
        // The translation places the time; an isolate (FSI ... PDI) keeps its digits and
        // separators in order inside a right-to-left sentence.
        status.textContent = form.getAttribute("data-saved-text")
          .replace("{when}", "\u2068" + body.saved_at + "\u2069");
      }
    }).catch(function (error) {
      if (status && error.message !== "session") {
        status.textContent = form.getAttribute("data-failed-text");
      }
    });
  }

  function renderFees(body) {
    var box = feePanel.querySelector(".js-fee-lines");
    var table = document.createElement("table");
    table.className = "fee-table";
    var tbody = table.createTBody();
    body.lines.forEach(function (line) {
      var row = tbody.insertRow();
      row.insertCell().textContent = line.label + (line.quantity > 1 ? " × " + (line.quantity_text || line.quantity) : "");
      var amount = row.insertCell();
      amount.className = "num";
      amount.textContent = line.amount_text;
    });
    var foot = table.createTFoot().insertRow();
    var head = document.createElement("th");
    head.scope = "row";
    head.textContent = feePanel.getAttribute("data-total-text");
    foot.appendChild(head);
    var total = foot.insertCell();
    total.className = "num";
    total.textContent = body.total_text;
    box.replaceChildren(table);
  }

  function refreshFees() {
    if (!feePanel) { return; }
    post(feePanel.getAttribute("data-fees-url"), fieldData()).then(function (response) {
      if (!response.ok) { throw new Error("fees"); }
      return response.json();
    }).then(renderFees).catch(function () { /* the last figures stay until the next save */ });
  }

  function changed(event) {
    if (event.target.type === "file") { return; }
    edits += 1;
    backup();
    clearTimeout(saveTimer);
    saveTimer = setTimeout(autosave, 2000);
    clearTimeout(feeTimer);
    feeTimer = setTimeout(refreshFees, 600);
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  // The session is about to end (session.js): save what is not saved yet, now.
  document.addEventListener("portal:session-ending", function (event) {
    clearTimeout(saveTimer);
    if (saved === edits) { return; }
    backup();
    event.detail.waitUntil(autosave(true));
  });

  // Offer back what this browser kept when the last autosave could not reach the portal.
  function restore(entries) {
    var byName = {};
    entries.forEach(function (pair) { (byName[pair[0]] = byName[pair[0]] || []).push(pair[1]); });
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.name === "csrf_token" || el.type === "submit") { return; }
      var values = byName[el.name] || [];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = values.indexOf(el.value) !== -1;
      } else if (values.length) {
        el.value = values[0];
      }
    });
    autosave();
    refreshFees();
  }
  var kept = null;
  try { kept = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { kept = null; }
  var prompt = document.querySelector(".js-restore");
  if (kept && prompt && kept.at > form.getAttribute("data-updated")) {
    prompt.hidden = false;
    prompt.querySelector(".js-restore-yes").addEventListener("click", function () {
      restore(kept.entries);
      prompt.hidden = true;
    });
    prompt.querySelector(".js-restore-no").addEventListener("click", function () {
      localStorage.removeItem(key);
      prompt.hidden = true;
    });
  } else if (kept) {
    localStorage.removeItem(key);
  }

  // The Nice class search.
  var search = document.querySelector(".js-class-search");
  if (search) {
    search.addEventListener("input", function () {
      var needle = search.value.trim().toLowerCase();
      document.querySelectorAll(".class-list li").forEach(function (item) {
        item.hidden = needle !== "" && item.textContent.toLowerCase().indexOf(needle) === -1;
      });
    });
  }

  // Upload progress: send the form ourselves when it carries files.
  var progress = form.querySelector(".js-upload-progress");
  form.addEventListener("submit", function (event) {
    var hasFiles = Array.prototype.some.call(form.querySelectorAll("input[type=file]"),
      function (input) { return input.files && input.files.length; });
    if (!hasFiles || !window.XMLHttpRequest || !progress) { return; }
    event.preventDefault();
    var data = new FormData(form);
    if (event.submitter && event.submitter.name) {
      data.set(event.submitter.name, event.submitter.value);
    }
    var xhr = new XMLHttpRequest();
    // form.action would be the buttons named "action", not the attribute.
    xhr.open("POST", form.getAttribute("action"));
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    progress.hidden = false;
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { progress.value = Math.round(100 * e.loaded / e.total); }
    });
    xhr.addEventListener("load", function () {
      localStorage.removeItem(key);
      var type = xhr.getResponseHeader("Content-Type") || "";
      if (type.indexOf("application/json") === 0) {
        var target = new URL(JSON.parse(xhr.responseText).location, window.location.href);
        var here = window.location;
        if (target.pathname + target.search === here.pathname + here.search) {
          here.hash = target.hash;  // only the fragment differs: assign() would not reload
          here.reload();
        } else {
          here.assign(target.href);
        }
      } else {  // the page again, with what was wrong with the files
        document.open();
        document.write(xhr.responseText);
        document.close();
      }
    });
    xhr.addEventListener("error", function () { form.submit(); });
    xhr.send(data);
  });
})();
