// The Ledger: promises due today or overdue, each marked kept or broken in one click, and the
// incidents with their 5 Whys and corrective actions.
"use strict";

const $ = (id) => document.getElementById(id);
const form = $("promise-filters");

function when(iso) { return iso ? iso.slice(0, 16).replace("T", " ") : "–"; }

function showError(message) { $("error").hidden = !message; $("error").textContent = message || ""; }

function promiseRow(p) {
  const status = el("td", { class: "status" }, p.status, p.status_by === "person" ? " (marked)" : "");
  const markButton = (to, label) => el("button", {
    type: "button", class: to === "kept" ? "" : "secondary", "aria-label": `Mark promise ${p.id} ${to}`,
    onclick: async (event) => {
      const buttons = event.target.closest("td").querySelectorAll("button");
      buttons.forEach((b) => { b.disabled = true; });
      try {
        const marked = await api(`/v1/promises/${p.id}/mark`, { status: to });
        fill(status, marked.status, " (marked)");
        announce(`Promise ${p.id} marked ${marked.status}`);
        showError("");
      } catch (error) {
        showError(error.message);
      } finally {
        buttons.forEach((b) => { b.disabled = false; });
      }
    },
  }, label);
  return el("tr", { id: `promise-${p.id}` },
    el("td", {}, when(p.due)), el("td", {}, p.text), el("td", {}, p.kind, p.action ? ` · ${p.action}` : ""),
    el("td", {}, p.agent ?? "–"), el("td", {}, p.team ?? "–"),
    el("td", {}, el("a", { href: `/dashboard#conversation-${p.conversation_id}` }, p.conversation)),
    status, el("td", {}, el("div", { class: "actions" }, markButton("kept", "Kept"), markButton("broken", "Broken"))));
}

async function loadPromises() {
  const params = new URLSearchParams();
  for (const name of ["status", "team", "agent"]) if (form.elements[name].value.trim()) params.set(name, form.elements[name].value.trim());
  try {
    const data = await api(`/v1/promises?${params}`);
    const label = form.elements.status.selectedOptions[0].textContent;
    $("promise-count").textContent = `${data.promises.length} promise(s) ${label}.`;
    fill($("promises"),
      el("thead", {}, el("tr", {}, ["Due", "Promise", "Kind", "Agent", "Team", "Conversation", "Status", "Mark"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, data.promises.map(promiseRow)));
    showError("");
  } catch (error) {
    showError(error.message);
  }
}

function incidentCard(i) {
  return el("article", { class: "card", "aria-labelledby": `incident-${i.id}` },
    el("h3", { id: `incident-${i.id}` }, `#${i.id} ${i.what}`),
    el("p", { class: "muted" }, `${i.status} · severity ${i.severity ?? "–"} · cause ${i.cause}`,
      i.category ? ` · ${i.category}` : "", i.started_at ? ` · started ${when(i.started_at)}` : ""),
    el("h4", {}, "5 Whys"),
    i.whys.length ? el("ol", {}, i.whys.map((w) => el("li", {}, w.answer, w.root_cause ? el("strong", {}, " — root cause") : "")))
      : el("p", {}, "No whys yet."),
    el("h4", {}, "Corrective actions"),
    i.actions.length ? el("ul", {}, i.actions.map((a) => el("li", {}, a.action,
      ` — ${a.owner ?? "no owner"}, due ${when(a.due_at)}, ${a.status}`, a.overdue ? el("strong", {}, " (overdue)") : "")))
      : el("p", {}, "No actions yet."),
    i.warnings.length ? el("ul", { class: "error" }, i.warnings.map((w) => el("li", {}, w))) : null);
}

async function loadIncidents() {
  try {
    const data = await api("/v1/incidents?status=all");
    fill($("incidents"), data.incidents.length ? el("div", { class: "cards" }, data.incidents.map(incidentCard)) : el("p", {}, "No incidents recorded."));
  } catch (error) {
    // an agent's key reads promises but not incidents: say so where they would be
    fill($("incidents"), el("p", { class: "error" }, error.message));
  }
}

form.addEventListener("submit", (event) => { event.preventDefault(); loadPromises(); });
loadPromises();
loadIncidents();
