"""The 0-100 score and the 1-5 quality, with a breakdown that traces every point to findings.

Weights are data (``data/weights.yaml``). A reply is measured against the components its
situation calls for; components beyond those still earn points up to the maximum. Each kind of
mistake found takes its points away once. A reply that needed no apology starts from full marks
and only loses points for mistakes; its quality is ``None``, as in the taxonomy.
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
    floor: float = 0.0  # what a needed reply with no component and no mistake scores
    # (codes and labels of the findings, labels, failure, cause) -> score: the same few recur
    _scores: dict[tuple[object, ...], tuple[int, int | None, Breakdown]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def expected_for(self, situation: Situation) -> tuple[str, ...]:
        if not situation.failure:
            return ()
        return self.expected.get(situation.cause, self.expected["unknown"])

    def score(
        self, findings: Sequence[Finding], labels: Sequence[str], situation: Situation
    ) -> tuple[int, int | None, Breakdown]:
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
    ) -> tuple[int, int | None, Breakdown]:
        codes: dict[str, list[str]] = {}
        for f in findings:
            codes.setdefault(f.label, [])
            if f.code not in codes[f.label]:
                codes[f.label].append(f.code)
        present = set(labels)
        expected = self.expected_for(situation)
        lines: list[Line] = []
        if expected:
            possible = sum(self.components[c] for c in expected)
            base = self.floor
            scale = (100.0 - base) / possible
            earned = 0.0
            for label in COMPONENTS:
                points = self.components[label]
                if label in present:
                    earned += points
                    lines.append(
                        _line(
                            label,
                            round(scale * points, 1),
                            self.reasons.get(label, ""),
                            tuple(codes.get(label, ())),
                        )
                    )
                elif label in expected:
                    lines.append(
                        _line(
                            label,
                            0.0,
                            f"missing: {self.reasons.get(label, '')}",
                            tuple(codes.get(label, ())),
                        )
                    )
            if earned > possible:
                lines.append(
                    Line(
                        "cap",
                        round(-scale * (earned - possible), 1),
                        "components beyond what the case needs earn no more than 100",
                    )
                )
            total = base + scale * min(earned, possible)
        else:
            base = total = 100.0
        for label in MISTAKES:
            if label in present:
                points = -self.mistakes[label]
                total += points
                lines.append(
                    _line(label, points, self.reasons.get(label, ""), tuple(codes.get(label, ())))
                )
        score = max(0, min(100, round(total)))
        quality = None
        if expected:
            quality = 1 + sum(1 for t in self.thresholds if score >= t)
        return score, quality, Breakdown(base=base, lines=tuple(lines), needed=bool(expected))


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
    for cause in CAUSES:
        listed = (raw.get("expected") or {}).get(cause)
        if not listed or any(c not in COMPONENTS for c in listed):
            raise RuleError(f"weights.yaml: expected.{cause} must list component labels")
        expected[cause] = tuple(listed)
    thresholds = tuple(float(x) for x in raw.get("quality_thresholds") or ())
    if len(thresholds) != 4 or list(thresholds) != sorted(thresholds):
        raise RuleError("weights.yaml: quality_thresholds must be four rising scores")
    floor = float(raw.get("floor", 0))
    if not 0 <= floor < 100:
        raise RuleError("weights.yaml: floor must be at least 0 and below 100")
    return Weights(components, mistakes, expected, thresholds, reasons, floor)
