"""The report as one self-contained HTML page (inline CSS and SVG plots, nothing fetched), as
Markdown for a terminal or a wiki, and as JSON for other tools. All three render the same
``Summary``; only the HTML draws plots (``plots``, with matplotlib)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from html import escape
from itertools import pairwise
from typing import Any

from .report import (
    FEW,
    NOT_SET,
    RECURRING_MIN,
    Breakdown,
    Example,
    Span,
    Summary,
)

REPORT_VERSION = 1  # of the JSON below: it only grows


def _pct(rate: float | None) -> str:
    if rate is None:
        return "–"
    # one reply in thousands is not none: "0.0%" would say it never happens
    return "<0.1%" if 0 < rate < 0.0005 else f"{100 * rate:.1f}%"


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _label(label: str) -> str:
    return label.replace("_", " ")


def _replies(count: int) -> str:
    return f"{count:,} {'reply' if count == 1 else 'replies'}"


def _left_out(count: int, why: str = "that needed no apology (no score)") -> str:
    return f"Left out: {_replies(count)} {why}." if count else "No reply left out."


def to_json(summary: Summary) -> dict[str, Any]:
    """The summary as JSON-ready data: dates as ISO strings, tuples as lists."""

    def plain(value: Any) -> Any:
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    return {"report_version": REPORT_VERSION, **plain(dataclasses.asdict(summary))}


def json_text(summary: Summary) -> str:
    return json.dumps(to_json(summary), ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------- shared wording


def _versions(summary: Summary) -> str:
    named = [(r or "unnamed", m or "none", n) for r, m, n in summary.versions]
    if len(named) == 1:
        rules, model, _ = named[0]
        return f"Scored with rules {rules}, model {model}."
    parts = ", ".join(f"rules {r} / model {m}: {n:,}" for r, m, n in named)
    return (
        f"Scored by {len(named)} different versions ({parts}): scores from different versions"
        " are not comparable; rescore the older rows before comparing them."
    )


def _unfinished(summary: Summary) -> str:
    if not summary.unfinished:
        return ""
    return (
        f" Not read: the parts of unfinished score runs ({', '.join(summary.unfinished)});"
        " finish them with amends score and report again."
    )


def _dimensions(summary: Summary) -> str:
    present = ", ".join(summary.present) or "none"
    if not summary.absent:
        return f"Broken down by {present}."
    absent = ", ".join(summary.absent)
    return (
        f"Broken down by {present}. Not in the data, so not broken down: {absent}"
        " (amends score copies them from the input's columns of those names)."
    )


def _breakdown_note(b: Breakdown) -> str:
    notes = [_left_out(b.left_out) + " Their rows still count in the replies column."]
    unset = next((g for g in b.groups if g.value == NOT_SET), None)
    if unset:
        notes.append(
            f"{unset.replies:,} {'reply has' if unset.replies == 1 else 'replies have'} no"
            f" {b.dimension}: the last row, {NOT_SET}."
        )
    if b.hidden:
        notes.append(
            f"{b.hidden:,} smaller groups ({b.hidden_replies:,} replies) are not shown;"
            " amends query can list them."
        )
    if any(g.few for g in b.groups):
        notes.append(
            f"Groups with fewer than {FEW} scored replies are marked ‡ (hatched in the plot):"
            " one reply moves their rates by 5 points or more."
        )
    return " ".join(notes)


def _top_mistake(mistakes: dict[str, float]) -> str:
    label, rate = max(mistakes.items(), key=lambda kv: kv[1], default=("", 0.0))
    return f"{_label(label)} ({_pct(rate)})" if rate else "–"


def _meta(example: Example) -> str:
    parts = [f"{example.file} row {example.row}" if example.file else f"row {example.row}"]
    if example.id:
        parts.append(f"id {example.id}")
    if example.company:
        parts.append(example.company)
    if example.agent:
        parts.append(f"agent {example.agent}")
    parts.append(f"score {_num(example.score, 0)}, quality {example.quality or '–'}")
    return " · ".join(parts)


# ---------------------------------------------------------------- HTML

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;
  max-width:1040px;margin:0 auto;padding:24px}
h1{font-size:1.6em;margin:0 0 .2em}h2{border-bottom:2px solid #e3e3e3;padding-bottom:.2em;
  margin-top:2em}h3{margin:1.4em 0 .3em}
.lede{color:#444}.note{color:#555;font-size:.9em}
nav{display:flex;flex-wrap:wrap;gap:.2em 1em}nav a{white-space:nowrap}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
th,td{padding:.25em .7em;border-bottom:1px solid #e6e6e6;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{background:#f5f7fa;border-radius:8px;
  padding:10px 14px;min-width:130px}.card b{display:block;font-size:1.5em}
.reply{white-space:pre-wrap;background:#fafafa;border-left:4px solid #ccc;padding:.6em .8em;
  margin:.4em 0}
mark{border-radius:3px;padding:0 1px}
mark.component{background:#c9f0df;border-bottom:2px solid #009E73}
mark.mistake{background:#ffd9c2;border-bottom:2px solid #D55E00}
.rewrite{white-space:pre-wrap;background:#effaf4;border-left:4px solid #009E73;padding:.6em .8em}
.chips span{display:inline-block;border-radius:10px;padding:0 .5em;margin:0 .3em .2em 0;
  font-size:.85em}.chips .component{background:#c9f0df}.chips .mistake{background:#ffd9c2}
.chips .missing{background:#eee;color:#555}
details{margin:.3em 0}summary{cursor:pointer;color:#0072B2}
svg{max-width:100%;height:auto}
"""


def highlight(text: str, spans: Sequence[Span]) -> str:
    """``text`` HTML-escaped, with each finding's span in a ``<mark>`` of its kind; where spans
    overlap, the piece is marked once, as a mistake when any of them is one, and its title
    lists every finding over it."""
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    out = []
    for start, end in pairwise(cuts):
        piece = escape(text[start:end])
        over = [s for s in spans if s.start <= start and end <= s.end]
        if not over:
            out.append(piece)
            continue
        kind = "mistake" if any(s.kind == "mistake" for s in over) else "component"
        title = escape("; ".join(f"{s.code} {_label(s.label)}: {s.message}" for s in over))
        out.append(f'<mark class="{kind}" title="{title}">{piece}</mark>')
    return "".join(out)


def _chips(example: Example) -> str:
    chips = [f'<span class="component">{escape(_label(c))}</span>' for c in example.components]
    chips += [f'<span class="mistake">{escape(_label(m))}</span>' for m in example.mistakes]
    chips += [f'<span class="missing">missing: {escape(_label(m))}</span>' for m in example.missing]
    return f'<div class="chips">{"".join(chips)}</div>'


def _example_html(example: Example) -> str:
    customer = (
        f"<details><summary>the customer's message</summary>"
        f'<div class="reply">{escape(example.customer)}</div></details>'
        if example.customer
        else ""
    )
    return (
        f'<article><div class="note">{escape(_meta(example))}</div>'
        f'<div class="reply">{highlight(example.text, example.spans)}</div>'
        f"{_chips(example)}{customer}</article>"
    )


def _table(head: Sequence[str], rows: Iterable[Sequence[Any]], numeric: set[int]) -> str:
    def cell(tag: str, i: int, value: Any) -> str:
        css = ' class="n"' if i in numeric else ""
        return f"<{tag}{css}>{escape(str(value))}</{tag}>"

    head_html = "".join(cell("th", i, h) for i, h in enumerate(head))
    body = "".join(
        "<tr>" + "".join(cell("td", i, v) for i, v in enumerate(row)) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head_html}</tr></thead><tbody>{body}</tbody></table>"


def _p(text: str, css: str = "note") -> str:
    return f'<p class="{css}">{escape(text)}</p>'


def html(summary: Summary, plot: Callable[[str, Any], str] | None = None) -> str:
    """The whole report as one HTML page. ``plot(kind, data)`` returns an inline ``<svg>``
    (``plots.draw``); without it the page has tables only."""

    def figure(kind: str, data: Any) -> str:
        return f"<figure>{plot(kind, data)}</figure>" if plot else ""

    s, c = summary.scores, summary.coverage
    sections: list[tuple[str, str, str]] = []

    cards = "".join(
        f'<div class="card"><b>{escape(v)}</b>{escape(k)}</div>'
        for k, v in (
            ("replies", f"{summary.replies:,}"),
            ("needed an apology (scored)", f"{s.scored:,}"),
            ("mean score", _num(s.mean)),
            ("with a mistake", _pct(c.any_mistake.rate)),
        )
    )
    quality = _table(
        ["quality", "replies", "share"],
        [(q, f"{n:,}", _pct(n / s.scored if s.scored else None)) for q, n in s.quality],
        {1, 2},
    )
    sections.append(
        (
            "scores",
            "Score distribution",
            f'<div class="cards">{cards}</div>'
            + _p(
                f"Scores run from 0 to 100; quality from 1 (hollow or harmful) to 5 (exemplary)."
                f" Median {_num(s.median)}, 10th percentile {_num(s.p10)}, 90th percentile"
                f" {_num(s.p90)}. " + _left_out(s.left_out)
            )
            + figure("scores", s)
            + quality,
        )
    )

    rows = [(_label(r.label), "component", f"{r.count:,}", _pct(r.rate)) for r in c.components] + [
        (_label(r.label), "mistake", f"{r.count:,}", _pct(r.rate)) for r in c.mistakes
    ]
    unscored = (
        f" {c.unscored_with_mistake:,} of the replies left out still hold a mistake"
        " (amends query can list them)."
        if c.unscored_with_mistake
        else ""
    )
    sections.append(
        (
            "coverage",
            "Components and mistakes",
            _p(
                f"Share of the {c.scored:,} scored replies that have each component or make each"
                f" mistake; {_pct(c.any_mistake.rate)} make at least one mistake. "
                + _left_out(c.left_out)
                + unscored
            )
            + figure("labels", c)
            + _table(["label", "kind", "replies", "share"], rows, {2, 3}),
        )
    )

    for b in summary.breakdowns:
        rows = [
            (
                g.value + (" ‡" if g.few else ""),
                f"{g.replies:,}",
                f"{g.scored:,}",
                _num(g.mean_score),
                _pct(g.mistake_rate),
                _top_mistake(g.mistakes),
                _pct(g.components.get("acknowledge")),
                _pct(g.components.get("remedy")),
            )
            for g in b.groups
        ]
        sections.append(
            (
                f"by-{b.dimension}",
                f"By {b.dimension}",
                _p(_breakdown_note(b))
                + figure("groups", b)
                + _table(
                    [
                        b.dimension,
                        "replies",
                        "scored",
                        "mean score",
                        "with a mistake",
                        "most frequent mistake",
                        "acknowledge",
                        "remedy",
                    ],
                    rows,
                    {1, 2, 3, 4, 6, 7},
                ),
            )
        )
    if summary.absent:
        sections.append(("dimensions", "Dimensions not in the data", _p(_dimensions(summary))))

    t = summary.trend
    if t is None:
        trend = _p("No reply has a timestamp, so there is no trend over time.")
    else:
        trend = (
            _p(
                f"Per {t.grain} (UTC), only the {t.grain}s with replies."
                f" {_left_out(t.without_time, 'with no timestamp')}"
                f" {_left_out(t.left_out)} Hollow points: fewer than {FEW} scored replies."
            )
            + figure("trend", t)
            + _table(
                [t.grain, "replies", "scored", "mean score", "with a mistake"],
                [
                    (
                        p.start.isoformat(),
                        f"{p.replies:,}",
                        f"{p.scored:,}",
                        _num(p.mean_score),
                        _pct(p.mistake_rate),
                    )
                    for p in t.periods
                ],
                {1, 2, 3, 4},
            )
        )
    sections.append(("trend", "Trends over time", trend))

    legend = (
        '<p class="note">Highlighted: <mark class="component">a component</mark>'
        ' <mark class="mistake">a mistake</mark> (hover for the rule and its message).</p>'
    )
    for key, title, examples, order in (
        ("worst", "Worst replies", summary.worst, "lowest scores first"),
        ("best", "Best replies", summary.best, "highest scores first"),
    ):
        sections.append(
            (
                key,
                title,
                _p(f"{order.capitalize()}, among the scored replies. " + _left_out(s.left_out))
                + legend
                + "".join(_example_html(e) for e in examples),
            )
        )

    frequent = [
        _p(
            "Each mistake with the rules behind it, a reply that makes it, what the rule"
            " suggests, and the reply as amends coach rewrites it (minimal edits; read it"
            " before using it). " + _left_out(c.left_out)
        )
    ]
    for f in summary.frequent:
        rules = ", ".join(f"{code} {name} ({n:,})" for code, name, n in f.rules[:4])
        suggestions = "".join(f"<li>{escape(x)}</li>" for x in f.suggestions)
        rewrite = (
            f'<p>Rewritten by amends coach:</p><div class="rewrite">{escape(f.rewrite)}</div>'
            if f.rewrite
            else _p("amends coach leaves this reply as it is: rewrite it by hand.")
        )
        frequent.append(
            f"<h3>{escape(_label(f.label))}: {_replies(f.count)} ({_pct(f.rate)})</h3>"
            + _p(f"Rules: {rules}.")
            + _example_html(f.example)
            + f"<p>{escape(f.message)}</p>"
            + (f"<p>The rule suggests:</p><ul>{suggestions}</ul>" if suggestions else "")
            + rewrite
        )
    sections.append(("mistakes", "Most frequent mistakes", "".join(frequent)))

    r = summary.recurring
    causes = _table(
        list(_CAUSE_HEADER),
        _cause_rows(r.causes, "{:,}"),
        {1, 2, 3},
    )
    if r.dimension is None:
        repeats = _p("No agent, team or company in the data: repeats cannot be pinned on anyone.")
    elif not r.repeats:
        repeats = _p(f"No {r.dimension} makes the same mistake {RECURRING_MIN} times or more.")
    else:
        grain = t.grain if t else None
        repeats = _p(
            f"The same mistake made {RECURRING_MIN} times or more by the same {r.dimension},"
            " most first" + (f", with the number of {grain}s it occurs in." if grain else ".")
        ) + _table(
            [r.dimension, "mistake", "replies with it", f"of the {r.dimension}'s scored"]
            + ([f"{grain}s"] if grain else []),
            [
                (x.value, _label(x.mistake), f"{x.count:,}", _pct(x.count / x.scored))
                + ((x.periods,) if grain else ())
                for x in r.repeats
            ],
            {2, 3, 4},
        )
    sections.append(
        (
            "recurring",
            "Recurring failures",
            _p(
                f"Categories used: {r.basis} (the incidents' own categories are not in the score"
                " output). The cause is what the customer's message and the reply say went wrong:"
                " ours, outside (a third party, the weather), the customer's, or unknown. "
                + _left_out(r.left_out)
                + " Their rows still count in the replies column."
            )
            + causes
            + f"<h3>Repeated by the same {escape(r.dimension or 'owner')}</h3>"
            + repeats,
        )
    )

    nav = "".join(f'<a href="#{key}">{escape(title)}</a>' for key, title, _ in sections)
    body = "".join(
        f'<section id="{key}"><h2>{escape(title)}</h2>{content}</section>'
        for key, title, content in sections
    )
    head = (
        f"<header><h1>Apology quality report</h1>"
        f'<p class="lede">{escape(summary.source)}: {summary.replies:,} agent replies, of which'
        f" {s.scored:,} needed an apology and are scored; {s.left_out:,} needed none.</p>"
        + _p(_dimensions(summary) + " " + _versions(summary) + _unfinished(summary))
        + f"<nav>{nav}</nav></header>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>amends report: {escape(summary.source)}</title><style>{_CSS}</style></head>"
        f"<body>{head}{body}</body></html>\n"
    )


# ---------------------------------------------------------------- Markdown


def _md(value: Any) -> str:
    """A table cell: pipes escaped, lines joined."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def _md_table(head: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(_md(h) for h in head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_md(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def _md_quote(text: str) -> list[str]:
    return ["> " + line for line in text.splitlines() or [""]]


def _md_example(e: Example) -> list[str]:
    lines = [f"*{_meta(e)}*", "", *_md_quote(e.text), ""]
    marks = [
        f"{s.kind} {s.code} {_label(s.label)}: “{e.text[s.start : s.end]}”"
        for s in sorted(e.spans, key=lambda s: (s.start, s.end))
    ]
    lines += [f"- {m}" for m in marks]
    if e.missing:
        lines.append("- missing: " + ", ".join(_label(m) for m in e.missing))
    return [*lines, ""]


def markdown(summary: Summary) -> str:
    s, c = summary.scores, summary.coverage
    out = [
        "# Apology quality report",
        "",
        f"{summary.source}: {summary.replies:,} agent replies, of which {s.scored:,} needed an"
        f" apology and are scored; {s.left_out:,} needed none.",
        "",
        _dimensions(summary) + " " + _versions(summary) + _unfinished(summary),
        "",
        "## Score distribution",
        "",
        f"Mean {_num(s.mean)}, median {_num(s.median)}, 10th percentile {_num(s.p10)}, 90th"
        f" percentile {_num(s.p90)}. {_left_out(s.left_out)}",
        "",
        *_md_table(
            ["score", "replies"],
            [(f"{a}–{b - 1 if b < 100 else 100}", f"{n:,}") for a, b, n in s.histogram],
        ),
        *_md_table(["quality", "replies"], [(q, f"{n:,}") for q, n in s.quality]),
        "## Components and mistakes",
        "",
        f"Share of the {c.scored:,} scored replies; {_pct(c.any_mistake.rate)} make at least one"
        f" mistake. {_left_out(c.left_out)}",
        "",
        *_md_table(
            ["label", "kind", "replies", "share"],
            [(_label(r.label), "component", f"{r.count:,}", _pct(r.rate)) for r in c.components]
            + [(_label(r.label), "mistake", f"{r.count:,}", _pct(r.rate)) for r in c.mistakes],
        ),
    ]
    for b in summary.breakdowns:
        out += [f"## By {b.dimension}", "", _breakdown_note(b), ""]
        out += _md_table(
            [b.dimension, "replies", "scored", "mean score", "with a mistake", "most frequent"],
            [
                (
                    g.value + (" ‡" if g.few else ""),
                    f"{g.replies:,}",
                    f"{g.scored:,}",
                    _num(g.mean_score),
                    _pct(g.mistake_rate),
                    _top_mistake(g.mistakes),
                )
                for g in b.groups
            ],
        )
    out += ["## Trends over time", ""]
    t = summary.trend
    if t is None:
        out += ["No reply has a timestamp, so there is no trend over time.", ""]
    else:
        out += [
            f"Per {t.grain} (UTC). {_left_out(t.without_time, 'with no timestamp')}"
            f" {_left_out(t.left_out)}",
            "",
            *_md_table(
                [t.grain, "replies", "scored", "mean score", "with a mistake"],
                [
                    (
                        p.start.isoformat(),
                        p.replies,
                        p.scored,
                        _num(p.mean_score),
                        _pct(p.mistake_rate),
                    )
                    for p in t.periods
                ],
            ),
        ]
    for title, examples in (("Worst replies", summary.worst), ("Best replies", summary.best)):
        out += [f"## {title}", ""]
        for e in examples:
            out += _md_example(e)
    out += ["## Most frequent mistakes", ""]
    for f in summary.frequent:
        out += [
            f"### {_label(f.label)}: {_replies(f.count)} ({_pct(f.rate)})",
            "",
            "Rules: " + ", ".join(f"{code} {name} ({n:,})" for code, name, n in f.rules[:4]),
            "",
            *_md_example(f.example),
            f.message,
            "",
        ]
        out += [f"- suggested: {x}" for x in f.suggestions]
        if f.rewrite:
            out += ["", "Rewritten by amends coach:", "", *_md_quote(f.rewrite)]
        out.append("")
    r = summary.recurring
    out += [
        "## Recurring failures",
        "",
        f"Categories used: {r.basis}. {_left_out(r.left_out)}",
        "",
        *_md_table(list(_CAUSE_HEADER), _cause_rows(r.causes, "{}")),
    ]
    if r.repeats:
        out += _md_table(
            [r.dimension or "", "mistake", "replies with it", "share", "periods"],
            [
                (
                    x.value,
                    _label(x.mistake),
                    x.count,
                    _pct(x.count / x.scored),
                    "–" if x.periods is None else x.periods,
                )
                for x in r.repeats
            ],
        )
    return "\n".join(out).rstrip() + "\n"


_CAUSE_HEADER = (
    "cause",
    "replies",
    "scored",
    "with a mistake",
    "most frequent mistakes",
    "most often missing",
)


def _cause_rows(causes, count: str) -> list[tuple[str, ...]]:
    """The recurring-failure table's rows, for HTML and Markdown alike; ``count`` formats the
    per-label counts (HTML groups thousands, Markdown keeps them plain)."""

    def labels(pairs) -> str:
        return ", ".join(f"{_label(m)} ({count.format(n)})" for m, n in pairs) or "–"

    return [
        (
            x.cause,
            f"{x.replies:,}",
            f"{x.scored:,}",
            _pct(x.mistake_rate),
            labels(x.mistakes),
            labels(x.missing),
        )
        for x in causes
    ]
