"""Output without rich: a report as JSON written a few findings at a time, as one line per
finding (``analyze --format text``), and ``amends eval``'s table. ``amends analyze`` and
``check --format json`` write with these alone and never load rich."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .evaluate import MIN_SUPPORT, Evaluation
from .model import COMPONENTS, MISTAKES, Finding, Report


def finding_line(f: Finding) -> str:
    """One stable line per finding: ``start-end CODE name label: message``."""
    where = f"{f.start}-{f.end}" if f.start is not None else "-"
    return f"{where} {f.code} {f.name} [{f.label}] {f.message}"


def slots_line(report: Report) -> str | None:
    """``unfinished: N slots to fill: [..], [..]`` for a reply with slots; None without."""
    if not report.slots:
        return None
    n = len(report.slots)
    return f"unfinished: {n} slot{'' if n == 1 else 's'} to fill: " + ", ".join(report.slot_texts)


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
    unfinished = slots_line(report)
    if unfinished:
        yield "  " + unfinished
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
