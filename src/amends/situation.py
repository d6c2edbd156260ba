"""The situation behind a reply: what caused the problem, whether the customer waited,
whether anything went wrong at all (so an apology is due), and whether the reply is a first
contact (still asking for what is needed to find out what happened). Signals are data
(``data/situation.yaml``), read from the customer's message, the reply, and the labels the
detectors found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .document import Document
from .model import CAUSES, LABELS, Evidence, Situation
from .prefilter import Keywords, Prefilter
from .rules import Lexicons, LineLoader, RuleError, checked_sources, compile_all

SIGNALS = (
    "failure",
    "wait",
    *tuple(f"cause={c}" for c in CAUSES if c != "unknown"),
    "first_contact",
)
SOURCES = ("customer", "reply", "both")
_NOTHING = Situation()  # no signal at all: shared, as it is immutable


@dataclass(frozen=True)
class Signal:
    signal: str
    source: str
    weight: float
    sources: tuple[str, ...]  # the patterns with their lexicons expanded
    where: str
    negation: bool = False
    # texts in which the signal is read, and texts in which it is not (tests run them)
    matches: tuple[str, ...] = ()
    misses: tuple[str, ...] = ()

    @cached_property
    def compiled(self) -> tuple[re.Pattern[str], ...]:
        """Compiled when the signal is first woken."""
        return compile_all(self.sources)


@dataclass(frozen=True)
class SituationModel:
    signals: tuple[Signal, ...]
    from_labels: Mapping[str, tuple[str, ...]]  # detector label -> signals it implies
    cause_order: tuple[str, ...]
    negator: re.Pattern[str]
    # shared with the detectors' prefilter, so one pass over a reply serves both
    keywords: Keywords | None = field(default=None, compare=False, repr=False)
    # labels that put a reply past first contact, whatever it asks: a cause, a fault, a fix
    past_first_contact: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # The reply is read with the detectors' keywords; the customer's message, read for the
        # situation only, gets a smaller automaton of its own signals' triggers.
        prefilters = {
            source: Prefilter(
                [list(s.sources) if s.source in (source, "both") else [] for s in self.signals],
                keywords,
            )
            for source, keywords in (("reply", self.keywords), ("customer", Keywords()))
        }
        object.__setattr__(self, "_prefilters", prefilters)
        object.__setattr__(
            self, "_cause_keys", tuple((name, f"cause={name}") for name in self.cause_order)
        )

    def infer(self, reply: Document, customer: Document | None, labels: Iterable[str]) -> Situation:
        votes: dict[str, float] = {}
        evidence: list[Evidence] = []
        self._read("reply", reply, votes, evidence)
        if customer is not None:
            self._read("customer", customer, votes, evidence)
        from_labels = self.from_labels
        past_first_contact = False
        for label in labels:
            for implied in from_labels.get(label, ()):
                votes[implied] = votes.get(implied, 0.0) + 1.0
            if label in self.past_first_contact:
                past_first_contact = True
        if not votes:
            return _NOTHING
        cause = "unknown"
        best = 0.0
        for name, key in self._cause_keys:  # type: ignore[attr-defined]
            weight = votes.get(key, 0.0)
            if weight > best:
                cause, best = name, weight
        wait = votes.get("wait", 0.0) >= 1.0
        failure = votes.get("failure", 0.0) >= 1.0 or wait or cause in ("ours", "outside")
        first_contact = votes.get("first_contact", 0.0) >= 1.0
        if first_contact and past_first_contact:
            first_contact = False
            evidence = [e for e in evidence if e.signal != "first_contact"]
        return Situation(cause, wait, failure, tuple(evidence), first_contact)

    def past_first_contact_with(self, situation: Situation, labels: Iterable[str]) -> Situation:
        """``situation``, no longer a first contact if ``labels`` (found after the situation
        was read, e.g. by the learned layer) state a cause, own a fault or give a fix."""
        if not situation.first_contact or not any(
            label in self.past_first_contact for label in labels
        ):
            return situation
        return Situation(
            situation.cause,
            situation.wait,
            situation.failure,
            tuple(e for e in situation.evidence if e.signal != "first_contact"),
        )

    def _read(
        self, source: str, doc: Document, votes: dict[str, float], evidence: list[Evidence]
    ) -> None:
        """Add the votes of the signals found in ``doc`` (the reply or the customer's message)."""
        prefilter: Prefilter = self._prefilters[source]  # type: ignore[attr-defined]
        woken = prefilter.woken_from(doc.wake(prefilter.keywords))
        if not woken:
            return
        for index, slots in _grouped(prefilter, woken):
            signal = self.signals[index]
            if signal.source not in (source, "both"):
                continue
            hit = self._first(signal, doc, slots)
            if hit is None:
                continue
            start, end, match = doc.span_text(*hit)
            votes[signal.signal] = votes.get(signal.signal, 0.0) + signal.weight
            evidence.append(Evidence(source, start, end, match, signal.signal))

    def _first(self, signal: Signal, doc: Document, slots: Sequence[int]) -> tuple[int, int] | None:
        for slot in slots:
            for m in signal.compiled[slot].finditer(doc.text):
                if doc.in_quotes(*m.span()) and doc is not None:
                    continue
                if signal.negation and doc.finds_before(
                    self.negator, doc.clause_start(m.start()), m.start()
                ):
                    continue
                return m.span()
        return None


def _grouped(prefilter: Prefilter, woken: Sequence[int]) -> list[tuple[int, list[int]]]:
    """Woken pattern numbers as (signal, its woken patterns), in signal order."""
    grouped: list[tuple[int, list[int]]] = []
    for n in woken:
        index = prefilter.group_of[n]
        if grouped and grouped[-1][0] == index:
            grouped[-1][1].append(prefilter.slot_of[n])
        else:
            grouped.append((index, [prefilter.slot_of[n]]))
    return grouped


def load_situation(
    lexicons: Lexicons,
    negator: re.Pattern[str],
    path: Path | Any | None = None,
    keywords: Keywords | None = None,
) -> SituationModel:
    path = path or resources.files("amends") / "data" / "situation.yaml"
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=LineLoader)
    signals = []
    for item in raw.get("signals", []):
        where = f"situation.yaml:{item.get('__line__', '?')}"
        name = item.get("signal")
        if name not in SIGNALS:
            raise RuleError(f"{where}: signal must be one of {', '.join(SIGNALS)}")
        source = item.get("source", "both")
        if source not in SOURCES:
            raise RuleError(f"{where}: source must be one of {', '.join(SOURCES)}")
        patterns = item.get("patterns") or []
        if not patterns:
            raise RuleError(f"{where}: a signal needs patterns")
        matches, misses = _examples(item.get("examples"), where)
        signals.append(
            Signal(
                signal=name,
                source=source,
                weight=float(item.get("weight", 1.0)),
                sources=checked_sources(patterns, where, lexicons),
                where=where,
                negation=bool(item.get("negation", False)),
                matches=matches,
                misses=misses,
            )
        )
    from_labels: dict[str, tuple[str, ...]] = {}
    for label, implied in (raw.get("from_labels") or {}).items():
        if label == "__line__":
            continue
        if label not in LABELS:
            raise RuleError(f"situation.yaml: from_labels names unknown label {label!r}")
        implied_list: Sequence[str] = [implied] if isinstance(implied, str) else implied
        for name in implied_list:
            if name not in SIGNALS:
                raise RuleError(f"situation.yaml: from_labels.{label}: unknown signal {name!r}")
        from_labels[label] = tuple(implied_list)
    order = tuple(raw.get("cause_order") or ("outside", "customer", "ours"))
    for name in order:
        if name not in CAUSES:
            raise RuleError(f"situation.yaml: cause_order names unknown cause {name!r}")
    past = raw.get("past_first_contact") or []
    if not isinstance(past, list) or any(label not in LABELS for label in past):
        raise RuleError("situation.yaml: past_first_contact must list taxonomy labels")
    return SituationModel(
        tuple(signals), from_labels, order, negator, keywords, past_first_contact=frozenset(past)
    )


def _examples(raw: Any, where: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A signal's optional ``examples: {match: [...], no_match: [...]}``."""
    if raw is None:
        return (), ()
    if not isinstance(raw, dict) or set(raw) - {"match", "no_match", "__line__"}:
        raise RuleError(f"{where}: examples takes `match` and `no_match` lists of replies")
    out = []
    for key in ("match", "no_match"):
        texts = raw.get(key) or []
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise RuleError(f"{where}: examples.{key} must be a list of strings")
        out.append(tuple(texts))
    return out[0], out[1]
