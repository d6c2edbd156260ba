"""Renderers with rich: a report as ``amends check`` shows it (highlighted reply, table of
findings, score breakdown) and batch summaries. Output that needs no rich (JSON, one line per
finding, eval's table) is in ``plain``, so the commands that write it never load rich."""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.padding import Padding
from rich.table import Table
from rich.text import Span, Text

from .model import COMPONENTS, MISTAKES, Finding, Report
from .plain import finding_line, slots_line

STYLES = {
    "component": "bold green",
    "mistake": "bold red",
    "note": "bold magenta",
    "error": "bold white on red",
    "slot": "bold yellow",
}


def highlighted(
    text: str, findings: Sequence[Finding], slots: Sequence[tuple[int, int]] = ()
) -> Text:
    """The reply with components in green, notes (a vague promise) in magenta and mistakes in
    red (mistakes win where they overlap, then notes), and the slots still to fill in yellow."""
    out = Text(text)
    for start, end in slots:
        out.stylize(STYLES["slot"], start, end)
    for f in sorted(findings, key=lambda f: _LAYER.get(f.kind, 0)):
        if f.start is None or f.end is None:
            continue
        style = STYLES["error"] if f.severity == "error" else STYLES.get(f.kind, "")
        out.stylize(style, f.start, f.end)
    return out


# Which style lies on top where spans overlap: mistakes over notes over components.
_LAYER = {"note": 1, "mistake": 2}


def report_lines(report: Report, ident: Any = None) -> list[str]:
    score = report.score if report.score is not None else "n/a"
    head = f"{ident if ident is not None else '-'}: score {score}, quality " + (
        str(report.quality) if report.quality is not None else "n/a (no apology needed)"
    )
    labels = ", ".join(report.labels) or "none"
    unfinished = slots_line(report)
    situation = (
        f"  situation: cause={report.situation.cause} wait={str(report.situation.wait).lower()}"
    )
    if report.situation.first_contact:
        situation += " first_contact=true"
    lines = [head, *(["  " + unfinished] if unfinished else []), f"  labels: {labels}", situation]
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
    unfinished = slots_line(report)
    if unfinished:
        # "unfinished:" in yellow, then the slots, wrapped under one another
        head, rest = unfinished.split(": ", 1)
        margin = " " * (len(head) + 2)
        pieces = textwrap.wrap(rest, max(width - len(margin), MIN_WRAP)) or [rest]
        yield Text.assemble((head + ":", "bold yellow"), " ", pieces[0])
        for piece in pieces[1:]:
            yield Text(margin + piece)
    spans = [f for f in report.findings if f.start is not None]
    if spans:
        label_width = max(len("label"), *(len(f.label) for f in spans))
        found_width = min(FOUND_WIDTH, max(len(_found(f)) for f in spans))
        widths = (4, label_width, found_width)
        yield from _row(("code", "label", "found"), "rule / what to write instead", widths, width)
        for f in spans:
            if f.kind in ("mistake", "note"):
                code: Cell = (f.code, "red" if f.kind == "mistake" else "magenta")
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
            else "no apology was needed: the reply gets no score",
        )
    ]
    for line in b.lines:
        style = "green" if line.points > 0 else "red" if line.points < 0 else "yellow"
        rows.append((line.label, f"{line.points:+g}", style, " ".join(line.codes), line.reason))
    score = "n/a" if report.score is None else str(report.score)
    why = "clipped to 0-100" if report.score is not None else "nothing called for an apology"
    rows.append(("score", score, "bold", "", why))
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
    for line in highlighted(report.text, report.findings, report.slots).split(
        "\n", allow_blank=True
    ):
        yield Text("  ") + line


def _summary_line(report: Report) -> Text:
    quality = str(report.quality) if report.quality is not None else "n/a (no apology needed)"
    score = "n/a" if report.score is None else f"{report.score}/100"
    line = Text.assemble(
        ("score ", "dim"),
        (score, "bold"),
        ("   quality ", "dim"),
        (quality, "bold"),
        ("   cause ", "dim"),
        (report.situation.cause, "bold"),
        ("   wait ", "dim"),
        (str(report.situation.wait).lower(), "bold"),
    )
    if report.situation.first_contact:
        line.append_text(Text.assemble(("   ", "dim"), ("first contact", "bold")))
    return line


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
        style = {"mistake": "red", "note": "magenta"}.get(f.kind, "green")
        how = f.pattern if f.pattern is not None else f"(the {f.name} check, no pattern)"
        table.add_row(Text(f.code, style=style), Text(f"“{f.match}”"), Text(how))
    return table


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
        yield Padding(
            highlighted(self.report.text, self.report.findings, self.report.slots), (0, 0, 1, 2)
        )
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
