// forceplan dashboard: the live parts of the pages. Every call goes to this server only.
"use strict";

function csrf() {
  var meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

async function api(method, url, body, isForm) {
  var headers = {"X-CSRF-Token": csrf(), "Accept": "application/json"};
  var options = {method: method, headers: headers, credentials: "same-origin"};
  if (body !== undefined) {
    if (isForm) { options.body = body; }
    else { headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body); }
  }
  var response = await fetch(url, options);
  var data = null;
  var text = await response.text();
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = {detail: text}; }
  return {ok: response.ok, status: response.status, data: data};
}

function say(form, text, bad) {
  var el = form.querySelector(".form-message");
  if (el) { el.textContent = text; el.className = "form-message" + (bad ? " error" : ""); }
}

function explain(result) {
  if (result.status === 401) { return "Sign in first (a token is needed to change anything)."; }
  var d = result.data && result.data.detail;
  if (typeof d === "string") { return d; }
  if (Array.isArray(d)) { return d.map(function (e) { return (e.loc || []).join(".") + ": " + e.msg; }).join("; "); }
  return "Failed (" + result.status + ").";
}

function embed(el, spec) {
  if (!window.vegaEmbed) { el.textContent = "The chart library did not load."; return Promise.resolve(); }
  return window.vegaEmbed(el, spec, {renderer: "svg", actions: false}).catch(function (err) {
    el.textContent = "This chart could not be drawn: " + err;
    console.error(err);
  });
}

// -- tables that filter as you type ---------------------------------------------------
function setupSearch() {
  var box = document.getElementById("figure-search");
  var table = document.getElementById("figures");
  if (!box || !table) { return; }
  var only = document.getElementById("only-assumptions");
  var count = document.getElementById("figure-count");
  function filter() {
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var text = row.textContent.toLowerCase();
      row.querySelectorAll("input[type=text]").forEach(function (i) { text += " " + i.value; });
      var ok = words.every(function (w) { return text.indexOf(w) >= 0; });
      if (only && only.checked && row.dataset.assumption !== "yes") { ok = false; }
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    if (count) { count.textContent = shown + " figures shown"; }
  }
  box.addEventListener("input", filter);
  if (only) { only.addEventListener("change", filter); }
}

// -- starting runs --------------------------------------------------------------------
function setupStartRun() {
  var form = document.getElementById("start-run");
  if (!form) { return; }
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var kind = form.kind.value;
    var names = [form.dataset.scenario];
    if (kind === "compare") {
      Array.from(form.other.selectedOptions).forEach(function (o) { names.push(o.value); });
    }
    var body = {kind: kind, scenarios: names, draws: Number(form.draws.value),
                seed: Number(form.seed.value)};
    if (form.backstop.value) { body.backstop = form.backstop.value === "true"; }
    if (kind === "plan") { delete body.draws; delete body.seed; }
    say(form, "starting…");
    var result = await api("POST", "/api/runs", body);
    if (result.ok) { window.location.href = result.data.url; } else { say(form, explain(result), true); }
  });
}

// -- problems beside their fields -----------------------------------------------------
function showProblems(form, problems) {
  var list = form.querySelector("#problems");
  form.querySelectorAll(".field-problem").forEach(function (el) { el.textContent = ""; });
  form.querySelectorAll("tr.has-problem").forEach(function (tr) { tr.classList.remove("has-problem"); });
  list.innerHTML = "";
  list.hidden = !problems.length;
  var bad = {};
  problems.forEach(function (p) {
    var li = document.createElement("li");
    li.textContent = (p.line ? "line " + p.line + ": " : "") + ((p.field || p.location) ? (p.field || p.location) + ": " : "") + p.message;
    list.appendChild(li);
    if (p.line) { bad[p.line] = true; }
    if (p.field) {
      var row = form.querySelector('tr[data-field="' + CSS.escape(p.field) + '"]');
      if (row) {
        row.classList.add("has-problem");
        row.hidden = false;
        row.querySelector(".field-problem").textContent = p.message;
      }
    }
  });
  drawGutter(bad);
}

function drawGutter(bad) {
  var area = document.getElementById("toml");
  var gutter = document.getElementById("gutter");
  if (!area || !gutter) { return; }
  var n = area.value.split("\n").length;
  gutter.innerHTML = "";
  for (var k = 1; k <= n; k += 1) {
    var span = document.createElement("span");
    span.textContent = k + "\n";
    if (bad && bad[k]) { span.className = "bad"; span.title = "a problem is reported on this line"; }
    gutter.appendChild(span);
  }
}

function setupEditCopy() {
  var form = document.getElementById("edit-copy");
  if (!form) { return; }
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var figures = {};
    form.querySelectorAll("tr[data-field]").forEach(function (row) {
      var edit = {};
      row.querySelectorAll("input").forEach(function (input) {
        var now = input.type === "checkbox" ? String(input.checked) : input.value.trim();
        if (now === input.dataset.original) { return; }
        if (input.type === "checkbox") { edit[input.name] = input.checked; }
        else if (now === "") { edit[input.name] = null; }
        else { edit[input.name] = isNaN(Number(now)) ? now : Number(now); }
      });
      if (Object.keys(edit).length) { figures[row.dataset.field] = edit; }
    });
    say(form, "validating…");
    var result = await api("POST", "/api/scenarios/" + encodeURIComponent(form.dataset.base) + "/copy",
                           {name: form.name.value, title: form.title.value, figures: figures});
    if (result.ok) { window.location.href = result.data.url; return; }
    say(form, explain(result), true);
    showProblems(form, (result.data && result.data.problems) || []);
  });
}

function setupNewScenario() {
  var form = document.getElementById("new-scenario");
  if (!form) { return; }
  var area = document.getElementById("toml");
  area.addEventListener("input", function () { drawGutter(); });
  area.addEventListener("scroll", function () { document.getElementById("gutter").scrollTop = area.scrollTop; });
  drawGutter();
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var result;
    say(form, "validating…");
    if (form.file.files.length) {
      var data = new FormData();
      data.append("file", form.file.files[0]);
      var url = "/api/scenarios/upload" + (form.name.value ? "?name=" + encodeURIComponent(form.name.value) : "");
      result = await api("POST", url, data, true);
    } else {
      result = await api("POST", "/api/scenarios", {name: form.name.value, toml: area.value});
    }
    if (result.ok) { window.location.href = result.data.url; return; }
    say(form, explain(result), true);
    showProblems(form, (result.data && result.data.problems) || []);
  });
}

// -- a run's page: live progress, then charts and the map -----------------------------
function setupRun() {
  var box = document.getElementById("run");
  if (!box) { return; }
  var id = box.dataset.run;
  var statusEl = document.getElementById("run-status");
  var stageEl = document.getElementById("run-stage");
  var bar = document.getElementById("run-progress");
  function show(state) {
    statusEl.textContent = state.status;
    statusEl.className = "status " + state.status;
    var p = state.progress;
    if (p) {
      stageEl.textContent = p.stage + (p.total ? " " + p.done.toLocaleString() + " / " + p.total.toLocaleString() + " draws" : "");
      bar.max = p.total || 1;
      bar.value = p.total ? p.done : 0;
    }
  }
  if (box.dataset.status === "running") {
    var source = new EventSource("/api/runs/" + id + "/events");
    source.addEventListener("progress", function (e) { show(JSON.parse(e.data)); });
    source.addEventListener("done", function (e) {
      source.close();
      var state = JSON.parse(e.data);
      show(state);
      if (state.status === "finished") { bar.value = bar.max; }
      window.location.reload();
    });
  } else if (box.dataset.status === "finished") {
    drawRun(id);
  }
  var del = document.getElementById("delete-run");
  if (del) {
    del.addEventListener("click", async function () {
      if (!window.confirm("Delete run " + id + " and its results?")) { return; }
      var result = await api("DELETE", "/api/runs/" + id);
      if (result.ok) { window.location.href = "/"; } else { window.alert(explain(result)); }
    });
  }
}

async function drawRun(id) {
  var done = [];
  var map = await api("GET", "/api/runs/" + id + "/map");
  if (map.ok) {
    document.getElementById("map-section").hidden = false;
    done.push(embed(document.getElementById("map"), map.data.spec));
    var off = map.data.items.filter(function (i) { return !i.placed; });
    if (off.length) {
      document.getElementById("map-unplaced").textContent = "Not on the map: " + off.map(function (i) {
        return i.name + " (" + (i.where || "no location given") + ")";
      }).join("; ");
    }
  }
  var charts = await api("GET", "/api/runs/" + id + "/charts");
  if (charts.ok) {
    var holder = document.getElementById("charts");
    document.getElementById("charts-section").hidden = false;
    Object.keys(charts.data.charts).forEach(function (name) {
      var el = document.createElement("div");
      el.className = "chart";
      el.id = "chart-" + name;
      el.dataset.chart = name;
      holder.appendChild(el);
      done.push(embed(el, charts.data.charts[name]));
    });
  }
  await Promise.all(done);
  document.body.dataset.chartsDrawn = "yes";
}

async function setupCompare() {
  var box = document.getElementById("compare");
  if (!box) { return; }
  var result = await api("GET", "/api/compare?" + box.dataset.query);
  var el = document.getElementById("compare-chart");
  if (result.ok && result.data.spec) { await embed(el, result.data.spec); }
  else if (!result.ok) { el.textContent = explain(result); }
  else { el.textContent = "No simulated outcomes to chart: compare simulation runs to see their bands."; }
  document.body.dataset.chartsDrawn = "yes";
}

document.addEventListener("DOMContentLoaded", function () {
  setupSearch();
  setupStartRun();
  setupEditCopy();
  setupNewScenario();
  setupRun();
  setupCompare();
});
