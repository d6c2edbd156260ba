"""Renderers: a report as highlighted text (rich), as one line per finding, and batch summaries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
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
    score = report.score if report.score is not None else "n/a"
    head = f"{ident if ident is not None else '-'}: score {score}, quality " + (
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
        (f"{report.score}/100" if report.score is not None else "n/a", "bold"),
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


def patterns_table(report: Report) -> Table:
    """Which phrase or pattern of its rule each finding matched, as the rule file writes it."""
    table = Table(
        title="what matched", show_header=True, header_style="bold", box=None, pad_edge=False
    )
    table.add_column("code")
    table.add_column("found")
    table.add_column("phrase or pattern", overflow="fold")
    for f in report.findings:
        if f.start is None:
            continue
        style = "red" if f.kind == "mistake" else "green"
        how = f.pattern if f.pattern is not None else f"(the {f.name} check, no pattern)"
        table.add_row(Text(f.code, style=style), Text(f"“{f.match}”"), Text(how))
    return table


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
        table.add_row("start", f"{b.base:g}", "", "no apology was needed: the reply gets no score")
    for line in b.lines:
        style = "green" if line.points > 0 else "red" if line.points < 0 else "yellow"
        table.add_row(
            Text(line.label),
            Text(f"{line.points:+g}", style=style),
            Text(" ".join(line.codes)),
            Text(line.reason),
        )
    if report.score is None:
        table.add_row("score", Text("n/a", style="bold"), "", "nothing called for an apology")
    else:
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
    scored = [r.score for r in reports if r.score is not None]
    table.add_row(
        "mean score",
        (f"{sum(scored) / len(scored):.1f}" if scored else "n/a")
        + f" over {len(scored)} replies ({n - len(scored)} needed no apology)",
    )
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
