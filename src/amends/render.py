"""Renderers: a report as highlighted text (rich), as one line per finding, as JSON written a
finding at a time, and batch summaries."""

from __future__ import annotations

import dataclasses
import json
import textwrap
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.padding import Padding
from rich.table import Table
from rich.text import Span, Text

from .evaluate import MIN_SUPPORT, Evaluation
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


FOUND_WIDTH = 36  # a longer match is cut, with "…", in the table of findings
MIN_WRAP = 24  # narrower than this, a column's text runs on instead of wrapping


# A table cell: its text, or its text and a style.
Cell = str | tuple[str, str]


def report_text(report: Report, width: int = 100, reply: bool = True) -> Iterator[Text]:
    """A report as ``amends check`` shows it, one line at a time: the reply highlighted, the
    score and situation, a table of findings (code, label, what was found, the rule or what to
    write instead) and the missing components with advice (``breakdown_lines`` follow).

    Columns are laid out here rather than by a rich table, which measures every cell of every
    row before printing the first: a reply with tens of thousands of findings took minutes.
    Text in the last column wraps to ``width``. ``reply=False`` leaves the reply out.
    """
    if reply:
        yield from _reply_lines(report)
        yield Text()
    yield _summary_line(report)
    spans = [f for f in report.findings if f.start is not None]
    if spans:
        label_width = max(len("label"), *(len(f.label) for f in spans))
        found_width = min(FOUND_WIDTH, max(len(_found(f)) for f in spans))
        widths = (4, label_width, found_width)
        yield from _row(("code", "label", "found"), "rule / what to write instead", widths, width)
        for f in spans:
            if f.kind == "mistake":
                code: Cell = (f.code, "red")
                advice = [_without_match(f)] + (["→ " + f.suggestions[0]] if f.suggestions else [])
            else:
                code, advice = (f.code, "green"), [f.name]
            yield from _row((code, f.label, _found(f, found_width)), advice, widths, width)
    missing = [f for f in report.findings if f.kind == "missing"]
    if missing:
        yield Text("missing", style="bold yellow")
        for f in missing:
            advice = [f.message] + (["→ " + f.suggestions[0]] if f.suggestions else [])
            yield from _row(((f.code, "yellow"),), advice, (4,), width)


def breakdown_lines(report: Report, width: int = 100) -> Iterator[Text]:
    """The score's breakdown: where the score starts, the points each label won or lost and
    the rules behind them, and the final score."""
    b = report.breakdown
    rows: list[tuple[str, str, str, str, str]] = [
        (
            "start",
            f"{b.base:g}",
            "",
            "",
            "a reply the case called for, before components"
            if b.needed
            else "no apology was needed; only mistakes cost points",
        )
    ]
    for line in b.lines:
        style = "green" if line.points > 0 else "red" if line.points < 0 else "yellow"
        rows.append((line.label, f"{line.points:+g}", style, " ".join(line.codes), line.reason))
    score = "n/a" if report.score is None else str(report.score)
    rows.append(("score", score, "bold", "", "clipped to 0-100"))
    label_width = max(len("label"), *(len(r[0]) for r in rows))
    points_width = max(len("points"), *(len(r[1]) for r in rows))
    codes_width = max(len("rules"), *(len(r[3]) for r in rows))
    yield Text("score breakdown", style="bold")
    widths = (label_width, points_width, codes_width)
    yield from _row(("label", "points".rjust(points_width), "rules"), "why", widths, width)
    for label, points, style, codes, why in rows:
        cell: Cell = (points.rjust(points_width), style) if style else points.rjust(points_width)
        yield from _row((label, cell, codes), why, widths, width)


def _row(
    cells: Sequence[Cell], last: str | Sequence[str], widths: Sequence[int], width: int
) -> Iterator[Text]:
    """One table row: ``cells`` padded to ``widths`` and two blanks apart, then ``last`` (one or
    more paragraphs) wrapped to what is left of ``width``, continuation lines under it. When
    too little is left, ``last`` goes under the cells, slightly indented, on lines of its own."""
    parts: list[str] = []
    styles: list[Span] = []
    at = 0
    for cell, cell_width in zip(cells, widths, strict=True):
        plain, style = (cell, "") if isinstance(cell, str) else cell
        if style:  # not on the blanks that right-align a cell
            styles.append(Span(at + len(plain) - len(plain.lstrip(" ")), at + len(plain), style))
        pad = " " * (cell_width - cell_len(plain) + 2)
        parts += (plain, pad)
        at += len(plain) + len(pad)
    indent = sum(widths) + 2 * len(widths)
    below = width - indent < MIN_WRAP
    if below:
        indent = min(indent, 6)
    room = max(width - indent, MIN_WRAP)
    paragraphs = [last] if isinstance(last, str) else last
    wrapped = [piece for paragraph in paragraphs for piece in _wrap(paragraph, room)]
    if below:
        yield Text("".join(parts).rstrip(), spans=styles)
    else:
        parts.append(wrapped[0])
        yield Text("".join(parts), spans=styles)
        wrapped = wrapped[1:]
    margin = " " * indent
    for piece in wrapped:
        yield Text(margin + piece)


@lru_cache(maxsize=4096)
def _wrap(paragraph: str, room: int) -> tuple[str, ...]:
    """A paragraph in lines of at most ``room`` characters (many findings share their advice)."""
    if len(paragraph) <= room:
        return (paragraph,)
    return tuple(textwrap.wrap(paragraph, room)) or (paragraph,)


def _reply_lines(report: Report) -> Iterator[Text]:
    for line in highlighted(report.text, report.findings).split("\n", allow_blank=True):
        yield Text("  ") + line


def _summary_line(report: Report) -> Text:
    quality = str(report.quality) if report.quality is not None else "n/a (no apology needed)"
    score = "n/a" if report.score is None else f"{report.score}/100"
    return Text.assemble(
        ("score ", "dim"),
        (score, "bold"),
        ("   quality ", "dim"),
        (quality, "bold"),
        ("   cause ", "dim"),
        (report.situation.cause, "bold"),
        ("   wait ", "dim"),
        (str(report.situation.wait).lower(), "bold"),
    )


def _found(f: Finding, width: int | None = None) -> str:
    """The words a finding matched, quoted, on one line and cut to ``width``."""
    match = " ".join((f.match or "").split())
    if width is not None and len(match) + 2 > width:
        cut = match[: max(1, width - 4)]
        if " " in cut and not match[len(cut)].isspace():  # end on a whole word
            cut = cut[: cut.rfind(" ")]
        match = cut.rstrip(" ,;:") + " …"
    return f"“{match}”"


def _without_match(f: Finding) -> str:
    """A finding's message without the quoted match it opens with: the table shows it."""
    quoted = f"“{f.match}”"
    return f.message[len(quoted) :].strip() if f.message.startswith(quoted) else f.message


class ReportView:
    """``report_text`` as a rich renderable, laid out to the width it is given."""

    def __init__(self, report: Report, title: str | None = None):
        self.report = report
        self.title = title

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self.title:
            yield Text(self.title, style="bold underline")
        # the reply wraps to the width, every line indented
        yield Padding(highlighted(self.report.text, self.report.findings), (0, 0, 1, 2))
        yield from report_text(self.report, options.max_width, reply=False)


def report_panel(report: Report, title: str | None = None) -> ReportView:
    """The report as ``amends check`` prints it, for ``console.print``."""
    return ReportView(report, title)


def print_lines(console: Console, lines: Iterable[Text], batch: int = 500) -> None:
    """Print ``lines`` as they are, a batch at a time: no wrapping to the terminal (it wraps
    long lines itself) and never the whole output in memory."""
    if console.color_system is None:  # no styles to write: the plain text is the output
        console.file.writelines(line.plain + "\n" for line in lines)
        return
    chunk: list[Text] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= batch:
            console.print(Text("\n").join(chunk), soft_wrap=True)
            chunk = []
    if chunk:
        console.print(Text("\n").join(chunk), soft_wrap=True)


def summary_table(reports: Iterable[Report], rejected: int = 0) -> Table:
    reports = list(reports)
    table = Table(title="summary", show_header=False, box=None)
    table.add_column("what", style="bold")
    table.add_column("value", overflow="fold")
    n = len(reports)
    table.add_row("replies", f"{n} analysed" + (f", {rejected} rejected" if rejected else ""))
    if not n:
        return table
    scores = [r.score for r in reports if r.score is not None]
    if scores:
        table.add_row("mean score", f"{sum(scores) / len(scores):.1f}")
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


def evaluation_lines(results: Sequence[Evaluation], errors: Sequence[str] = ()) -> Iterator[str]:
    """``amends eval``'s text output: a per-label table (precision, recall, F1 and support for
    one set; F1 and support side by side for several), the summary figures with one column per
    set, then what was left out and why, and the ids misjudged for each label of ``errors``."""
    several = len(results) > 1

    def figure(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    table: list[list[str]] = []
    if several:
        table.append(["", *(x for r in results for x in (r.name, ""))])
        table.append(["label", *(x for _ in results for x in ("F1", "support"))])
    else:
        table.append(["label", "precision", "recall", "F1", "support"])
    for group in (COMPONENTS, MISTAKES):
        for label in group:
            cells = [label]
            for r in results:
                c = r.labels[label]
                labelled = c.rows > 0
                if not several:
                    cells += [figure(c.precision if labelled else None)]
                    cells += [figure(c.recall if labelled else None)]
                cells += [figure(c.f1 if labelled else None), str(c.support)]
            table.append(cells)
        table.append([])
    yield from _aligned(table)

    def per_set(make: Callable[[Evaluation], str]) -> list[str]:
        return [make(r) for r in results]

    def count(r: Evaluation, group: Sequence[str]) -> str:
        return f"{len(r.macro_labels(group))} of {len(group)} labels"

    summary = [
        ["", *per_set(lambda r: r.name)] if several else [],
        ["rows", *per_set(lambda r: str(r.rows))],
        ["macro-F1 components", *per_set(lambda r: figure(r.macro_components))],
        ["  over", *per_set(lambda r: count(r, COMPONENTS))],
        ["macro-F1 mistakes", *per_set(lambda r: figure(r.macro_mistakes))],
        ["  over", *per_set(lambda r: count(r, MISTAKES))],
        [
            "Spearman(score, quality)",
            *per_set(lambda r: figure(r.spearman if r.spearman_rows else None)),
        ],
        ["  over rows with a quality and a score", *per_set(lambda r: str(r.spearman_rows))],
        ["  rated rows amends gave no score", *per_set(lambda r: str(r.rated_without_score))],
        ["quality exact", *per_set(lambda r: f"{r.quality_exact}/{r.rated}")],
        ["apology needed: precision", *per_set(lambda r: _needed(r, "precision"))],
        ["                recall", *per_set(lambda r: _needed(r, "recall"))],
        ["                F1", *per_set(lambda r: _needed(r, "f1"))],
        ["situation: cause accuracy", *per_set(lambda r: figure(r.cause_accuracy))],
        ["           wait F1", *per_set(lambda r: figure(r.wait.f1 if r.wait.rows else None))],
    ]
    yield from _aligned([row for row in summary if row])
    for r in results:
        prefix = f"{r.name}: " if several else ""
        out = [
            f"{x} ({r.labels[x].support})" for g in (COMPONENTS, MISTAKES) for x in r.left_out(g)
        ]
        if out:
            yield (
                f"{prefix}left out of macro-F1 for fewer than {MIN_SUPPORT} gold positives: "
                + ", ".join(out)
            )
        for problem in r.skipped:
            yield f"{prefix}skipped {problem}"
        for label in errors:
            e = r.errors[label]
            yield f"{prefix}{label}: false positives {', '.join(e.false_positives) or 'none'}"
            yield f"{prefix}{label}: false negatives {', '.join(e.false_negatives) or 'none'}"


def _needed(r: Evaluation, figure: str) -> str:
    if not r.needed.rows:
        return "n/a"
    return f"{getattr(r.needed, figure):.3f}"


def _aligned(rows: Sequence[Sequence[str]]) -> Iterator[str]:
    """Rows of cells as lines, the first column left-aligned and the rest right-aligned; an
    empty row is a blank line."""
    columns = max(len(row) for row in rows)
    widths = [max((len(row[i]) for row in rows if i < len(row)), default=0) for i in range(columns)]
    for row in rows:
        if not row:
            yield ""
            continue
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=False)
        ]
        yield "  ".join(cells).rstrip()
