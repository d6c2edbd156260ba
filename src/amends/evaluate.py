"""Accuracy on a labelled set: per-label precision, recall and F1; macro-F1 over components and
over mistakes, each over the labels with at least ``MIN_SUPPORT`` gold positives in the set;
the situation (cause accuracy, wait F1); whether the reply needed an apology at all (the
report's ``breakdown.needed`` against a gold ``quality`` that is not null); and the Spearman
correlation of the score with the gold ``quality``, over the rows that have both.

Gold rows are JSON objects with the reply in ``reply`` (or ``text``), an optional ``customer``,
0 or 1 per taxonomy label, and optionally ``quality`` (1-5, or null when no apology was
needed), ``cause`` and ``wait``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .analyzer import MAX_CHARS, Analyzer
from .model import CAUSES, COMPONENTS, LABELS, MISTAKES

MIN_SUPPORT = 5  # gold positives a label needs in a set to count towards its macro-F1


class NotGold(ValueError):
    """Nothing in the input can be measured against: no row carries a label or a quality."""


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    rows: int = 0  # rows that carry this label at all (0 or 1)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0 if not self.fn else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        return self.tp + self.fn


@dataclass
class Errors:
    false_positives: list[str] = field(default_factory=list)
    false_negatives: list[str] = field(default_factory=list)


@dataclass
class Evaluation:
    rows: int
    labels: dict[str, Counts]
    errors: dict[str, Errors]
    wait: Counts
    cause_correct: int
    cause_total: int
    spearman: float
    spearman_rows: int  # rows with a gold quality and a score
    rated: int  # rows with a gold quality
    rated_without_score: int  # of those, rows amends gave no score (it saw no apology due)
    quality_exact: int
    needed: Counts  # "an apology was needed": breakdown.needed against gold quality not null
    skipped: list[str]
    name: str = ""

    def macro_labels(self, group: Sequence[str]) -> list[str]:
        """The labels of ``group`` with at least ``MIN_SUPPORT`` gold positives here."""
        return [x for x in group if self.labels[x].support >= MIN_SUPPORT]

    def left_out(self, group: Sequence[str]) -> list[str]:
        """The labels of ``group`` left out of its macro-F1 for having fewer gold positives."""
        kept = self.macro_labels(group)
        return [x for x in group if x not in kept]

    def _macro(self, group: Sequence[str]) -> float | None:
        kept = self.macro_labels(group)
        return sum(self.labels[x].f1 for x in kept) / len(kept) if kept else None

    @property
    def macro_components(self) -> float | None:
        return self._macro(COMPONENTS)

    @property
    def macro_mistakes(self) -> float | None:
        return self._macro(MISTAKES)

    @property
    def cause_accuracy(self) -> float | None:
        return self.cause_correct / self.cause_total if self.cause_total else None

    def to_dict(self) -> dict[str, Any]:
        def label(c: Counts) -> dict[str, Any]:
            if not c.rows:  # not labelled in this set: no figures rather than perfect ones
                return {"precision": None, "recall": None, "f1": None, "support": 0}
            return {
                "precision": _round(c.precision),
                "recall": _round(c.recall),
                "f1": _round(c.f1),
                "support": c.support,
            }

        return {
            "set": self.name,
            "rows": self.rows,
            "labels": {k: label(c) for k, c in self.labels.items()},
            "min_support": MIN_SUPPORT,
            "macro_f1_components": _round(self.macro_components),
            "macro_f1_mistakes": _round(self.macro_mistakes),
            "macro_f1_left_out": self.left_out(COMPONENTS) + self.left_out(MISTAKES),
            "spearman_score_quality": _round(self.spearman) if self.spearman_rows else None,
            "spearman_rows": self.spearman_rows,
            "rated_without_score": self.rated_without_score,
            "quality_exact": _round(self.quality_exact / self.rated) if self.rated else None,
            "apology_needed": label(self.needed),
            "cause_accuracy": _round(self.cause_accuracy),
            "wait_f1": _round(self.wait.f1) if self.wait.rows else None,
            "skipped": self.skipped,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Spearman's rank correlation with average ranks for ties."""
    if len(xs) < 2:
        return 0.0
    rx, ry = _ranks(xs), _ranks(ys)
    n = len(xs)
    mx, my = sum(rx) / n, sum(ry) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    return cov / (vx * vy) ** 0.5 if vx and vy else 0.0


def _problem(row: Any, where: str) -> str | None:
    """Why a gold row cannot be scored, or None."""
    if not isinstance(row, dict):
        return f"{where}: expected a JSON object"
    reply = _reply(row)
    if not isinstance(reply, str):
        return f"{where}: needs a string 'reply' (or 'text')"
    if len(reply) > MAX_CHARS:
        return f"{where}: the reply is longer than {MAX_CHARS:,} characters"
    if row.get("customer") is not None and not isinstance(row["customer"], str):
        return f"{where}: 'customer' must be a string or null"
    for label in LABELS:
        if label in row and row[label] not in (0, 1, None) and not isinstance(row[label], bool):
            return f"{where}: '{label}' must be 0 or 1, got {row[label]!r}"
    if not any(row.get(label) is not None for label in LABELS) and "quality" not in row:
        return (
            f"{where}: no taxonomy labels (0 or 1 for {LABELS[0]} ... {LABELS[-1]}) and no quality"
        )
    quality = row.get("quality")
    if quality is not None and (isinstance(quality, bool) or quality not in (1, 2, 3, 4, 5)):
        return f"{where}: 'quality' must be 1 to 5 or null, got {quality!r}"
    if row.get("cause") is not None and row["cause"] not in CAUSES:
        return f"{where}: 'cause' must be one of {', '.join(CAUSES)}"
    return None


def _reply(row: dict[str, Any]) -> Any:
    return row["reply"] if "reply" in row else row.get("text")


GoldRow = tuple[str, dict[str, Any] | None, str | None]


def read_gold(path: Path) -> Iterator[GoldRow]:
    """Gold rows of a JSONL file with where they are (``line N``); a row that cannot be used
    comes with its reason."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            where = f"line {number}"
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield where, None, f"{where}: not valid UTF-8 (byte {exc.start + 1})"
                continue
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield where, None, f"{where}: not valid JSON ({exc.msg})"
                continue
            problem = _problem(row, where)
            yield where, (None if problem else row), problem


def gold_rows(rows: Iterable[dict[str, Any]]) -> Iterator[GoldRow]:
    """Gold rows already loaded (``labelled.load``), with where they are (``row N (id)``)."""
    for number, row in enumerate(rows, 1):
        ident = row.get("id") if isinstance(row, dict) else None
        where = f"row {number}" + (f" ({ident})" if ident is not None else "")
        problem = _problem(row, where)
        yield where, (None if problem else row), problem


def evaluate(
    source: Path | Iterable[dict[str, Any]], analyzer: Analyzer, name: str | None = None
) -> Evaluation:
    """Measure ``analyzer`` on a gold set: a JSONL file or rows already loaded.

    Raises ``NotGold`` when no row can be measured against (no labels, no quality), and the
    analyzer's ValueError or TypeError for a row it refuses.
    """
    gold = read_gold(source) if isinstance(source, Path) else gold_rows(source)
    labels = {label: Counts() for label in LABELS}
    errors = {label: Errors() for label in LABELS}
    wait = Counts()
    needed = Counts()
    cause_correct = cause_total = 0
    scores: list[float] = []
    qualities: list[float] = []
    rated = exact = 0
    rows = 0
    skipped: list[str] = []
    for _, row, problem in gold:
        if row is None:
            skipped.append(problem or "")
            continue
        rows += 1
        report = analyzer.analyze(_reply(row), row.get("customer"))
        found = set(report.labels)
        ident = str(row.get("id", rows))
        for label in LABELS:
            if row.get(label) is None:
                continue
            gold_has = bool(row[label])
            got = label in found
            c = labels[label]
            c.rows += 1
            if gold_has and got:
                c.tp += 1
            elif got:
                c.fp += 1
                errors[label].false_positives.append(ident)
            elif gold_has:
                c.fn += 1
                errors[label].false_negatives.append(ident)
        if row.get("wait") is not None:
            _tally(wait, bool(row["wait"]), report.situation.wait)
        if row.get("cause"):
            cause_total += 1
            cause_correct += row["cause"] == report.situation.cause
        if "quality" in row:
            _tally(needed, row["quality"] is not None, report.breakdown.needed)
        if row.get("quality") is not None:
            rated += 1
            exact += report.quality == row["quality"]
            if report.score is not None:
                scores.append(report.score)
                qualities.append(float(row["quality"]))
    if not rows:
        raise NotGold(_nothing_to_measure(skipped))
    return Evaluation(
        rows=rows,
        labels=labels,
        errors=errors,
        wait=wait,
        cause_correct=cause_correct,
        cause_total=cause_total,
        spearman=spearman(scores, qualities),
        spearman_rows=len(scores),
        rated=rated,
        rated_without_score=rated - len(scores),
        quality_exact=exact,
        needed=needed,
        skipped=skipped,
        name=name or (source.name if isinstance(source, Path) else ""),
    )


def _tally(counts: Counts, gold: bool, got: bool) -> None:
    counts.rows += 1
    counts.tp += gold and got
    counts.fp += got and not gold
    counts.fn += gold and not got


def _nothing_to_measure(skipped: list[str]) -> str:
    unlabelled = sum("no taxonomy labels" in reason for reason in skipped)
    if not skipped:
        return "no rows to evaluate"
    if unlabelled == len(skipped):
        return (
            f"none of its {len(skipped)} row(s) carries a taxonomy label (0 or 1 for "
            f"{LABELS[0]} ... {LABELS[-1]}) or a quality, so there is nothing to measure "
            "against; `amends eval` needs a labelled set (to analyse unlabelled replies, use "
            "`amends analyze`)"
        )
    return f"no row could be evaluated; {len(skipped)} skipped, the first: {skipped[0]}"
