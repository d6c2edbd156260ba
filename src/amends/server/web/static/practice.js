// Practice: scenarios from the server, feedback on each attempt, and progress per agent kept in
// this browser's localStorage (see the README's "Web app" section for why not in the store).
"use strict";

const $ = (id) => document.getElementById(id);
const PROGRESS = "amends-practice";
let scenarios = [];

function progress() {
  try { return JSON.parse(localStorage.getItem(PROGRESS)) || {}; } catch (_) { return {}; }
}

function agent() { return $("agent-name").value.trim(); }

function record(scenarioId, score, passed) {
  const all = progress();
  const mine = (all[agent()] = all[agent()] || {});
  const entry = (mine[scenarioId] = mine[scenarioId] || { attempts: 0, best: null, passed: false });
  entry.attempts += 1;
  entry.best = entry.best === null ? score : Math.max(entry.best, score);
  entry.passed = entry.passed || passed;
  entry.last = new Date().toISOString();
  localStorage.setItem(PROGRESS, JSON.stringify(all));
}

function showProgress() {
  const mine = progress()[agent()] || {};
  fill($("progress"),
    el("thead", {}, el("tr", {}, ["Scenario", "Attempts", "Best score", "Passed"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, scenarios.map((s) => {
      const p = mine[s.id];
      return el("tr", {}, el("td", {}, s.title), el("td", {}, p ? p.attempts : 0),
        el("td", {}, p && p.best !== null ? p.best : "–"), el("td", {}, p && p.passed ? "yes" : "not yet"));
    })));
}

function current() { return scenarios.find((s) => s.id === $("scenario").value); }

function showScenario() {
  const s = current();
  if (!s) return;
  $("s-title").textContent = `${s.title} (${s.kind})`;
  $("s-situation").textContent = s.situation;
  fill($("s-facts"), s.facts.map((f) => el("li", {}, f)));
  $("s-customer").textContent = s.customer;
  $("s-expect").textContent = s.expect.map(labelText).join(", ");
  $("feedback").hidden = true;
  $("reply").value = "";
}

function showError(message) { $("error").hidden = !message; $("error").textContent = message || ""; }

$("attempt").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!agent()) { showError("Write your name first: your progress is kept under it."); $("agent-name").focus(); return; }
  const s = current();
  const button = event.target.querySelector("button");
  button.disabled = true;
  try {
    const result = await api(`/web/data/practice/${encodeURIComponent(s.id)}`, { reply: $("reply").value });
    showError("");
    record(s.id, result.score ?? 0, result.passed);
    $("verdict").textContent = result.passed
      ? `Passed: score ${result.score} (pass mark ${result.pass_score}).`
      : `Not yet: score ${result.score} (pass mark ${result.pass_score}, every component listed, no mistakes). Read the feedback and try again.`;
    fill($("expected"), result.expected.map((e) => el("li", {}, e.present ? "✓ has " : "✗ lacks ", labelText(e.label))));
    renderHighlighted($("marked"), $("reply").value, result.report.findings, $("tip"));
    fill($("f-findings"), result.report.findings.filter((f) => f.kind !== "component").map(findingItem));
    $("fixed").textContent = result.fixed.improved;
    $("fixed-score").textContent = `(score ${result.fixed.score})`;
    $("example").textContent = result.example;
    $("feedback").hidden = false;
    $("feedback").focus();
    showProgress();
    announce($("verdict").textContent);
  } catch (error) {
    showError(error.message);
  } finally {
    button.disabled = false;
  }
});

$("again").addEventListener("click", () => { $("reply").focus(); });
$("scenario").addEventListener("change", showScenario);
$("agent-name").addEventListener("input", () => {
  localStorage.setItem(`${PROGRESS}-agent`, agent());
  showProgress();
});
$("who").addEventListener("submit", (event) => event.preventDefault());

(async () => {
  try {
    const data = await api("/web/data/practice");
    scenarios = data.scenarios;
    fill($("scenario"), scenarios.map((s) => el("option", { value: s.id }, `${s.title} (${s.kind})`)));
    $("agent-name").value = localStorage.getItem(`${PROGRESS}-agent`) || "";
    showScenario();
    showProgress();
  } catch (error) {
    showError(error.message);
  }
})();
