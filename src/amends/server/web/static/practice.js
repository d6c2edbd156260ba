// Practice: scenarios from the server, feedback on each attempt, and progress per agent kept by
// the server: under the API key's agent, or, on a server without keys, under the name given
// here (remembered in this browser so that it is asked for once). Leads see their team's.
"use strict";

const $ = (id) => document.getElementById(id);
const NAME = "amends-practice-agent";
let scenarios = [];
let fromKey = false;
let mine = [];  // the caller's progress, one entry per scenario tried

function agent() { return $("agent-name").value.trim(); }

// the name to send: only on a server without keys (a key says who it is)
function named() { return fromKey ? {} : (agent() ? { agent: agent() } : {}); }

function title(id) { const s = scenarios.find((x) => x.id === id); return s ? s.title : id; }

function header(...names) {
  return el("thead", {}, el("tr", {}, names.map((h) => el("th", { scope: "col" }, h))));
}

function showProgress() {
  const by = Object.fromEntries(mine.map((p) => [p.scenario, p]));
  fill($("progress"),
    header("Scenario", "Attempts", "Best score", "Passed"),
    el("tbody", {}, scenarios.map((s) => {
      const p = by[s.id];
      return el("tr", {}, el("td", {}, s.title), el("td", {}, p ? p.attempts : 0),
        el("td", {}, p ? p.best : "–"), el("td", {}, p && p.passed ? "yes" : "not yet"));
    })));
}

async function showTeam() {
  const data = await api("/web/data/practice/team");
  const rows = data.progress.map((p) => el("tr", {}, el("td", {}, p.agent), el("td", {}, p.team || "–"),
    el("td", {}, title(p.scenario)), el("td", {}, p.attempts), el("td", {}, p.best),
    el("td", {}, p.passed ? "yes" : "not yet")));
  fill($("team-progress"),
    header("Agent", "Team", "Scenario", "Attempts", "Best score", "Passed"),
    el("tbody", {}, rows.length ? rows : el("tr", {}, el("td", { colspan: 6 }, "Nobody has practised yet."))));
  $("team-panel").hidden = false;
}

// the scenarios, who is practising and their progress, from the server
async function load() {
  const query = fromKey || !agent() ? "" : `?agent=${encodeURIComponent(agent())}`;
  const data = await api(`/web/data/practice${query}`);
  scenarios = data.scenarios;
  fromKey = data.you.from_key;
  mine = data.progress;
  $("name-field").hidden = fromKey;
  $("practising").hidden = !fromKey;
  if (fromKey) {
    $("practising").textContent = `Practising as ${data.you.agent}${data.you.team ? ` (team ${data.you.team})` : ""}; your progress is kept under your API key.`;
  }
  showProgress();
  if (data.you.role !== "agent") await showTeam();
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
  if (!fromKey && !agent()) { showError("Write your name first: your progress is kept under it."); $("agent-name").focus(); return; }
  const s = current();
  const button = event.target.querySelector("button");
  button.disabled = true;
  try {
    const result = await api(`/web/data/practice/${encodeURIComponent(s.id)}`, { reply: $("reply").value, ...named() });
    showError("");
    mine = result.progress;
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
    if (!$("team-panel").hidden) await showTeam();
    announce($("verdict").textContent);
  } catch (error) {
    showError(error.message);
  } finally {
    button.disabled = false;
  }
});

$("again").addEventListener("click", () => { $("reply").focus(); });
$("scenario").addEventListener("change", showScenario);
$("agent-name").addEventListener("input", debounce(async () => {
  localStorage.setItem(NAME, agent());
  try { await load(); showError(""); } catch (error) { showError(error.message); }
}, 250));
$("who").addEventListener("submit", (event) => event.preventDefault());

(async () => {
  try {
    $("agent-name").value = localStorage.getItem(NAME) || "";
    await load();
    fill($("scenario"), scenarios.map((s) => el("option", { value: s.id }, `${s.title} (${s.kind})`)));
    showScenario();
  } catch (error) {
    showError(error.message);
  }
})();
