"""Slots: the placeholders a template leaves for an agent to fill, "[the cause, in one sentence]".

A slot is a gap, not content. The analyzer blanks every slot (its characters become spaces, so
every offset into the reply stays the same) before the rules, the situation and the learned layer
read the reply; the report keeps the original text, lists the slots and says the reply is
unfinished. What a slot looks like is data (``data/slots.yaml``); this module finds and blanks.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import datafile
from .model import Finding, Situation

Span = tuple[int, int]


@dataclass(frozen=True)
class SlotFinder:
    """The slot pattern of a data file, and the examples its tests run."""

    pattern: re.Pattern[str]
    holds: re.Pattern[str]  # what a bracketed span must contain to be a slot (a letter)
    examples: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def find(self, text: str) -> tuple[Span, ...]:
        """The slots in ``text``, as (start, end) offsets, in order."""
        if "[" not in text:
            return ()
        holds = self.holds.search
        return tuple([m.span() for m in self.pattern.finditer(text) if holds(m.group())])


def blank(text: str, slots: Sequence[Span]) -> str:
    """``text`` with every slot's characters replaced by spaces: same length, same offsets."""
    pieces: list[str] = []
    at = 0
    for start, end in slots:
        pieces += (text[at:start], " " * (end - start))
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


def quote_original(findings: Sequence[Finding], text: str) -> list[Finding]:
    """The findings, each quoting ``text``, the original reply.

    Outside the slots the blanked reply and the original are the same, so only a finding whose
    span runs across a slot (the words either side earned it: a blank cannot) changes: its match,
    and the message and suggestions that quote it, get the slot's words back.
    """
    out = []
    for f in findings:
        if f.start is not None and f.end is not None and f.match is not None:
            written = text[f.start : f.end]
            if written != f.match:
                f = dataclasses.replace(
                    f,
                    match=written,
                    message=f.message.replace(f.match, written),
                    suggestions=tuple([s.replace(f.match, written) for s in f.suggestions]),
                )
        out.append(f)
    return out


def situation_quoting(situation: Situation, text: str) -> Situation:
    """``situation`` with its evidence in the reply quoting the original (``quote_original``)."""
    evidence = tuple(
        dataclasses.replace(e, match=text[e.start : e.end])
        if e.source == "reply" and text[e.start : e.end] != e.match
        else e
        for e in situation.evidence
    )
    if evidence == situation.evidence:
        return situation
    return dataclasses.replace(situation, evidence=evidence)


def load_slot_finder(path: Path | None = None) -> SlotFinder:
    """Read and check ``data/slots.yaml`` (or ``path``); errors name the file and line."""
    data = datafile.load("slots.yaml", path)
    data.check_keys(("pattern", "holds", "examples"))
    examples = []
    for example in data.sections("examples"):
        example.check_keys(("text", "slots"))
        examples.append((example.str("text"), example.strs("slots", ())))
    return SlotFinder(data.regex("pattern"), data.regex("holds"), tuple(examples))


@lru_cache(maxsize=1)
def slot_finder() -> SlotFinder:
    """The shipped slot pattern, read once per process."""
    return load_slot_finder()
