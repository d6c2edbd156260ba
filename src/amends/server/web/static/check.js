// The Check page: the draft is analysed as it is typed (a short debounce; an answer to an
// older draft is dropped), and Fix, Advise and Compose call their endpoints on demand.
"use strict";

const $ = (id) => document.getElementById(id);
const draft = $("draft");
const customer = $("customer");
const tip = $("tip");
let asked = 0;
let lastReport = null;

function showError(message) {
  $("error").hidden = !message;
  $("error").textContent = message || "";
}

function showReport(text, report) {
  lastReport = report;
  $("score").textContent = report.score === null ? "–" : report.score;
  $("quality").textContent = report.quality === null ? "–" : report.quality;
  renderHighlighted($("highlighted"), text, report.findings, tip);
  const missing = report.findings.filter((f) => f.kind === "missing");
  const found = report.findings.filter((f) => f.kind !== "missing");
  fill($("missing"), missing.length ? missing.map(findingItem) : el("li", {}, "Nothing missing."));
  fill($("found"), found.length ? found.map(findingItem) : el("li", {}, "Nothing found yet."));
}

async function check() {
  const text = draft.value;
  const ticket = ++asked;
  if (!text.trim()) {
    fill($("highlighted")); fill($("missing")); fill($("found"));
    $("score").textContent = "–"; $("quality").textContent = "–";
    showError("");
    return;
  }
  try {
    const report = await api("/v1/analyze", { text, customer: customer.value || null });
    if (ticket !== asked) return;  // the draft changed while this was on its way
    showError("");
    showReport(text, report);
    announce(`Score ${report.score}`);
  } catch (error) {
    if (ticket === asked) showError(error.message);
  }
}

const checkSoon = debounce(check, 60);
draft.addEventListener("input", checkSoon);
customer.addEventListener("input", checkSoon);

function editedViews(text, edits) {
  const chars = Array.from(text);
  const before = [];
  const after = [];
  let at = 0;
  for (const e of [...edits].sort((a, b) => a.start - b.start)) {
    before.push(chars.slice(at, e.start).join(""));
    after.push(chars.slice(at, e.start).join(""));
    const old = chars.slice(e.start, e.end).join("");
    if (old) before.push(el("del", { class: "edit" }, el("span", { class: "visually-hidden" }, "[removed] "), old));
    if (e.replacement) after.push(el("ins", { class: "edit" }, el("span", { class: "visually-hidden" }, "[added] "), e.replacement));
    at = e.end;
  }
  before.push(chars.slice(at).join(""));
  after.push(chars.slice(at).join(""));
  return { before, after };
}

async function withBusy(button, work) {
  button.disabled = true;
  try { await work(); showError(""); } catch (error) { showError(error.message); } finally { button.disabled = false; }
}

$("fix-button").addEventListener("click", () => withBusy($("fix-button"), async () => {
  const text = draft.value;
  if (!text.trim()) throw new Error("Write a draft first: Fix improves your reply.");
  const fixed = await api("/v1/fix", { text, customer: customer.value || null });
  const views = editedViews(text, fixed.edits);
  const rebuilt = views.after.map((p) => (typeof p === "string" ? p : p.lastChild.textContent)).join("");
  fill($("fix-before"), views.before);
  fill($("fix-after"), rebuilt === fixed.improved ? views.after : fixed.improved);
  $("fix-score").textContent = `(score ${fixed.report.score}, was ${lastReport ? lastReport.score : "–"})`;
  fill($("fix-edits"), fixed.edits.length
    ? fixed.edits.map((e) => el("li", {}, "“", Array.from(text).slice(e.start, e.end).join(""), "” → “", e.replacement, "”: ", e.why))
    : el("li", {}, "No edits: nothing in the draft needed changing."));
  fill($("fix-suggestions"), fixed.suggestions.length
    ? fixed.suggestions.map((s) => el("li", {}, el("strong", {}, labelText(s.label)), ": ", s.message, " For example: ", s.example))
    : el("li", {}, "Nothing."));
  $("fix-panel").hidden = false;
  $("use-fix").onclick = () => { draft.value = fixed.improved; draft.focus(); check(); };
  announce(`Fixed: score ${fixed.report.score}`);
}));

$("advise-button").addEventListener("click", () => withBusy($("advise-button"), async () => {
  const advice = await api("/v1/advise", { customer: customer.value, reply: draft.value });
  $("posture").textContent = labelText(advice.posture);
  $("advise-summary").textContent = advice.summary;
  fill($("advise-reasons"), advice.reasons.map((r) => el("li", {}, r.reason)));
  $("advise-required").textContent = advice.required.map(labelText).join(", ") || "nothing in particular";
  $("advise-avoid").textContent = advice.avoid.map(labelText).join(", ") || "nothing in particular";
  $("advise-compensation").textContent = `${advice.compensation.offer ? "offer it" : "not up front"}. ${advice.compensation.why}`;
  $("advise-panel").hidden = false;
  announce(`Advice: ${labelText(advice.posture)}`);
}));

function incidentFromForm(form) {
  const value = (name) => form.elements[name].value.trim();
  const incident = { problem: value("problem"), cause: value("cause") };
  if (value("cause_detail")) incident.cause_detail = value("cause_detail");
  const steps = value("steps").split("\n").map((s) => s.trim()).filter(Boolean);
  if (steps.length) incident.steps = steps;
  if (value("when")) incident.follow_up = { when: value("when") };
  if (value("compensation")) incident.compensation = value("compensation");
  if (value("customer_name")) incident.customer_name = value("customer_name");
  return incident;
}

$("compose-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  const button = form.querySelector("button[type=submit]");
  withBusy(button, async () => {
    const composed = await api("/v1/compose", {
      incident: incidentFromForm(form), channel: form.elements.channel.value, tone: form.elements.tone.value,
    });
    $("compose-text").textContent = composed.text;
    $("compose-score").textContent = `(score ${composed.report.score})`;
    fill($("compose-notes"), [
      ...composed.warnings.map((w) => el("li", {}, "Note: ", w)),
      ...composed.suggestions.map((s) => el("li", {}, el("strong", {}, labelText(s.label)), ": ", s.message)),
    ]);
    $("compose-result").hidden = false;
    $("use-compose").onclick = () => { draft.value = composed.text; draft.focus(); check(); };
    announce("Draft composed");
  });
});

document.addEventListener("keydown", (e) => { if (e.key === "Escape") tip.hidden = true; });
if (draft.value) check();
