"""The 0-100 score and the 1-5 quality, with a breakdown that traces every point to findings.

Weights are data (``data/weights.yaml``), fitted on labelled real replies (``amends train``):
a reply starts from ``base``, earns each component's points once and loses each kind of
mistake's points once; the score maps onto the 1-5 quality scale (quality q sits around
25 * (q - 1)). A reply that needed no apology has neither score nor quality (``None``): there
was nothing to apologise for, so there is nothing to rate; its mistakes are still findings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .model import CAUSES, COMPONENTS, MISTAKES, Breakdown, Finding, Line, Situation
from .rules import RuleError


@dataclass(frozen=True)
class Weights:
    components: Mapping[str, float]
    mistakes: Mapping[str, float]
    expected: Mapping[str, tuple[str, ...]]
    thresholds: tuple[float, ...]  # lowest score for quality 2, 3, 4, 5
    reasons: Mapping[str, str]
    base: float = 0.0  # what a needed reply with no component and no mistake scores
    # (codes and labels of the findings, labels, failure, cause, first contact) -> score: the
    # same few recur
    _scores: dict[tuple[object, ...], tuple[int, int | None, Breakdown]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def expected_for(self, situation: Situation) -> tuple[str, ...]:
        """The components a reply is measured against: none when nothing went wrong; the
        first-contact ones while the reply is still finding out what happened (no cause or fault
        is known yet), unless the customer's own action caused it; else by cause."""
        if not situation.failure:
            return ()
        if situation.first_contact and situation.cause != "customer":
            return self.expected[FIRST_CONTACT]
        return self.expected.get(situation.cause, self.expected["unknown"])

    def score(
        self, findings: Sequence[Finding], labels: Sequence[str], situation: Situation
    ) -> tuple[int | None, int | None, Breakdown]:
        """The score, the quality and the breakdown.

        They depend on the findings only through their codes and labels, in order, so each
        combination is worked out once; everything returned is immutable.
        """
        key = (
            tuple([f.code for f in findings]),
            tuple([f.label for f in findings]),
            tuple(labels),
            situation.failure,
            situation.cause,
            situation.first_contact,
        )
        scores = self._scores
        found = scores.get(key)
        if found is None:
            if len(scores) >= _SCORES_KEPT:
                scores.clear()
            found = scores[key] = self._score(findings, labels, situation)
        return found

    def _score(
        self, findings: Sequence[Finding], labels: Sequence[str], situation: Situation
    ) -> tuple[int | None, int | None, Breakdown]:
        codes: dict[str, list[str]] = {}
        for f in findings:
            codes.setdefault(f.label, [])
            if f.code not in codes[f.label]:
                codes[f.label].append(f.code)
        present = set(labels)
        expected = self.expected_for(situation)
        lines: list[Line] = []
        total = self.base
        for label in COMPONENTS:
            if label in present:
                points = self.components[label]
                total += points
                lines.append(
                    _line(label, points, self.reasons.get(label, ""), tuple(codes.get(label, ())))
                )
            elif label in expected:
                lines.append(_line(label, 0.0, f"missing: {self.reasons.get(label, '')}", ()))
        for label in MISTAKES:
            if label in present:
                points = -self.mistakes[label]
                total += points
                lines.append(
                    _line(label, points, self.reasons.get(label, ""), tuple(codes.get(label, ())))
                )
        breakdown = Breakdown(base=self.base, lines=tuple(lines), needed=bool(expected))
        if not expected:
            return None, None, breakdown
        score = max(0, min(100, round(total)))
        quality = 1 + sum(1 for t in self.thresholds if score >= t)
        return score, quality, breakdown


FIRST_CONTACT = "first_contact"  # the key of the first-contact components in `expected:`
_SCORES_KEPT = 4096
_LINES: dict[tuple[str, float, str, tuple[str, ...]], Line] = {}
_LINES_KEPT = 4096


def _line(label: str, points: float, reason: str, codes: tuple[str, ...]) -> Line:
    """A breakdown line; the same few recur in every report, so each is built once."""
    key = (label, points, reason, codes)
    line = _LINES.get(key)
    if line is None:
        if len(_LINES) >= _LINES_KEPT:
            _LINES.clear()
        line = _LINES[key] = Line(label, points, reason, codes)
    return line


def load_weights(path: Path | Any | None = None) -> Weights:
    path = path or resources.files("amends") / "data" / "weights.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    reasons: dict[str, str] = {}
    components: dict[str, float] = {}
    mistakes: dict[str, float] = {}
    for group, target, labels in (
        ("components", components, COMPONENTS),
        ("mistakes", mistakes, MISTAKES),
    ):
        table = raw.get(group) or {}
        for label in labels:
            entry = table.get(label)
            if not isinstance(entry, dict) or "points" not in entry:
                raise RuleError(f"weights.yaml: {group}.{label} needs points and why")
            target[label] = float(entry["points"])
            reasons[label] = " ".join(str(entry.get("why", "")).split())
        extra = set(table) - set(labels)
        if extra:
            raise RuleError(f"weights.yaml: {group} has unknown labels {sorted(extra)}")
    expected: dict[str, tuple[str, ...]] = {}
    table = raw.get("expected") or {}
    unknown = set(table) - {*CAUSES, FIRST_CONTACT}
    if unknown:
        raise RuleError(
            f"weights.yaml: expected.{sorted(unknown)[0]} is neither a cause "
            f"({', '.join(CAUSES)}) nor {FIRST_CONTACT}"
        )
    for key in (*CAUSES, FIRST_CONTACT):
        listed = table.get(key)
        if not listed or any(c not in COMPONENTS for c in listed):
            raise RuleError(f"weights.yaml: expected.{key} must list component labels")
        expected[key] = tuple(listed)
    thresholds = tuple(float(x) for x in raw.get("quality_thresholds") or ())
    if len(thresholds) != 4 or list(thresholds) != sorted(thresholds):
        raise RuleError("weights.yaml: quality_thresholds must be four rising scores")
    base = float(raw.get("base", 0))
    if not 0 <= base < 100:
        raise RuleError("weights.yaml: base must be at least 0 and below 100")
    for group, table in (("components", components), ("mistakes", mistakes)):
        negative = [label for label, points in table.items() if points < 0]
        if negative:
            raise RuleError(
                f"weights.yaml: {group}.{negative[0]}: points are at least 0 "
                "(mistakes are subtracted)"
            )
    return Weights(components, mistakes, expected, thresholds, reasons, base)
