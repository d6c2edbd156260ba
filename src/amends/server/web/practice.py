"""Practice for new agents: scenarios from ``data/practice.yaml`` (what the agent knows, the
customer's message, the components a good reply needs, a model reply), and the feedback on an
attempt: the analyzer's score and findings, which expected components it has, the coach's fixed
version, and whether it passes (every expected component, no mistake, at least the pass score).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ...analyzer import Analyzer
from ...coach import coach
from ...datafile import DataError, Section, load
from ...model import COMPONENTS

FILE = "practice.yaml"


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    title: str
    kind: str
    situation: str
    facts: tuple[str, ...]
    customer: str
    expect: tuple[str, ...]  # component labels a good reply has
    example: str  # a model reply, shown after an attempt

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "situation": self.situation,
            "facts": list(self.facts),
            "customer": self.customer,
            "expect": list(self.expect),
        }


@dataclass(frozen=True, slots=True)
class Practice:
    pass_score: int
    scenarios: tuple[Scenario, ...]

    def find(self, scenario_id: str) -> Scenario | None:
        return next((s for s in self.scenarios if s.id == scenario_id), None)


def _scenario(section: Section) -> Scenario:
    section.check_keys(
        ("id", "title", "kind", "situation", "facts", "customer", "expect", "example")
    )
    expect = section.labels("expect", COMPONENTS)
    if not expect:
        raise section.fail("'expect' must name at least one component")
    return Scenario(
        id=section.str("id"),
        title=section.str("title"),
        kind=section.str("kind"),
        situation=section.str("situation"),
        facts=section.strs("facts", ()),
        customer=section.str("customer"),
        expect=expect,
        example=section.str("example"),
    )


def load_practice(path: Path | None = None) -> Practice:
    """The scenarios, validated: errors name the file, the line and what to write."""
    root = load(FILE, path)
    root.check_keys(("pass_score", "scenarios"))
    pass_score = root.int("pass_score")
    if not 0 <= pass_score <= 100:
        raise root.fail(f"'pass_score' must be between 0 and 100, not {pass_score}")
    scenarios = tuple(_scenario(s) for s in root.sections("scenarios"))
    seen: set[str] = set()
    for scenario in scenarios:
        if scenario.id in seen:
            raise DataError(f"{FILE}: scenario id {scenario.id!r} is used twice")
        seen.add(scenario.id)
    return Practice(pass_score, scenarios)


@lru_cache(maxsize=1)
def practice() -> Practice:
    return load_practice()


def feedback(analyzer: Analyzer, scenario: Scenario, reply: str, pass_score: int) -> dict[str, Any]:
    """How an attempt at ``scenario`` did, with the fixed version and the model reply."""
    report = analyzer.analyze(reply, scenario.customer)
    coaching = coach(report)
    mistakes = [f for f in report.findings if f.kind == "mistake"]
    expected = [{"label": label, "present": label in report.labels} for label in scenario.expect]
    score = report.score if report.score is not None else 0
    passed = score >= pass_score and not mistakes and all(e["present"] for e in expected)
    return {
        "scenario": scenario.id,
        "score": report.score,
        "pass_score": pass_score,
        "passed": passed,
        "expected": expected,
        "report": report.to_dict(),
        "fixed": {
            "improved": coaching.improved,
            "score": coaching.report.score,
            "edits": [e.to_dict() for e in coaching.edits],
            "suggestions": [s.to_dict() for s in coaching.suggestions],
        },
        "example": scenario.example,
    }
