// A reply with its findings marked: each run of text covered by the same findings becomes one
// focusable <mark> (a mistake's colour wins over a component's), and a shared tooltip shows the
// findings' messages and suggestions on hover and keyboard focus. Offsets from the API count
// code points, so the text is sliced as an array of code points, not UTF-16 units.
"use strict";

function segments(text, findings) {
  const chars = Array.from(text);
  const spans = findings.filter((f) => f.start !== null && f.end !== null && f.end > f.start);
  const cuts = new Set([0, chars.length]);
  for (const f of spans) { cuts.add(Math.min(f.start, chars.length)); cuts.add(Math.min(f.end, chars.length)); }
  const points = [...cuts].sort((a, b) => a - b);
  const out = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const [a, b] = [points[i], points[i + 1]];
    const covering = spans.filter((f) => f.start <= a && f.end >= b);
    // a mistake's warning sign goes once, where the mistake begins
    const opens = covering.some((f) => f.kind === "mistake" && f.start === a);
    out.push({ text: chars.slice(a, b).join(""), findings: covering, opens });
  }
  return out;
}

function kindOf(findings) {
  return findings.some((f) => f.kind === "mistake") ? "mistake" : "component";
}

function tipContent(findings) {
  return findings.map((f) => el("div", {},
    el("p", {}, el("span", { class: "code" }, `${f.code} ${f.kind}: `), f.message),
    ...(f.suggestions || []).slice(0, 2).map((s) => el("p", {}, "Try: ", s))));
}

function showTip(tip, mark, findings) {
  fill(tip, tipContent(findings));
  tip.hidden = false;
  const box = mark.getBoundingClientRect();
  const left = Math.max(8, Math.min(box.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 8));
  tip.style.left = `${left}px`;
  tip.style.top = `${box.bottom + window.scrollY + 6}px`;
}

function hideTip(tip) { tip.hidden = true; }

// Render `text` into `container` with `findings` marked; `tip` is the page's tooltip element.
function renderHighlighted(container, text, findings, tip) {
  const parts = segments(text, findings).map((seg) => {
    if (!seg.findings.length) return seg.text;
    const kind = kindOf(seg.findings);
    const names = seg.findings.map((f) => `${f.kind} ${labelText(f.label)}`).join(", ");
    const mark = el("mark", {
      class: `span ${kind}${seg.opens ? " opens" : ""}`, tabindex: "0", "aria-describedby": tip.id,
      "data-codes": seg.findings.map((f) => f.code).join(" "),
    }, el("span", { class: "visually-hidden" }, `[${names}] `), seg.text);
    const show = () => showTip(tip, mark, seg.findings);
    mark.addEventListener("mouseenter", show);
    mark.addEventListener("focus", show);
    mark.addEventListener("mouseleave", () => { if (document.activeElement !== mark) hideTip(tip); });
    mark.addEventListener("blur", () => hideTip(tip));
    mark.addEventListener("keydown", (e) => { if (e.key === "Escape") hideTip(tip); });
    return mark;
  });
  fill(container, parts);
}

function findingItem(f) {
  const where = f.match ? ["“", f.match, "” — "] : [];
  return el("li", {}, el("span", { class: `kind ${f.kind}` }, f.kind), `${f.code} ${labelText(f.label)}: `,
    ...where, f.message);
}
