// statgate dashboard: the little htmx does not do. The page's state lives
// in its URL (?task=, ?run=, ?version=, ?state=, ?problems=, ?from=, ?to=,
// ?proc=, ?order=, ?tl=, ?tlend=), so that what a person sees can be
// pasted and reloaded. This script applies the filters to the matrix, the
// overview and the graph, opens the selected task's panel, shows whether
// live updates are connected, keeps the API token for this tab only, and
// posts recomputations, backfills, rollbacks and promotions as JSON.
(function () {
  "use strict";
  var panelKeys = ["task", "run", "version"];

  function params() { return new URLSearchParams(location.search); }
  function tokenRequired() { return document.body.dataset.tokenRequired === "true"; }
  function token() { return sessionStorage.getItem("statgate-token") || ""; }
  function refreshMutate() {
    document.body.classList.toggle("can-mutate", !tokenRequired() || token() !== "");
  }

  // go replaces the given parameters (null deletes one) and applies the
  // new URL; push adds a history entry.
  function go(changes, push) {
    var q = params();
    Object.keys(changes).forEach(function (k) {
      var v = changes[k];
      if (v === null || v === undefined || v === "") q.delete(k); else q.set(k, v);
    });
    // A task's slash stays as it is, so that the URL reads as it looks.
    var s = q.toString().replace(/%2F/g, "/");
    var url = location.pathname + (s ? "?" + s : "");
    if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
  }

  function filters() {
    var q = params();
    return {
      states: new Set((q.get("state") || "").split(",").filter(Boolean)),
      problems: q.get("problems") === "1",
      from: q.get("from") || "", to: q.get("to") || "",
      proc: q.get("proc") || "", asc: q.get("order") === "asc"
    };
  }

  function matches(cell, f) {
    if (f.problems && !cell.dataset.problem) return false;
    if (f.states.size === 0) return true;
    return f.states.has(cell.dataset.state) || (cell.classList.contains("late") && f.states.has("late"));
  }

  function markMatches(mark, f) {
    if (f.states.size === 0) return true;
    var cls = mark.getAttribute("class").slice(2);
    return f.states.has(cls);
  }

  // applyFilters shows the matrix rows and cells, overview marks and
  // graph nodes the URL asks for.
  function applyFilters() {
    var f = filters();
    document.querySelectorAll("#summary .chip[data-state]").forEach(function (c) {
      c.setAttribute("aria-pressed", String(f.states.has(c.dataset.state)));
    });
    document.querySelectorAll("#summary .chip[data-filter=problems]").forEach(function (c) {
      c.setAttribute("aria-pressed", String(f.problems));
    });
    var form = document.getElementById("filters");
    if (form) {
      form.elements.from.value = f.from;
      form.elements.to.value = f.to;
      form.elements.proc.value = f.proc;
      form.elements.order.checked = f.asc;
    }
    var procs = Array.prototype.map.call(document.querySelectorAll("#matrix thead th[data-proc]"), function (th) {
      th.hidden = f.proc !== "" && th.dataset.proc !== f.proc;
      return th.dataset.proc;
    });
    var body = document.getElementById("matrix-body");
    var shown = 0;
    if (body) {
      var rows = Array.prototype.slice.call(body.rows);
      var asc = rows.length > 1 && rows[0].dataset.date < rows[rows.length - 1].dataset.date;
      if (rows.length > 1 && asc !== f.asc) {
        rows.reverse().forEach(function (r) { body.appendChild(r); });
      }
      rows.forEach(function (tr) {
        var date = tr.dataset.date, any = false;
        var inRange = (!f.from || date >= f.from) && (!f.to || date <= f.to);
        Array.prototype.forEach.call(tr.cells, function (td, i) {
          if (i === 0) return;
          var col = procs[i - 1], colShown = f.proc === "" || col === f.proc;
          td.hidden = !colShown;
          var cell = td.firstElementChild, m = matches(cell, f);
          cell.classList.toggle("dim", !m);
          if (colShown && m) any = true;
        });
        tr.hidden = !(inRange && any);
        if (!tr.hidden) shown++;
      });
    }
    var out = document.getElementById("shown");
    if (out) out.textContent = String(shown);
    document.querySelectorAll("#overview .ov-lane").forEach(function (lane) {
      lane.classList.toggle("dim", f.proc !== "" && lane.dataset.proc !== f.proc);
      lane.querySelectorAll("rect[data-task]").forEach(function (r) {
        var date = r.dataset.task.split("/")[1];
        var m = markMatches(r, f) && (!f.from || date >= f.from) && (!f.to || date <= f.to);
        r.classList.toggle("dim", !m);
      });
    });
    document.querySelectorAll("#graph g.node[data-name]").forEach(function (n) {
      n.classList.toggle("chosen", n.dataset.name === f.proc);
    });
    markSelected(false);
  }

  function selectedTask() { return params().get("task") || ""; }

  function markSelected(scroll) {
    var task = selectedTask();
    document.querySelectorAll(".cell.selected").forEach(function (c) { c.classList.remove("selected"); });
    document.body.classList.toggle("panel-open", task !== "");
    if (!task) return;
    var c = document.getElementById("c-" + task.replace("/", "-"));
    if (!c) return;
    c.classList.add("selected");
    if (scroll) {
      var box = c.closest(".matrix-scroll");
      if (box) {
        var top = c.offsetTop - box.clientHeight / 2;
        box.scrollTop = Math.max(0, top);
      }
    }
  }

  // loadPanel shows the URL's task in the panel (or the hint).
  function loadPanel(scroll) {
    var q = params(), task = q.get("task");
    markSelected(scroll);
    var detail = document.getElementById("detail");
    if (!task) {
      if (detail) detail.innerHTML = '<p class="hint">Select a cell, a mark or a problem to see why the task is in its state.</p>';
      return;
    }
    var extra = q.get("run") ? "?run=" + encodeURIComponent(q.get("run")) :
      q.get("version") ? "?version=" + encodeURIComponent(q.get("version")) : "";
    htmx.ajax("GET", "/ui/task/" + task + extra, { target: "#detail", swap: "innerHTML" });
  }

  function loadActivity() {
    var q = params(), s = new URLSearchParams();
    s.set("tl", q.get("tl") || "");
    if (q.get("tlend")) s.set("tlend", q.get("tlend"));
    htmx.ajax("GET", "/ui/activity?" + s.toString(), { target: "#activity", swap: "outerHTML" });
  }

  function scrollToSelectedRow() {
    var sel = document.querySelector("#task-detail tr.selected");
    if (sel) sel.scrollIntoView({ block: "nearest" });
  }

  // follow applies an in-page link: its parameters change the URL's.
  function follow(href) {
    var to = new URLSearchParams(href.slice(href.indexOf("?") + 1));
    if (to.has("task")) {
      go({ task: to.get("task"), run: to.get("run"), version: to.get("version") }, true);
      loadPanel(true);
      return;
    }
    if (to.has("proc")) {
      var p = to.get("proc");
      go({ proc: filters().proc === p ? null : p }, true);
      applyFilters();
      return;
    }
    if (to.has("from") || to.has("to")) {
      go({ from: to.get("from"), to: to.get("to") }, true);
      applyFilters();
      return;
    }
    if (to.has("tl")) {
      go({ tl: to.get("tl"), tlend: to.get("tlend") }, false);
      loadActivity();
      return;
    }
    // "?" alone closes the panel.
    go({ task: null, run: null, version: null }, true);
    loadPanel(false);
  }

  function notice(text) {
    var out = document.getElementById("notice");
    if (out) out.textContent = text;
  }

  function post(path, body, done) {
    var headers = { "Content-Type": "application/json" };
    if (token()) headers.Authorization = "Bearer " + token();
    fetch(path, { method: "POST", headers: headers, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
      .then(function (res) { notice(done(res)); })
      .catch(function (e) { notice("Failed: " + e); });
  }

  function backfill(processor, from, to, mode) {
    var body = { start_date: from, end_date: to, processors: [processor], mode: mode };
    post("/process-date-range", body, function (res) {
      return res.ok
        ? "Backfill #" + res.j.backfill_id + " of " + processor + " " + from + (to !== from ? " to " + to : "") +
          " (" + mode + ") accepted: " + res.j.scheduled_dates + " scheduled date(s)."
        : "Backfill refused: " + res.j.error;
    });
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
    applyFilters();
    markSelected(true);
    scrollToSelectedRow();
    var form = document.getElementById("filters");
    if (form) {
      form.addEventListener("change", function () {
        go({ from: form.elements.from.value, to: form.elements.to.value, proc: form.elements.proc.value,
          order: form.elements.order.checked ? "asc" : null }, false);
        applyFilters();
      });
      form.addEventListener("submit", function (ev) { ev.preventDefault(); });
    }
    var clear = document.getElementById("clear-filters");
    if (clear) clear.addEventListener("click", function () {
      go({ state: null, problems: null, from: null, to: null, proc: null, order: null }, true);
      applyFilters();
    });
    window.statgateLoadedAt = Date.now();
  });

  window.addEventListener("popstate", function () {
    applyFilters();
    loadPanel(true);
    loadActivity();
  });

  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && selectedTask()) {
      go({ task: null, run: null, version: null }, true);
      loadPanel(false);
    }
  });

  document.addEventListener("click", function (ev) {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    var chip = ev.target.closest("#summary .chip");
    if (chip) {
      if (chip.dataset.filter === "problems") {
        go({ problems: filters().problems ? null : "1" }, true);
      } else {
        var states = filters().states, st = chip.dataset.state;
        if (states.has(st)) states.delete(st); else states.add(st);
        go({ state: Array.from(states).join(",") }, true);
      }
      applyFilters();
      return;
    }
    var strip = ev.target.closest(".ov-strip");
    if (strip && !ev.target.closest("a")) {
      // A click on the strip's background is a published date: find it
      // from where the click fell.
      var dates = document.getElementById("overview").dataset.dates.split(",");
      var box = strip.getBoundingClientRect();
      var i = Math.min(dates.length - 1, Math.max(0, Math.floor((ev.clientX - box.left) / box.width * dates.length)));
      var proc = strip.closest(".ov-lane").dataset.proc;
      ev.preventDefault();
      follow("?task=" + proc + "/" + dates[i]);
      return;
    }
    var link = ev.target.closest("a[href]");
    if (link) {
      var href = link.getAttribute("href");
      if (href.charAt(0) === "?") {
        ev.preventDefault();
        follow(href);
      }
      return;
    }
    var btn = ev.target.closest("button.rollback");
    if (btn) {
      var body = { table: btn.dataset.table, game_date: btn.dataset.date, to_version: Number(btn.dataset.version) };
      // The panel is redrawn by live updates; the outcome goes to the header.
      post("/api/rollback", body, function (res) {
        return res.ok
          ? "Restored " + body.table + " " + body.game_date + " as version " + res.j.version.version + "."
          : "Rollback refused: " + res.j.error;
      });
      return;
    }
    var promote = ev.target.closest("button.promote");
    if (promote) {
      var proc = promote.dataset.processor, version = promote.dataset.version;
      post("/api/plan/apply", { processor: proc, reason: "promoted from the dashboard" }, function (res) {
        if (!res.ok) return "Promotion refused: " + res.j.error;
        var canary = document.getElementById("plan-canary");
        if (canary) canary.innerHTML = "";
        htmx.trigger(document.body, "plan-changed");
        return "Promoted " + proc + " version " + version + ": what older versions published within auto_refresh_days recomputes now.";
      });
      return;
    }
    var re = ev.target.closest("button.recompute");
    if (re) backfill(re.dataset.processor, re.dataset.date, re.dataset.date, "all");
  });

  document.addEventListener("submit", function (ev) {
    var form = ev.target.closest("form.backfill");
    if (!form) return;
    ev.preventDefault();
    backfill(form.dataset.processor, form.elements.start_date.value, form.elements.end_date.value, form.elements.mode.value);
  });

  document.addEventListener("htmx:afterSettle", function (ev) {
    if (ev.detail && ev.detail.target && ev.detail.target.id === "detail") scrollToSelectedRow();
  });
  // A live update swaps several parts out of band: filter once, before the
  // next frame is painted.
  var applyPending = false;
  document.addEventListener("htmx:oobAfterSwap", function () {
    if (applyPending) return;
    applyPending = true;
    requestAnimationFrame(function () { applyPending = false; applyFilters(); });
  });
  document.addEventListener("htmx:afterSwap", function () { markSelected(false); });
  document.addEventListener("htmx:sseOpen", function () {
    var l = document.getElementById("live");
    if (l) { l.classList.add("connected"); l.textContent = "live"; }
  });
  document.addEventListener("htmx:sseError", function () {
    var l = document.getElementById("live");
    if (l) { l.classList.remove("connected"); l.textContent = "reconnecting"; }
  });
})();
