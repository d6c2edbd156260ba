"""Which of the detectors' patterns to run over a text, and in what form.

The engine matches; this index says what it matches with. One keyword pass over the text
(``prefilter``) wakes the patterns whose trigger words it holds. A pattern with a long
alternation every match goes through (a lexicon) is known to the prefilter as one variant per
alternative (``fastsearch.Split``), so the pass also says which alternatives a text can use and
the pattern runs narrowed to those. A pattern that tries a long alternation after optional
words runs behind a *gate* (``prefilter.gate``). Each pattern is compiled the first time a text
wakes it, and each narrowed form the first time a text asks for that set of alternatives: a
short run compiles the few patterns it needs, not the catalogue.

The answers are those of running every pattern whole on every text (``tests/test_robustness``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .caches import Memo
from .document import Document
from .fastsearch import Split, compile_with_first_chars
from .prefilter import Gate, Keywords, Prefilter, anchors, gate, pattern_facts
from .rules import Rule

# A pattern to run over a text, with its gate (or None) and the pattern as the rule writes it.
Run = tuple[re.Pattern[str], "Gate | None", str]
_PENDING: Any = object()  # in the table: a whole pattern's run, not compiled yet
_NARROWED_KEPT = 4096  # narrowed patterns kept, with their gates
_NONE: list[re.Pattern[str]] = []


class PatternIndex:
    """The patterns of ``detectors`` (rules in catalogue order) that may match a text."""

    def __init__(self, detectors: Sequence[Rule], keywords: Keywords):
        """``keywords`` may be shared with other prefilters so one pass over a text serves all."""
        self.detectors = detectors
        self.keywords = keywords
        groups: list[list[Any]] = []
        # prefilter entry number -> (rule index, its run when the entry is a whole pattern,
        # else None, pattern index, alternative or -1 for the whole pattern)
        self._table: list[tuple[int, Run | None, int, int]] = []
        for index, rule in enumerate(detectors):
            entries: list[Any] = []
            if not rule.on_original:
                for slot, source in enumerate(rule.sources):
                    split = pattern_facts(source).split
                    if split is None:
                        entries.append(source)
                        self._table.append((index, _PENDING, slot, -1))
                    else:
                        entries.extend(split)
                        self._table.extend((index, None, slot, i) for i in range(len(split)))
            groups.append(entries)
        self.prefilter = Prefilter(groups, keywords)
        self._wholes: Memo[tuple[int, int], Run] = Memo(self._whole, 1 << 16)
        self._splits: Memo[tuple[int, int], Split] = Memo(self._split, 1 << 16)
        self._narrowed: Memo[tuple[int, int, tuple[int, ...]], Run] = Memo(
            self._narrow, _NARROWED_KEPT
        )
        # A rule's exceptions are searched around each of its matches; the same keyword pass
        # says which of them can match anywhere in the text, and only those are searched.
        self._exception_filter = Prefilter(
            [[] if r.on_original else list(r.exception_sources) for r in detectors], keywords
        )
        # Rules on the original text are few and case-sensitive: a keyword pass over the
        # original would cost more than running their patterns, which skip ahead to the
        # characters a match can start with.
        self._on_original = [
            (index, slot, _needles(source))
            for index, rule in enumerate(detectors)
            if rule.on_original
            for slot, source in enumerate(rule.sources)
        ]

    def woken(self, doc: Document) -> list[tuple[int, list[Run]]]:
        """The rules that may match, in catalogue order, each with the patterns that may (each
        narrowed to the alternatives that may) and their gates."""
        table = self._table
        grouped: list[tuple[int, list[Run]]] = []
        runs: list[Any] = []
        current = -1
        narrowing = False
        for n in self.prefilter.woken_from(doc.wake(self.keywords)):
            index, run, slot, alternative = table[n]
            if index != current:
                runs = []
                grouped.append((index, runs))
                current = index
            if run is not None:
                if run is _PENDING:
                    run = self._wholes[index, slot]
                    table[n] = (index, run, slot, alternative)
                runs.append(run)
            elif runs and type(runs[-1]) is list and runs[-1][0] == slot:
                runs[-1].append(alternative)  # another alternative of the same pattern
            else:
                runs.append([slot, alternative])
                narrowing = True
        if narrowing:
            narrowed = self._narrowed
            for index, runs in grouped:
                for i, run in enumerate(runs):
                    if type(run) is list:
                        runs[i] = narrowed[index, run[0], tuple(run[1:])]
        if self._on_original:
            original = doc.original
            extra = [
                (
                    index,
                    [
                        (
                            self.detectors[index].compiled[slot],
                            None,
                            self.detectors[index].written[slot],
                        )
                    ],
                )
                for index, slot, needles in self._on_original
                if needles is None or needles.search(original) is not None
            ]
            if extra:
                # one group per rule: the rules matched on the original are not in the prefilter
                merged: dict[int, list[Run]] = dict(grouped)
                for index, more in extra:
                    merged.setdefault(index, []).extend(more)
                grouped = sorted(merged.items())
        return grouped

    def exceptions(self, doc: Document, index: int) -> list[re.Pattern[str]]:
        """Those of rule ``index``'s exceptions that may match somewhere in the text; worked out
        for every rule at once, when a rule first has a match to check."""
        found: dict[int, list[re.Pattern[str]]] = doc.remember(
            ("exceptions", id(self)), lambda: self._woken_exceptions(doc)
        )
        return found.get(index, _NONE)

    def _woken_exceptions(self, doc: Document) -> dict[int, list[re.Pattern[str]]]:
        where = self._exception_filter
        group_of = where.group_of
        slot_of = where.slot_of
        detectors = self.detectors
        out: dict[int, list[re.Pattern[str]]] = {}
        for n in where.woken_from(doc.wake(self.keywords)):
            index = group_of[n]
            pattern = detectors[index].compiled_exceptions[slot_of[n]]
            if index in out:
                out[index].append(pattern)
            else:
                out[index] = [pattern]
        return out

    def _whole(self, key: tuple[int, int]) -> Run:
        """Pattern ``slot`` of rule ``index``, compiled, with its gate."""
        index, slot = key
        rule = self.detectors[index]
        pattern = compile_with_first_chars(rule.sources[slot])
        return pattern, gate(pattern), rule.written[slot]

    def _split(self, key: tuple[int, int]) -> Split:
        index, slot = key
        split = Split.of(self.detectors[index].sources[slot])
        assert split is not None, "the pattern's facts say it splits"
        return split

    def _narrow(self, key: tuple[int, int, tuple[int, ...]]) -> Run:
        """Pattern ``slot`` of rule ``index`` with only the alternatives ``kept``, and its gate;
        compiled once per set of alternatives (the same few sets recur)."""
        index, slot, kept = key
        split = self._splits[index, slot]
        if len(kept) == len(split.alternatives):
            return self._wholes[index, slot]
        tree = split.narrowed_tree(kept)
        pattern = split.compile(tree)
        return pattern, gate(pattern, tree), self.detectors[index].written[slot]


_NEEDLES = 24  # more strings than this cost more to look for than the pattern's own search


def _needles(source: str) -> re.Pattern[str] | None:
    """A search for the strings one of which every match of the pattern ``source`` holds (an
    alternation of literals, which the regex engine looks for by their first characters); None
    when there are none or too many. A string holding another one is left out: where it
    occurs, so does the other. Trigger strings read runs of blanks as one space
    (``prefilter.collapse_blanks``); here a space stands for any run of blanks."""
    strings = anchors(source)
    if not strings:
        return None
    kept = sorted(s for s in strings if not any(o != s and o in s for o in strings))
    if len(kept) > _NEEDLES:
        return None
    return re.compile("|".join(r"\s+".join(map(re.escape, s.split(" "))) for s in kept))
