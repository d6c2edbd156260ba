"""Accuracy on a labelled set: per-label precision, recall and F1, macro-F1 over components and
over mistakes, the situation (cause accuracy, wait F1) and the Spearman correlation of the
score with the gold ``quality`` (rows whose quality is null are left out of that figure).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .analyzer import MAX_CHARS, Analyzer
from .model import CAUSES, COMPONENTS, LABELS, MISTAKES


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

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
    quality_rows: int
    quality_exact: int
    skipped: list[str]

    @property
    def macro_components(self) -> float:
        return sum(self.labels[x].f1 for x in COMPONENTS) / len(COMPONENTS)

    @property
    def macro_mistakes(self) -> float:
        return sum(self.labels[x].f1 for x in MISTAKES) / len(MISTAKES)

    @property
    def cause_accuracy(self) -> float:
        return self.cause_correct / self.cause_total if self.cause_total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "labels": {
                k: {
                    "precision": round(c.precision, 3),
                    "recall": round(c.recall, 3),
                    "f1": round(c.f1, 3),
                    "support": c.support,
                }
                for k, c in self.labels.items()
            },
            "macro_f1_components": round(self.macro_components, 3),
            "macro_f1_mistakes": round(self.macro_mistakes, 3),
            "spearman_score_quality": round(self.spearman, 3),
            "quality_exact": round(self.quality_exact / self.quality_rows, 3)
            if self.quality_rows
            else None,
            "cause_accuracy": round(self.cause_accuracy, 3),
            "wait_f1": round(self.wait.f1, 3),
            "skipped": self.skipped,
        }


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


def _problem(row: Any, number: int) -> str | None:
    """Why a gold row cannot be scored, or None."""
    if not isinstance(row, dict):
        return f"line {number}: expected a JSON object"
    if not isinstance(row.get("reply"), str):
        return f"line {number}: needs a string 'reply'"
    if len(row["reply"]) > MAX_CHARS:
        return f"line {number}: 'reply' is longer than {MAX_CHARS:,} characters"
    if row.get("customer") is not None and not isinstance(row["customer"], str):
        return f"line {number}: 'customer' must be a string or null"
    for label in LABELS:
        if label in row and row[label] not in (0, 1, None) and not isinstance(row[label], bool):
            return f"line {number}: '{label}' must be 0 or 1, got {row[label]!r}"
    quality = row.get("quality")
    if quality is not None and (isinstance(quality, bool) or quality not in (1, 2, 3, 4, 5)):
        return f"line {number}: 'quality' must be 1 to 5 or null, got {quality!r}"
    if row.get("cause") is not None and row["cause"] not in CAUSES:
        return f"line {number}: 'cause' must be one of {', '.join(CAUSES)}"
    return None


def read_gold(path: Path) -> Iterable[tuple[int, dict[str, Any] | None, str | None]]:
    """Gold rows with their line numbers; a row that cannot be used comes with its reason."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield number, None, f"line {number}: not valid UTF-8 (byte {exc.start + 1})"
                continue
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, None, f"line {number}: not valid JSON ({exc.msg})"
                continue
            problem = _problem(row, number)
            if problem:
                yield number, None, problem
                continue
            yield number, row, None


def evaluate(path: Path, analyzer: Analyzer) -> Evaluation:
    labels = {label: Counts() for label in LABELS}
    errors = {label: Errors() for label in LABELS}
    wait = Counts()
    cause_correct = cause_total = 0
    scores: list[float] = []
    qualities: list[float] = []
    exact = 0
    rows = 0
    skipped: list[str] = []
    for _, row, problem in read_gold(path):
        if row is None:
            skipped.append(problem or "")
            continue
        rows += 1
        report = analyzer.analyze(row["reply"], row.get("customer"))
        found = set(report.labels)
        ident = str(row.get("id", rows))
        for label in LABELS:
            if label not in row:
                continue
            gold = bool(row[label])
            got = label in found
            c = labels[label]
            if gold and got:
                c.tp += 1
            elif got:
                c.fp += 1
                errors[label].false_positives.append(ident)
            elif gold:
                c.fn += 1
                errors[label].false_negatives.append(ident)
        if "wait" in row:
            gold_wait, got_wait = bool(row["wait"]), report.situation.wait
            wait.tp += gold_wait and got_wait
            wait.fp += got_wait and not gold_wait
            wait.fn += gold_wait and not got_wait
        if row.get("cause"):
            cause_total += 1
            cause_correct += row["cause"] == report.situation.cause
        if row.get("quality") is not None:
            exact += report.quality == row["quality"]
            # Spearman over rows amends also scored (no score: it judged no apology needed)
            if report.score is not None:
                scores.append(report.score)
                qualities.append(float(row["quality"]))
    return Evaluation(
        rows=rows,
        labels=labels,
        errors=errors,
        wait=wait,
        cause_correct=cause_correct,
        cause_total=cause_total,
        spearman=spearman(scores, qualities),
        quality_rows=len(qualities),
        quality_exact=exact,
        skipped=skipped,
    )
