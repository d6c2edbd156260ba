"""The result objects: findings, the situation, the score breakdown and the report.

One wire schema (``to_dict``) is shared by the CLI's JSON, the batch contract and the API.
Offsets are code points into the *original* text; "missing X" findings have no offsets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SCHEMA_VERSION = 1

COMPONENTS: tuple[str, ...] = (
    "apology",
    "acknowledge",
    "responsibility",
    "empathy",
    "explanation",
    "remedy",
    "follow_up",
    "compensation",
    "gratitude",
)
MISTAKES: tuple[str, ...] = (
    "vague_apology",
    "conditional_apology",
    "blame_shift",
    "excuse",
    "defensive",
    "confrontational",
    "over_apology",
    "empty_promise",
    "minimizing",
    "legal_risk",
)
LABELS: tuple[str, ...] = COMPONENTS + MISTAKES
CAUSES: tuple[str, ...] = ("ours", "outside", "customer", "unknown")
# component, mistake: evidence of a taxonomy label; missing: a component the situation calls for
# and the reply lacks; note: advice about words of the reply (a vague promise) that counts
# towards no label or score, its label the component it concerns (``amends.notes``)
FINDING_KINDS: tuple[str, ...] = ("component", "mistake", "missing", "note")


def kind_of(label: str) -> str:
    """The finding kind a taxonomy label belongs to: ``component`` or ``mistake``."""
    if label in COMPONENTS:
        return "component"
    if label in MISTAKES:
        return "mistake"
    raise ValueError(f"unknown taxonomy label {label!r}; expected one of {', '.join(LABELS)}")


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    name: str
    label: str
    kind: str  # component | mistake | missing | note
    severity: str  # info | warning | error
    message: str
    start: int | None = None
    end: int | None = None
    match: str | None = None
    suggestions: tuple[str, ...] = ()
    why: str = ""
    confidence: float = 1.0
    # The phrase or pattern that matched, as written in the rule file; None for findings no
    # single pattern makes (missing components, counts, echoes of the customer's words).
    pattern: str | None = None

    def to_dict(self, detail: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "label": self.label,
            "kind": self.kind,
            "severity": self.severity,
            "start": self.start,
            "end": self.end,
            "match": self.match,
            "message": self.message,
            "suggestions": list(self.suggestions),
        }
        if detail:
            data["why"] = self.why
            data["confidence"] = self.confidence
            data["pattern"] = self.pattern
        return data


@dataclass(frozen=True, slots=True)
class Evidence:
    """Words in the reply or the customer's message that decided part of the situation."""

    source: str  # reply | customer
    start: int
    end: int
    match: str
    signal: str  # e.g. cause=outside, wait, failure


@dataclass(frozen=True, slots=True)
class Situation:
    cause: str = "unknown"
    wait: bool = False
    failure: bool = False  # something went wrong for the customer, so an apology is due
    evidence: tuple[Evidence, ...] = ()
    # the reply asks for what is needed to find out what happened, and states no cause, fault
    # or fix yet: it is measured against the first-contact components
    first_contact: bool = False

    def to_dict(self, detail: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {"cause": self.cause, "wait": self.wait}
        if detail:
            data["failure"] = self.failure
            data["first_contact"] = self.first_contact
            data["evidence"] = [
                {
                    "source": e.source,
                    "start": e.start,
                    "end": e.end,
                    "match": e.match,
                    "signal": e.signal,
                }
                for e in self.evidence
            ]
        return data


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the score breakdown: points won or lost, and the findings behind them."""

    label: str
    points: float
    reason: str
    codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Breakdown:
    base: float
    lines: tuple[Line, ...]
    needed: bool  # whether the situation called for an apology at all

    def to_dict(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "needed": self.needed,
            "lines": [
                {"label": x.label, "points": x.points, "reason": x.reason, "codes": list(x.codes)}
                for x in self.lines
            ],
        }


@dataclass(frozen=True, slots=True)
class Report:
    text: str
    findings: tuple[Finding, ...]
    labels: tuple[str, ...]
    missing: tuple[str, ...]
    score: int | None  # None when nothing called for an apology
    quality: int | None
    breakdown: Breakdown
    situation: Situation
    customer: str | None = None
    model: tuple[str, str] | None = None  # the learned layer's (version, data_hash), if it ran
    # Placeholders left for the agent to fill ("[the cause]"), as (start, end) offsets into
    # ``text``: the analysis read them as blanks, so the score is the reply's without them.
    slots: tuple[tuple[int, int], ...] = ()

    def has(self, label: str) -> bool:
        return label in self.labels

    @property
    def unfinished(self) -> bool:
        """Whether the reply still has slots to fill before it can be sent."""
        return bool(self.slots)

    @property
    def slot_texts(self) -> tuple[str, ...]:
        return tuple([self.text[start:end] for start, end in self.slots])

    @property
    def mistakes(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.kind == "mistake")

    @property
    def notes(self) -> tuple[Finding, ...]:
        """Findings that advise without counting (``kind == "note"``): a vague promise."""
        return tuple(f for f in self.findings if f.kind == "note")

    def to_dict(self, id: Any = None, detail: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "id": id,
            "labels": list(self.labels),
            "score": self.score,
            "quality": self.quality,
            "unfinished": bool(self.slots),
            "slots": [
                {"start": start, "end": end, "text": self.text[start:end]}
                for start, end in self.slots
            ],
            "findings": [f.to_dict(detail) for f in self.findings],
            "missing": list(self.missing),
            "situation": self.situation.to_dict(detail),
        }
        if detail:
            data["breakdown"] = self.breakdown.to_dict()
            data["model"] = (
                {"version": self.model[0], "data_hash": self.model[1]} if self.model else None
            )
        return data


@dataclass(frozen=True, slots=True)
class Config:
    """Which rules run. Selectors are codes, code prefixes, rule names or taxonomy labels.

    ``select`` and ``ignore`` take a string or any sequence of strings.
    """

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    model: bool = True  # the learned layer on top of the rules (off: rules alone, faster)

    def __post_init__(self) -> None:
        for name in ("select", "ignore"):
            value = getattr(self, name)
            items = (value,) if isinstance(value, str) else tuple(value)
            if not all(isinstance(item, str) for item in items):
                raise TypeError(f"Config.{name} must be strings (rule codes, prefixes or names)")
            object.__setattr__(self, name, items)
