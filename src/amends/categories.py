"""Failure categories of a conversation: what kind of thing went wrong (delivery, billing, an
outage, a wait, ...), read from the customer's messages, the agents' replies and the analyzer's
situation reading. The categories and their words are data (``data/categories.yaml``); this
module only matches them. A pure function: the store calls it on import and on
``amends categorize``, and recurrence counts what it assigned.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .datafile import DataError, Section, compile_pattern, load

OTHER = "other"  # something went wrong, and no category fits
NONE = "none"  # nothing says anything went wrong
SOURCES = ("customer", "reply", "signal", OTHER, NONE)
SIGNALS = ("wait", "failure")
_NAME = re.compile(r"^[a-z][a-z_]*$")
# __line__ is the loader's line number of the mapping
_KEYS = ("name", "description", "customer", "reply", "signals", "unless", "examples", "__line__")


@dataclass(frozen=True, slots=True)
class CategoryRule:
    name: str
    description: str
    customer: tuple[re.Pattern[str], ...]
    reply: tuple[re.Pattern[str], ...]
    signals: tuple[str, ...]
    unless: tuple[str, ...]
    matches: tuple[str, ...]
    misses: tuple[str, ...]
    where: str


@dataclass(frozen=True, slots=True)
class CategoryData:
    rules: tuple[CategoryRule, ...]
    confidence: dict[str, float]

    @property
    def names(self) -> tuple[str, ...]:
        """Every category a conversation can get, ``other`` and ``none`` last."""
        return (*(r.name for r in self.rules), OTHER, NONE)

    def description(self, name: str) -> str:
        for rule in self.rules:
            if rule.name == name:
                return rule.description
        return {
            OTHER: "something went wrong, and no other category fits",
            NONE: "nothing in the conversation says anything went wrong",
        }[name]


@dataclass(frozen=True, slots=True)
class Category:
    """One category of a conversation: who assigned it (``customer``: the customer's words,
    ``reply``: an agent's words, ``signal``: the analyzer's situation reading, ``other`` /
    ``none``: nothing specific), how sure, and the words behind it."""

    name: str
    assigned_by: str
    confidence: float
    evidence: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "category": self.name,
            "assigned_by": self.assigned_by,
            "confidence": self.confidence,
            "evidence": self.evidence,
        }


def _patterns(section: Section, key: str) -> tuple[re.Pattern[str], ...]:
    if key not in section:
        return ()
    part = section.section(key)
    part.check_keys(("phrases", "patterns", "__line__"))
    phrases = part.strs("phrases", ())
    out = []
    if phrases:
        # the engine adds the word boundaries; longest first so a phrase wins over its prefix
        joined = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
        out.append(compile_pattern(rf"(?<![\w-])(?:{joined})(?![\w-])", part.where, re.I))
    out += [compile_pattern(p, part.where, re.I) for p in part.strs("patterns", ())]
    return tuple(out)


def load_categories(path: Path | None = None) -> CategoryData:
    """Read and validate ``data/categories.yaml``; errors name the file, line and fix."""
    root = load("categories.yaml", path)
    root.check_keys(("confidence", "categories"))
    levels = root.section("confidence")
    levels.check_keys((*SOURCES, "__line__"))
    confidence = {}
    for source in SOURCES:
        value = levels.data.get(source)
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value <= 1:
            raise levels.fail(f"{source!r} must be a number above 0 and at most 1")
        confidence[source] = float(value)
    rules = []
    for s in root.sections("categories"):
        s.check_keys(_KEYS)
        name = s.str("name")
        if not _NAME.match(name) or name in (OTHER, NONE):
            raise s.fail(f"name {name!r} must be snake_case and not {OTHER!r} or {NONE!r}")
        if any(r.name == name for r in rules):
            raise s.fail(f"category {name!r} is defined twice")
        signals = s.strs("signals", ())
        for signal in signals:
            if signal not in SIGNALS:
                raise s.fail(f"unknown signal {signal!r}; expected one of {', '.join(SIGNALS)}")
        customer = _patterns(s, "customer")
        if not customer:
            raise s.fail("a category needs `customer` phrases or patterns")
        examples = s.section("examples")
        examples.check_keys(("match", "miss", "__line__"))
        rules.append(
            CategoryRule(
                name=name,
                description=s.str("description"),
                customer=customer,
                reply=_patterns(s, "reply"),
                signals=signals,
                unless=s.strs("unless", ()),
                matches=examples.strs("match"),
                misses=examples.strs("miss"),
                where=s.where,
            )
        )
    names = {r.name for r in rules}
    for rule in rules:
        for other in rule.unless:
            if other not in names:
                raise DataError(f"{rule.where}: `unless` names unknown category {other!r}")
    return CategoryData(rules=tuple(rules), confidence=confidence)


@lru_cache(maxsize=1)
def category_data() -> CategoryData:
    return load_categories()


def _first(patterns: Sequence[re.Pattern[str]], texts: Iterable[str]) -> str | None:
    for text in texts:
        for pattern in patterns:
            found = pattern.search(text)
            if found:
                return found.group()
    return None


def categorize(
    customer: Sequence[str],
    replies: Sequence[str] = (),
    signals: Iterable[str] = (),
    apologised: bool = False,
    data: CategoryData | None = None,
) -> tuple[Category, ...]:
    """The failure categories of a conversation from its customer messages, agent replies and
    the analyzer's situation signals (``wait``, ``failure``); ``apologised``: an agent
    apologised, so something went wrong. Never empty: ``other`` when something went wrong but
    no category fits, ``none`` when nothing says anything did."""
    data = data or category_data()
    signals = set(signals)
    level = data.confidence
    found: dict[str, Category] = {}
    for rule in data.rules:
        said = _first(rule.customer, customer)
        if said is not None:
            found[rule.name] = Category(rule.name, "customer", level["customer"], said)
            continue
        said = _first(rule.reply, replies)
        if said is not None:
            found[rule.name] = Category(rule.name, "reply", level["reply"], said)
    for rule in data.rules:
        if rule.name in found or any(u in found for u in rule.unless):
            continue
        if rule.signals and all(s in signals for s in rule.signals):
            why = "signals " + "+".join(rule.signals)
            found[rule.name] = Category(rule.name, "signal", level["signal"], why)
    if found:
        return tuple(found[r.name] for r in data.rules if r.name in found)
    if signals or apologised:
        why = "an apology" if apologised and not signals else f"signal {sorted(signals)[0]}"
        return (Category(OTHER, OTHER, level[OTHER], why),)
    return (Category(NONE, NONE, level[NONE], ""),)


__all__ = ["Category", "CategoryData", "categorize", "category_data", "load_categories"]
