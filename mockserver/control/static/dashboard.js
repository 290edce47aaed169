// The dashboard: reads and changes the mock through the control API only (/_mock/...).
"use strict";
(function () {
  const body = document.body;
  const prefix = body.dataset.prefix;
  const keyHeader = body.dataset.keyHeader;
  const $ = (selector) => document.querySelector(selector);
  const INBOXES_SHOWN = 200; // per account: a 10,000-inbox state stays usable
  let key = sessionStorage.getItem("chatwoot-mock-control-key") || "";
  let lastWrite = null; // the newest successful write in the journal: a newer one refreshes the accounts

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function problem(text) {
    const box = $("#problem");
    box.textContent = text || "";
    box.hidden = !text;
  }

  async function control(method, path, payload) {
    const headers = {};
    if (key) headers[keyHeader] = key;
    const init = { method, headers };
    if (payload !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = typeof payload === "string" ? payload : JSON.stringify(payload);
    }
    const response = await fetch(prefix + path, init);
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (error) { data = { error: text }; }
    if (!response.ok) {
      const why = (data && (data.message || data.error)) || response.statusText;
      const detail = data && data.attributes ? " (" + data.attributes.join(", ") + ")" : "";
      if (response.status === 401 || response.status === 403) $("#key-form").hidden = false;
      throw new Error(method + " " + prefix + path + ": " + response.status + " " + why + detail);
    }
    return { data, text };
  }

  async function run(action) {
    try { problem(""); return await action(); } catch (error) { problem(error.message); return null; }
  }

  // ------------------------------------------------------------------ settings
  async function loadSettings() {
    const { data } = await control("GET", "/settings");
    const cors = data.cors.enabled ? "on (" + data.cors.origins.join(", ") + ")" : "off";
    $("#settings").replaceChildren(
      el("span", { id: "profile" }, "profile: ", el("b", {}, data.profile)),
      el("span", { id: "drift" }, "drift: ", el("b", {}, data.drift.length ? data.drift.join(", ") : "none")),
      el("span", {}, "CORS: ", el("b", {}, cors)),
      el("span", {}, "control key: ", el("b", {}, data.control_key ? "required" : "loopback only")),
      el("span", {}, "state: ", el("b", {}, data.state_file || "in memory")));
  }

  // ------------------------------------------------------------------ accounts
  async function loadAccounts() {
    const { data } = await control("GET", "/accounts");
    $("#accounts").replaceChildren(...data.accounts.map(renderAccount));
    const inboxes = data.accounts.reduce((n, a) => n + a.inboxes.length, 0);
    $("#state-note").textContent = data.accounts.length + " accounts, " + inboxes + " inboxes";
  }

  function renderAccount(account) {
    const names = new Map(account.users.map((u) => [u.id, u.name]));
    const bots = new Map(account.agent_bots.map((b) => [b.id, b.name]));
    const shown = account.inboxes.slice(0, INBOXES_SHOWN);
    return el("article", { class: "account", "data-account": account.id },
      el("h3", {}, "Account " + account.id + ": " + account.name, " ",
        el("small", {}, account.status + ", inbox limit " + (account.inbox_limit ?? "default"))),
      el("table", { class: "grid users" },
        el("thead", {}, el("tr", {}, ["user", "name", "e-mail", "role", "api_access_token"].map((h) => el("th", {}, h)))),
        el("tbody", {}, account.users.map((u) => el("tr", {},
          el("td", {}, u.id), el("td", {}, u.name), el("td", {}, u.email), el("td", {}, u.role),
          el("td", {}, el("code", {}, u.access_token)))),
          account.agent_bots.map((b) => el("tr", { class: "bot" },
            el("td", {}, "bot " + b.id), el("td", {}, b.name), el("td", {}, ""), el("td", {}, "agent bot"),
            el("td", {}, el("code", {}, b.access_token)))))),
      el("table", { class: "grid inboxes" },
        el("thead", {}, el("tr", {}, ["inbox", "name", "channel type", "members", "agent bot"].map((h) => el("th", {}, h)))),
        el("tbody", {}, shown.map((inbox) => el("tr", { "data-inbox": inbox.id },
          el("td", {}, inbox.id),
          el("td", {}, el("a", { href: prefix + "/inboxes/" + inbox.id, class: "open-inbox",
            onclick: (event) => { event.preventDefault(); run(() => openInbox(inbox.id, inbox.name)); } }, inbox.name)),
          el("td", {}, inbox.channel_type),
          el("td", {}, inbox.members.map((id) => names.get(id) || "user " + id).join(", ")),
          el("td", {}, inbox.agent_bot === null ? "" : bots.get(inbox.agent_bot) || "bot " + inbox.agent_bot))))),
      account.inboxes.length > shown.length
        ? el("p", { class: "note" }, "and " + (account.inboxes.length - shown.length) + " more inboxes") : null);
  }

  async function openInbox(id, name) {
    const { data } = await control("GET", "/inboxes/" + id);
    $("#inbox-view-title").textContent = "Inbox " + id + ": " + name + " (as GET /api/v1/accounts/…/inboxes/" + id + " answers an administrator)";
    $("#inbox-json").textContent = JSON.stringify(data, null, 2);
    $("#inbox-view").hidden = false;
    $("#inbox-view").scrollIntoView({ block: "nearest" });
  }

  // ------------------------------------------------------------------ journal
  const expanded = new Set();

  async function loadJournal() {
    const form = new FormData($("#journal-filter"));
    const query = new URLSearchParams();
    for (const name of ["method", "status", "operation_id"]) if (form.get(name)) query.set(name, form.get(name));
    const search = query.toString();
    const { data } = await control("GET", "/journal" + (search ? "?" + search : ""));
    $("#journal-count").textContent = data.count + " shown, " + data.size + " kept at most";
    $("#journal tbody").replaceChildren(...data.entries.flatMap(renderEntry));
    const write = data.entries.find((e) => e.method !== "GET" && e.status < 300);
    const seen = write ? write.at + write.method + write.path : null;
    if (seen !== lastWrite) {
      lastWrite = seen;
      if (seen !== null) await loadAccounts();
    }
  }

  function renderEntry(entry) {
    const id = entry.at + " " + entry.method + " " + entry.path + " " + entry.status;
    const complaints = entry.validation_errors.length;
    const row = el("tr", { class: "entry status-" + String(entry.status)[0] + "xx", "data-status": entry.status,
                           onclick: () => { expanded.has(id) ? expanded.delete(id) : expanded.add(id); run(loadJournal); } },
      el("td", {}, entry.at.slice(11, 23)), el("td", {}, entry.method),
      el("td", {}, entry.path + (entry.query ? "?" + entry.query : "")),
      el("td", {}, entry.status), el("td", {}, entry.operation_id || ""), el("td", {}, entry.duration_ms.toFixed(1)),
      el("td", {}, complaints ? complaints + " complaint" + (complaints > 1 ? "s" : "") : ""));
    if (!expanded.has(id)) return [row];
    const detail = el("tr", { class: "detail" }, el("td", { colspan: 7 },
      el("div", {}, el("b", {}, "body: "), entry.body ? el("pre", {}, pretty(entry.body)) : "(none)"),
      complaints ? el("div", {}, el("b", {}, "the spec's complaints:"), el("ul", {}, entry.validation_errors.map((e) => el("li", {}, e)))) : null));
    return [row, detail];
  }

  function pretty(text) {
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch (error) { return text; }
  }

  // ------------------------------------------------------------------ faults
  async function loadFaults() {
    const { data } = await control("GET", "/faults");
    renderFaults(data.faults);
  }

  function renderFaults(faults) {
    $("#faults tbody").replaceChildren(...faults.map((f) => el("tr", { "data-fault": f.id },
      el("td", {}, f.id), el("td", {}, f.operation_id || "all"), el("td", {}, f.status ?? ""),
      el("td", {}, f.latency_ms.min === f.latency_ms.max ? f.latency_ms.min : f.latency_ms.min + "–" + f.latency_ms.max),
      el("td", {}, f.times ?? "no limit"), el("td", {}, f.probability), el("td", {}, f.applied),
      el("td", {}, el("button", { onclick: () => run(async () => renderFaults((await control("DELETE", "/faults/" + f.id)).data.faults)) }, "remove")))));
  }

  async function addFault(event) {
    event.preventDefault();
    const form = new FormData($("#fault-form"));
    const fault = {};
    if (form.get("operation_id")) fault.operation_id = form.get("operation_id");
    for (const name of ["status", "times"]) if (form.get(name)) fault[name] = parseInt(form.get(name), 10);
    for (const name of ["latency_ms", "probability"]) if (form.get(name)) fault[name] = parseFloat(form.get(name));
    if (fault.status === undefined && fault.latency_ms === undefined) fault.status = 503;
    await control("POST", "/faults", fault);
    await loadFaults();
  }

  // ------------------------------------------------------------------ state
  async function exportState() {
    const { text } = await control("GET", "/state");
    const link = el("a", { href: URL.createObjectURL(new Blob([text], { type: "application/json" })),
                           download: "chatwoot-mock-state.json" });
    document.body.append(link);
    link.click();
    link.remove();
  }

  async function loadState(event) {
    const file = event.target.files[0];
    if (!file) return;
    const { data } = await control("PUT", "/state", await file.text());
    event.target.value = "";
    $("#state-note").textContent = "loaded " + file.name + ": " + JSON.stringify(data.state);
    await loadAccounts();
  }

  // ------------------------------------------------------------------ wiring
  async function loadAll() {
    await loadSettings();
    await loadAccounts();
    await loadFaults();
    await loadJournal();
  }

  $("#key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    key = new FormData(event.target).get("key");
    sessionStorage.setItem("chatwoot-mock-control-key", key);
    run(loadAll);
  });
  $("#reset").addEventListener("click", () => run(async () => { await control("POST", "/reset"); await loadAccounts(); }));
  $("#export").addEventListener("click", () => run(exportState));
  $("#load").addEventListener("change", (event) => run(() => loadState(event)));
  $("#refresh").addEventListener("click", () => run(loadAll));
  $("#inbox-view-close").addEventListener("click", () => { $("#inbox-view").hidden = true; });
  $("#journal-filter").addEventListener("change", () => run(loadJournal));
  $("#clear-journal").addEventListener("click", () => run(async () => { await control("DELETE", "/journal"); await loadJournal(); }));
  $("#fault-form").addEventListener("submit", (event) => run(() => addFault(event)));
  $("#clear-faults").addEventListener("click", () => run(async () => renderFaults((await control("DELETE", "/faults")).data.faults)));

  run(loadAll);
  let ticks = 0;
  setInterval(() => {
    if (document.hidden || !$("#journal-filter").elements.live.checked) return;
    ticks += 1;
    // The journal and faults every second; the accounts on a new write, and every 10 s for changes
    // the journal does not show (another client's reset or load).
    run(async () => { await loadJournal(); await loadFaults(); if (ticks % 10 === 0) await loadAccounts(); });
  }, 1000);
})();
