"""Renderers: a report as highlighted text (rich), as one line per finding, as JSON written a
finding at a time, and batch summaries."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from .model import COMPONENTS, MISTAKES, Finding, Report

STYLES = {
    "component": "bold green",
    "mistake": "bold red",
    "error": "bold white on red",
}


def highlighted(text: str, findings: Sequence[Finding]) -> Text:
    """The reply with components in green and mistakes in red (mistakes win where both apply)."""
    out = Text(text)
    for f in sorted(findings, key=lambda f: f.kind == "mistake"):
        if f.start is None or f.end is None:
            continue
        style = STYLES["error"] if f.severity == "error" else STYLES.get(f.kind, "")
        out.stylize(style, f.start, f.end)
    return out


def finding_line(f: Finding) -> str:
    """One stable line per finding: ``start-end CODE name label: message``."""
    where = f"{f.start}-{f.end}" if f.start is not None else "-"
    return f"{where} {f.code} {f.name} [{f.label}] {f.message}"


def report_lines(report: Report, ident: Any = None) -> list[str]:
    head = f"{ident if ident is not None else '-'}: score {report.score}, quality " + (
        str(report.quality) if report.quality is not None else "n/a (no apology needed)"
    )
    labels = ", ".join(report.labels) or "none"
    lines = [
        head,
        f"  labels: {labels}",
        f"  situation: cause={report.situation.cause} wait={str(report.situation.wait).lower()}",
    ]
    lines += ["  " + finding_line(f) for f in report.findings]
    return lines


def report_panel(report: Report, title: str | None = None) -> Group:
    parts: list[Any] = []
    if title:
        parts.append(Text(title, style="bold underline"))
    parts.append(Padding(highlighted(report.text, report.findings), (0, 0, 1, 2)))
    quality = str(report.quality) if report.quality is not None else "n/a (no apology needed)"
    summary = Text.assemble(
        ("score ", "dim"),
        (f"{report.score}/100", "bold"),
        ("   quality ", "dim"),
        (quality, "bold"),
        ("   cause ", "dim"),
        (report.situation.cause, "bold"),
        ("   wait ", "dim"),
        (str(report.situation.wait).lower(), "bold"),
    )
    parts.append(summary)
    spans = [f for f in report.findings if f.start is not None]
    if spans:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column("code")
        table.add_column("label")
        table.add_column("found")
        table.add_column("rule / what to write instead", overflow="fold")
        for f in spans:
            style = "red" if f.kind == "mistake" else "green"
            if f.kind == "mistake":
                advice = f.message + ("\n→ " + f.suggestions[0] if f.suggestions else "")
            else:
                advice = f.name
            table.add_row(
                Text(f.code, style=style), Text(f.label), Text(f"“{f.match}”"), Text(advice)
            )
        parts.append(table)
    missing = [f for f in report.findings if f.kind == "missing"]
    if missing:
        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column("code", style="yellow")
        table.add_column("advice", overflow="fold")
        for f in missing:
            advice = f.message + ("\n→ " + f.suggestions[0] if f.suggestions else "")
            table.add_row(Text(f.code), Text(advice))
        parts.append(Text("missing", style="bold yellow"))
        parts.append(table)
    return Group(*parts)


def breakdown_table(report: Report) -> Table:
    table = Table(title="score breakdown", show_header=True, header_style="bold", box=None)
    table.add_column("label")
    table.add_column("points", justify="right")
    table.add_column("rules")
    table.add_column("why", overflow="fold")
    b = report.breakdown
    if b.needed:
        table.add_row("start", f"{b.base:g}", "", "a reply the case called for, before components")
    else:
        table.add_row(
            "start", f"{b.base:g}", "", "no apology was needed; only mistakes cost points"
        )
    for line in b.lines:
        style = "green" if line.points > 0 else "red" if line.points < 0 else "yellow"
        table.add_row(
            Text(line.label),
            Text(f"{line.points:+g}", style=style),
            Text(" ".join(line.codes)),
            Text(line.reason),
        )
    table.add_row("score", Text(str(report.score), style="bold"), "", "clipped to 0-100")
    return table


def summary_table(reports: Iterable[Report], rejected: int = 0) -> Table:
    reports = list(reports)
    table = Table(title="summary", show_header=False, box=None)
    table.add_column("what", style="bold")
    table.add_column("value", overflow="fold")
    n = len(reports)
    table.add_row("replies", f"{n} analysed" + (f", {rejected} rejected" if rejected else ""))
    if not n:
        return table
    table.add_row("mean score", f"{sum(r.score for r in reports) / n:.1f}")
    qualities = Counter(r.quality for r in reports)
    dist = "  ".join(f"{q}: {qualities.get(q, 0)}" for q in (1, 2, 3, 4, 5))
    table.add_row("quality", dist + f"  n/a: {qualities.get(None, 0)}")
    labels = Counter(label for r in reports for label in r.labels)
    mistakes = [(m, labels[m]) for m in MISTAKES if labels[m]]
    mistakes.sort(key=lambda x: -x[1])
    table.add_row("mistakes", ", ".join(f"{m} {c}" for m, c in mistakes) or "none")
    present = ", ".join(f"{c} {labels[c]}" for c in COMPONENTS if labels[c])
    table.add_row("components", present or "none")
    missing = Counter(m for r in reports for m in r.missing)
    table.add_row(
        "most missing", ", ".join(f"{m} {c}" for m, c in missing.most_common(4)) or "none"
    )
    return table


def make_console(no_color: bool = False, width: int | None = None) -> Console:
    return Console(no_color=no_color, width=width, soft_wrap=False, highlight=False, markup=False)


# Stands in for the findings while the rest of a report is serialised; nothing after the
# findings in the wire format comes from the user, so its last occurrence is the real one.
_FINDINGS = "\x00amends-findings\x00"
_CHUNK = 256  # findings serialised per piece


def json_chunks(
    report: Report, id: Any = None, detail: bool = False, indent: int | None = None
) -> Iterator[str]:
    """``json.dumps(report.to_dict(id, detail), ensure_ascii=False, indent=indent)`` in pieces,
    a few findings at a time: a report with a hundred thousand findings is never held whole as
    dicts or as one string."""
    head = dataclasses.replace(report, findings=()).to_dict(id=id, detail=detail)
    head["findings"] = _FINDINGS
    whole = json.dumps(head, ensure_ascii=False, indent=indent)
    cut = whole.rfind(json.dumps(_FINDINGS))
    yield whole[:cut]
    findings = report.findings
    if not findings:
        yield "[]"
    elif indent is None:
        yield "["
        for i in range(0, len(findings), _CHUNK):
            yield ("" if i == 0 else ", ") + ", ".join(
                json.dumps(f.to_dict(detail), ensure_ascii=False) for f in findings[i : i + _CHUNK]
            )
        yield "]"
    else:
        inner = "\n" + " " * (2 * indent)
        yield "["
        for i in range(0, len(findings), _CHUNK):
            yield ("" if i == 0 else ",") + ",".join(
                inner
                + json.dumps(f.to_dict(detail), ensure_ascii=False, indent=indent).replace(
                    "\n", inner
                )
                for f in findings[i : i + _CHUNK]
            )
        yield "\n" + " " * indent + "]"
    yield whole[cut + len(json.dumps(_FINDINGS)) :]


def row_lines(report: Report, id: Any = None) -> Iterator[str]:
    """A report as ``analyze --format text`` shows it: a head line, the labels, then one line
    per finding (``finding_line``)."""
    quality = report.quality if report.quality is not None else "n/a"
    score = report.score if report.score is not None else "n/a"
    yield f"{id if id is not None else '-'}: score {score}, quality {quality}"
    yield f"  labels: {', '.join(report.labels) or 'none'}"
    for f in report.findings:
        yield "  " + finding_line(f)
