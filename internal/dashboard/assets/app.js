// statgate dashboard: the little htmx does not do. Marks the selected
// cell, shows whether live updates are connected, keeps the API token for
// this tab only, and posts rollbacks as JSON.
(function () {
  "use strict";
  var selected = null;
  function tokenRequired() { return document.body.dataset.tokenRequired === "true"; }
  function token() { return sessionStorage.getItem("statgate-token") || ""; }
  function refreshMutate() {
    document.body.classList.toggle("can-mutate", !tokenRequired() || token() !== "");
  }
  function markSelected() {
    document.querySelectorAll(".cell.selected").forEach(function (c) { c.classList.remove("selected"); });
    if (selected) {
      var c = document.getElementById(selected);
      if (c) c.classList.add("selected");
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var input = document.getElementById("token");
    if (input) {
      input.value = token();
      input.addEventListener("input", function () {
        sessionStorage.setItem("statgate-token", input.value);
        refreshMutate();
      });
    }
    refreshMutate();
    window.statgateLoadedAt = Date.now();
  });
  document.addEventListener("click", function (ev) {
    var cell = ev.target.closest(".cell");
    if (cell) {
      // Cell ids are c-<processor>-<YYYY-MM-DD>.
      var proc = cell.id.slice(2, -11), date = cell.id.slice(-10);
      selected = cell.id;
      markSelected();
      htmx.ajax("GET", "/ui/task/" + proc + "/" + date, { target: "#detail", swap: "innerHTML" });
      return;
    }
    var btn = ev.target.closest("button.rollback");
    if (!btn) return;
    var body = { table: btn.dataset.table, game_date: btn.dataset.date, to_version: Number(btn.dataset.version) };
    var headers = { "Content-Type": "application/json" };
    if (token()) headers.Authorization = "Bearer " + token();
    // The panel is redrawn by live updates; the outcome goes to the header.
    var out = document.getElementById("notice");
    fetch("/api/rollback", { method: "POST", headers: headers, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
      .then(function (res) {
        if (out) out.textContent = res.ok
          ? "Restored " + body.table + " " + body.game_date + " as version " + res.j.version.version + "."
          : "Rollback refused: " + res.j.error;
      })
      .catch(function (e) { if (out) out.textContent = "Failed: " + e; });
  });
  document.addEventListener("htmx:afterSwap", markSelected);
  document.addEventListener("htmx:sseOpen", function () {
    var l = document.getElementById("live");
    if (l) { l.classList.add("connected"); l.textContent = "live"; }
  });
  document.addEventListener("htmx:sseError", function () {
    var l = document.getElementById("live");
    if (l) { l.classList.remove("connected"); l.textContent = "reconnecting"; }
  });
})();
