// The Dashboard: one request for the filters' aggregates, Chart.js charts (vendored, no CDN)
// each with a table or list beside it, and every bar, point and row drilling down to the
// replies behind it and on to a conversation with its findings highlighted.
"use strict";

const $ = (id) => document.getElementById(id);
const form = $("filters");
const tip = $("tip");
const charts = {};
const COLOURS = ["#0b57d0", "#b3261e", "#1b6e33", "#8e4ec6", "#b45309", "#0e7490"];
Chart.defaults.animation = false;
Chart.defaults.color = "#1a1a1a";
Chart.defaults.font.family = "system-ui, sans-serif";

function query(extra) {
  const params = new URLSearchParams();
  for (const name of ["from", "to", "team", "channel"]) {
    const value = form.elements[name].value;
    if (value) params.set(name, value);
  }
  for (const [name, value] of Object.entries(extra || {})) {
    if (value !== null && value !== undefined) params.set(name, value);
  }
  return params;
}

function draw(id, config) {
  if (charts[id]) charts[id].destroy();
  charts[id] = new Chart($(id), config);
}

function onPick(handler) {
  return (_event, elements) => { if (elements.length) handler(elements[0]); };
}

function button(text, onclick) { return el("button", { type: "button", class: "link", onclick }, text); }

function table(node, head, rows) {
  fill(node, el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, rows.map((cells) => el("tr", {}, cells.map((c) => el("td", {}, c))))));
}

function percent(share) { return `${Math.round(share * 100)}%`; }

function showOptions(select, values) {
  const chosen = select.value;
  fill(select, select.options[0], values.map((v) => el("option", { value: v }, v)));
  select.value = values.includes(chosen) ? chosen : "";
}

async function load() {
  const by = form.elements.by.value;
  const params = query({ by });
  history.replaceState(null, "", `?${params}`);
  let data;
  try {
    data = await api(`/web/data/dashboard?${params}`);
  } catch (error) {
    // say why instead of leaving the charts blank (or showing another key's figures)
    showError(error.message);
    $("totals").textContent = "";
    $("charts").hidden = true;
    return;
  }
  showError("");
  $("charts").hidden = false;
  showOptions(form.elements.team, data.teams);
  showOptions(form.elements.channel, data.channels);
  $("totals").textContent = `${data.replies} replies analysed; mean score ${data.mean_score ?? "–"}.`;

  const bands = data.histogram.map((b) => `${b.from}–${b.to}`);
  draw("chart-dist", {
    type: "bar",
    data: { labels: bands, datasets: [{ label: "replies", data: data.histogram.map((b) => b.count), backgroundColor: COLOURS[0] }] },
    options: { maintainAspectRatio: false, plugins: { legend: { display: false } },
      onClick: onPick((e) => drill({ bin: e.index }, `score ${bands[e.index]}`)) },
  });
  table($("table-dist"), ["Score", "Replies"], data.histogram.map((b, i) =>
    [bands[i], button(String(b.count), () => drill({ bin: b.bin }, `score ${bands[i]}`))]));

  const series = data.trend.series;
  draw("chart-trend", {
    type: "line",
    data: { labels: data.trend.weeks, datasets: series.map((s, i) => ({
      label: s.group, data: s.mean_scores, borderColor: COLOURS[i % COLOURS.length],
      backgroundColor: COLOURS[i % COLOURS.length], spanGaps: true, pointRadius: 3 })) },
    options: { maintainAspectRatio: false, scales: { y: { min: 0, max: 100 } },
      onClick: onPick((e) => {
        const group = series[e.datasetIndex].group;
        const week = data.trend.weeks[e.index];
        drill({ by, group, week }, `${by} ${group}, week of ${week}`);
      }) },
  });
  table($("table-groups"), [by, "Replies", "Mean score"], data.groups.map((g) =>
    [button(g.group, () => drill({ by, group: g.group }, `${by} ${g.group}`)), g.replies, g.mean_score ?? "–"]));

  const mistakes = data.mistakes.slice(0, 8);
  draw("chart-mistakes", {
    type: "bar",
    data: { labels: mistakes.map((m) => labelText(m.label)), datasets: [{ label: "replies", data: mistakes.map((m) => m.replies), backgroundColor: "#b3261e" }] },
    options: { indexAxis: "y", maintainAspectRatio: false, plugins: { legend: { display: false } },
      onClick: onPick((e) => drill({ label: mistakes[e.index].label }, `with ${labelText(mistakes[e.index].label)}`)) },
  });
  fill($("mistake-examples"), mistakes.length ? mistakes.map((m) => el("li", {},
    button(`${labelText(m.label)}: ${m.replies} (${percent(m.share)})`, () => drill({ label: m.label }, `with ${labelText(m.label)}`)),
    " e.g. ", m.examples.filter((x) => x.match).map((x, i) => [i ? "; " : "", "“", x.match, "”"]))) : el("li", {}, "No mistakes found."));

  draw("chart-coverage", {
    type: "bar",
    data: { labels: data.coverage.map((c) => labelText(c.label)), datasets: [{ label: "% of replies", data: data.coverage.map((c) => Math.round(c.share * 100)), backgroundColor: "#1b6e33" }] },
    options: { indexAxis: "y", maintainAspectRatio: false, scales: { x: { min: 0, max: 100 } }, plugins: { legend: { display: false } },
      onClick: onPick((e) => drill({ label: data.coverage[e.index].label, has: false }, `without ${labelText(data.coverage[e.index].label)}`)) },
  });
  table($("table-coverage"), ["Component", "Replies with it", "Share", "Replies without it"], data.coverage.map((c) =>
    [labelText(c.label), c.replies, percent(c.share), button("show", () => drill({ label: c.label, has: false }, `without ${labelText(c.label)}`))]));

  table($("table-promises"), ["Due", "Promise", "Agent", "Team", "Conversation"], data.overdue_promises.length
    ? data.overdue_promises.map((p) => [p.due ? p.due.slice(0, 16).replace("T", " ") : "–", p.text, p.agent ?? "–", p.team ?? "–",
      button(p.conversation, () => openConversation(p.conversation_id))])
    : [["–", "No overdue promises.", "", "", ""]]);

  showRecurring(data.recurring);
}

function showRecurring(recurring) {
  // the recurrence finder reads the dates and the team; not the channel
  const narrowed = form.elements.channel.value;
  const parts = [el("p", { class: "muted" }, `From ${recurring.since.slice(0, 10)} to ${recurring.until.slice(0, 10)}`,
    narrowed ? ", across all channels." : ".")];
  const weeks = (f) => Object.entries(f.weeks).map(([w, n]) => `${w}: ${n}`).join(", ");
  if (recurring.failures.length) parts.push(el("h3", {}, "Categories and root causes"), el("ul", {}, recurring.failures.map((f) =>
    el("li", {}, el("strong", {}, `${f.kind === "root_cause" ? "Root cause" : "Category"} ${labelText(f.name)}`), `: ${f.total} in all (${weeks(f)})`))));
  if (recurring.customers.length) parts.push(el("h3", {}, "Customers apologised to again and again"), el("ul", {}, recurring.customers.map((c) =>
    el("li", {}, `${c.customer_id}: ${c.apologies} apologies for ${labelText(c.category)}, e.g. “`, c.example, "”"))));
  if (recurring.agents.length) parts.push(el("h3", {}, "Agents repeating one apology"), el("ul", {}, recurring.agents.map((a) =>
    el("li", {}, `${a.agent_id}: “`, a.sentence, `” in ${a.repeats} of ${a.apologies} apologies (${percent(a.share)})`))));
  if (parts.length === 1) parts.push(el("p", {}, "Nothing recurs in this period."));
  fill($("recurring"), parts);
}

function showError(message) { $("error").hidden = !message; $("error").textContent = message || ""; }

async function drill(extra, title) {
  let found;
  try {
    found = await api(`/web/data/replies?${query(extra)}`);
  } catch (error) {
    showError(error.message);
    return;
  }
  $("drill-title").textContent = title;
  $("drill-count").textContent = `${found.total} replies${found.total > found.replies.length ? `; the ${found.replies.length} lowest scores shown` : ""}.`;
  table($("table-drill"), ["Score", "Team", "Agent", "Sent", "Reply", ""], found.replies.map((r) =>
    [r.score ?? "–", r.team, r.agent, r.sent_at.slice(0, 10), r.text.length > 140 ? `${r.text.slice(0, 140)}…` : r.text,
      button("Open", () => openConversation(r.conversation_id))]));
  $("drill").hidden = false;
  $("drill").focus();
}

async function openConversation(id) {
  let conversation;
  try {
    conversation = await api(`/v1/conversations/${id}`);
  } catch (error) {
    showError(error.message);
    return;
  }
  $("conv-title").textContent = `${conversation.external_id} (${conversation.team ?? "no team"})`;
  fill($("conv-messages"), conversation.messages.map((m) => {
    const findings = m.analysis ? m.analysis.findings : [];
    const score = m.analysis ? m.analysis.score : null;
    const body = el("div", { class: "textbox" });
    if (m.role === "agent") renderHighlighted(body, m.text, findings, tip);
    else body.textContent = m.text;
    const missing = findings.filter((f) => f.kind !== "component");
    return el("div", { class: `message ${m.role}` },
      el("p", { class: "who" }, `${m.role === "agent" ? "Agent" : "Customer"} ${m.author ?? ""} · ${m.sent_at.slice(0, 16).replace("T", " ")}`,
        score !== null ? ` · score ${score}` : ""),
      body, missing.length ? el("ul", {}, missing.map(findingItem)) : null);
  }));
  $("conversation").hidden = false;
  $("conversation").focus();
}

form.addEventListener("submit", (event) => { event.preventDefault(); load(); });
const initial = new URLSearchParams(location.search);
for (const name of ["from", "to", "by"]) if (initial.get(name)) form.elements[name].value = initial.get(name);
for (const name of ["team", "channel"]) {
  const value = initial.get(name);
  if (value) form.elements[name].append(el("option", { value, selected: true }, value));
}
load();
// the Ledger links a promise to its conversation here
const linked = /^#conversation-(\d+)$/.exec(location.hash);
if (linked) openConversation(Number(linked[1]));
