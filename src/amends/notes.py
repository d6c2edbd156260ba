"""Notes: findings that advise without being a taxonomy component or mistake.

A note has ``kind="note"`` and, as ``label``, the component it concerns. It never counts as that
component: labels, missing components, the score and quality are what they would be without it.

The one note today is P001 ``vague-promise``: the reply promises something with neither a due
time nor a trigger ("we'll be in touch"). Promises are found by ``amends.promises`` and the
note's words are the ledger's P001 (``data/ledger.yaml``), so a reply checked alone and a stored
conversation checked by the ledger say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from . import datafile
from .ledger import FindingText, finding_texts
from .model import Finding
from .promises import PromiseRules, promise_rules

NOTE = "note"


@dataclass(frozen=True)
class NoteRule:
    """What selectors (``--select``, ``--ignore``) and ``amends rules`` know of a note."""

    code: str
    name: str
    label: str  # the component the note concerns


VAGUE_PROMISE = NoteRule("P001", "vague-promise", "follow_up")
NOTE_RULES = (VAGUE_PROMISE,)
# Whether a promise is vague does not depend on when it was made (a time expression makes it
# dated at any moment within the ten-year horizon), so one fixed moment keeps analyze pure.
_ZONE = ZoneInfo("UTC")
_REFERENCE = datetime(2026, 1, 5, 12, 0, tzinfo=_ZONE)


@dataclass
class VaguePromises:
    """Finds the vague promises in a reply as P001 notes. The promise rules load on first use
    and the ledger's texts on the first vague promise.

    ``rules`` replaces the shipped promise rules (the benchmark passes them without their
    prefilter to measure what it saves)."""

    rules: PromiseRules | None = None

    @cached_property
    def _rules(self) -> PromiseRules:
        return self.rules or promise_rules()

    @cached_property
    def _text(self) -> FindingText:
        return finding_texts()[VAGUE_PROMISE.code]

    def find(self, text: str, original: str | None = None) -> list[Finding]:
        """The P001 notes of ``text``; offsets are into it, and ``match`` quotes ``original``
        (the reply as written, when ``text`` has its slots blanked) at those offsets."""
        rules = self._rules
        if not rules.may_promise(text):
            return []
        original = text if original is None else original
        notes = []
        for p in rules.extract(text, _REFERENCE, _ZONE):
            if p.kind != "vague":
                continue
            said = self._text
            words = original[p.start : p.end]
            values = {"match": words, "action": p.action}
            notes.append(
                Finding(
                    code=said.code,
                    name=said.name,
                    label=VAGUE_PROMISE.label,
                    kind=NOTE,
                    severity="warning",
                    message=datafile.fill(said.message, values),
                    start=p.start,
                    end=p.end,
                    match=words,
                    suggestions=(datafile.fill(said.suggest, values),),
                    why=said.why,
                )
            )
        return notes
