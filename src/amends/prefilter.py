"""Trigger words derived from the rules' own patterns, and one keyword pass that wakes patterns.

For every pattern we compute *requirements*: sets of literal strings such that any match of the
pattern contains at least one string of each set, found by walking the parsed regular
expression. ``(?:we|i) take (?:full )?responsibility`` requires one of {"we take ", "i take "}
and "responsibility"; requiring both is what keeps a pattern asleep on texts that merely say
"we". All requirement strings go into one Aho-Corasick automaton; analysing a text is then a
single pass over it that wakes only the patterns whose every requirement is met. A pattern
without a usable requirement runs on every text. Nothing here is kept by hand: change a
pattern and its triggers change with it.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import reduce
from itertools import product
from operator import itemgetter, or_
from pathlib import Path
from typing import Any, NamedTuple

import ahocorasick

from . import fastsearch
from .caches import StoredMemo
from .fastsearch import (
    Split,
    _c,
    _compiler,
    _p,
    compile_with_first_chars,
    parsed,
    refers_to_groups,
    with_first_chars,
)

_MAX_EXACT = 64  # largest set of exact strings tracked for one sub-pattern
_MAX_LEN = 40
MIN_ANCHOR = 2  # a requirement with a shorter string is met by almost every text: not used
# Further requirements only narrow what the first one woke; a two-letter one ("in", "us") is met
# by nearly every text and would only add keyword hits to the pass.
MIN_EXTRA = 3
_MAX_REQUIREMENTS = 3  # more rarely narrows further; ``Prefilter.woken_in`` reads three levels
_MAX_CHOICES = 2

# Parse trees are read only on the fast path (``fastsearch.FAST``); on the plain path no pattern
# has trigger words or a gate, and patterns are not checked for nested repeats.
_REPEATS = {getattr(_c, "MAX_REPEAT", None), getattr(_c, "MIN_REPEAT", None)}
_POSSESSIVE = getattr(_c, "POSSESSIVE_REPEAT", None)
if _POSSESSIVE is not None:
    _REPEATS.add(_POSSESSIVE)
_ATOMIC = getattr(_c, "ATOMIC_GROUP", None)
_ZERO_WIDTH = {getattr(_c, name, None) for name in ("AT", "ASSERT", "ASSERT_NOT")}

Strings = frozenset[str]


# A *choice* is what an alternation requires when its alternatives need different words:
# one alternative's requirements all met. {failure}'s "(?:is|was) ... late" and "ran out" ask
# for more than the union {late, ..., ran out} of their strongest sets.
Choice = tuple[tuple[Strings, ...], ...]


class _Info:
    """What a sub-pattern can match: all its strings (``exact``, when few) and requirements."""

    __slots__ = ("choices", "exact", "needs")

    def __init__(
        self, exact: Strings | None, needs: Sequence[Strings] = (), choices: Sequence[Choice] = ()
    ):
        self.exact = exact
        self.needs = tuple(needs)
        self.choices = tuple(choices)

    def best(self) -> Strings | None:
        found = max(self.needs, key=_strength, default=None)
        return _better(self.exact, found)


_UNKNOWN = _Info(None)


def _strength(strings: Strings | None) -> tuple[int, int]:
    """Longer shortest string first (rarer in text), then fewer strings."""
    if not strings:
        return (-1, 0)
    return (min(len(s) for s in strings), -len(strings))


def _better(a: Strings | None, b: Strings | None) -> Strings | None:
    return a if _strength(a) >= _strength(b) else b


def _cross(a: Strings, b: Strings) -> Strings | None:
    if len(a) * len(b) > _MAX_EXACT:
        return None
    joined = frozenset(x + y for x, y in product(a, b))
    if any(len(s) > _MAX_LEN for s in joined):
        return None
    return joined


def _charset(items: Sequence[tuple[object, object]]) -> Strings | None:
    chars: set[str] = set()
    for op, av in items:
        if op == _c.LITERAL:
            chars.add(chr(av))  # type: ignore[arg-type]
        elif op == _c.RANGE:
            lo, hi = av  # type: ignore[misc]
            if hi - lo > 12:
                return None
            chars.update(chr(x) for x in range(lo, hi + 1))
        elif op == _c.CATEGORY and av == _c.CATEGORY_SPACE:
            chars.add(" ")  # any blank reads as a space in the keyword pass (``collapse_blanks``)
        else:  # NEGATE, other categories: too many characters to enumerate
            return None
    return frozenset(chars) if len(chars) <= _MAX_EXACT else None


def _sequence(items: Iterable[tuple[object, object]]) -> _Info:
    run: Strings = frozenset({""})  # exact strings of the current run of items
    needs: list[Strings] = []
    choices: list[Choice] = []
    all_exact = True
    for op, av in items:
        info = _node(op, av)
        choices.extend(info.choices)
        if info.exact is not None:
            joined = _cross(run, info.exact)
            if joined is not None:
                run = joined
                continue
            # too many strings: the run so far is needed by every match; start a new one
            needs.append(run)
            run = info.exact
        else:
            needs.append(run)
            needs.extend(info.needs)
            run = frozenset({""})
        all_exact = False
    needs.append(run)
    return _Info(run if all_exact else None, needs, choices)


def _node(op: object, av: object) -> _Info:
    if op == _c.LITERAL:
        return _Info(frozenset({chr(av)}))  # type: ignore[arg-type]
    if op == _c.IN:
        return _Info(_charset(av))  # type: ignore[arg-type]
    if op in _ZERO_WIDTH:
        return _Info(frozenset({""}))
    if op == _c.SUBPATTERN:
        _group, add_flags, _del_flags, sub = av  # type: ignore[misc]
        if add_flags & re.IGNORECASE:
            return _UNKNOWN
        return _sequence(sub)
    if op == _ATOMIC:
        return _sequence(av)  # type: ignore[arg-type]
    if op == _c.BRANCH:
        branches = [_sequence(b) for b in av[1]]  # type: ignore[index]
        exact: Strings | None = frozenset()
        need: Strings | None = frozenset()
        for b in branches:
            exact = exact | b.exact if exact is not None and b.exact is not None else None
            best = b.best()
            need = need | best if need is not None and best else None
        if exact is not None and len(exact) > _MAX_EXACT:
            exact = None
        choices: list[Choice] = []
        if exact is None and len(branches) <= _MAX_EXACT:
            alternatives = tuple(_kept(b, MIN_EXTRA) for b in branches)
            if all(alternatives):
                choices.append(alternatives)
        return _Info(exact, [need] if need else [], choices)
    if op in _REPEATS:
        low, high, sub = av  # type: ignore[misc]
        info = _sequence(sub)
        if info.exact and all(s and s.isspace() for s in info.exact):
            # a run of blanks reads as one space in the keyword pass (``collapse_blanks``)
            return _Info(frozenset({" "}) | (frozenset({""}) if low == 0 else frozenset()))
        if low == 0:
            if high == 1 and info.exact is not None:
                return _Info(info.exact | {""})
            return _UNKNOWN
        if low == high == 1:
            return info
        # at least one repetition: whatever one repetition needs, the whole needs
        return _Info(None, [*info.needs, *([info.exact] if info.exact else [])], info.choices)
    return _UNKNOWN  # ANY, NOT_LITERAL, CATEGORY, GROUPREF, ...


def _usable(strings: Strings | None) -> bool:
    return bool(strings) and min(len(s) for s in strings) >= MIN_ANCHOR  # type: ignore[arg-type]


def _kept(info: _Info, shortest: int) -> tuple[Strings, ...]:
    """The usable requirements of ``info``, strongest first, without redundant ones."""
    found = [s for s in (info.exact, *info.needs) if s is not None and _usable(s)]
    found.sort(key=_strength, reverse=True)
    kept: list[Strings] = []
    for strings in found:
        if kept and min(len(s) for s in strings) < shortest:
            break
        # a set that holds a kept set is met whenever that one is: it narrows nothing
        if not any(k <= strings for k in kept):
            kept.append(strings)
    return tuple(kept[:_MAX_REQUIREMENTS])


class Needs(NamedTuple):
    """What every match of a pattern holds: one string of each requirement, and one
    alternative's requirements of each choice."""

    requirements: tuple[Strings, ...]
    choices: tuple[Choice, ...]


_NOTHING_KNOWN = Needs((), ())


def requirements(pattern: str) -> tuple[Strings, ...]:
    """Sets of literal strings; every match of ``pattern`` contains one string of each set.

    Strongest first (longest shortest string); empty when nothing usable is known, in which
    case the pattern has to run on every text.
    """
    return _requirements(pattern)[0]


def _requirements(pattern: str | Needs | Any) -> Needs:
    """``requirements`` and the choices every match of ``pattern`` makes. ``pattern`` is a
    source (its ``PatternFacts`` say), a parse tree (a ``fastsearch.Split`` variant) or its
    ``Needs`` already worked out. Nothing on the plain path."""
    if not fastsearch.FAST:
        return _NOTHING_KNOWN
    if isinstance(pattern, Needs):
        return pattern
    if isinstance(pattern, str):
        return pattern_facts(pattern).needs
    return _needs_of(pattern)


def _needs_of(tree: Any) -> Needs:
    if tree.state.flags & re.IGNORECASE:
        return _NOTHING_KNOWN
    info = _sequence(tree)
    needs = _kept(info, MIN_EXTRA)
    return Needs(needs, info.choices[:_MAX_CHOICES] if needs else ())


def anchors(pattern: str) -> Strings | None:
    """Literal strings, one of which occurs in every match of ``pattern``; None if none do."""
    found = requirements(pattern)
    return found[0] if found else None


# -- what is known about a pattern before it runs ------------------------------------------
@dataclass(frozen=True, slots=True)
class PatternFacts:
    """What loading the rules and building the prefilter need to know about a pattern source:
    why it does not compile, why it may backtrack badly, what every match holds and, when the
    engine splits it (``fastsearch.Split``), what a match through each alternative holds.

    Working these out parses the pattern with the standard library's parser, which is written
    in Python and was most of the start-up time; they are kept between runs (``caches``).
    """

    error: str | None
    risk: str | None
    needs: Needs
    split: tuple[Needs, ...] | None


def _work_out_facts(source: str) -> PatternFacts:
    try:
        compile_with_first_chars(source)  # kept: a pattern checked at load is soon run
    except re.error as exc:
        return PatternFacts(str(exc), None, _NOTHING_KNOWN, None)
    if not fastsearch.FAST:
        return PatternFacts(None, None, _NOTHING_KNOWN, None)
    split = Split.of(source)
    return PatternFacts(
        None,
        check_linear(source),
        _needs_of(parsed(source)),
        None if split is None else tuple(_needs_of(tree) for tree in split.variants()),
    )


def _encode_needs(needs: Needs) -> list[Any]:
    return [
        [sorted(strings) for strings in needs.requirements],
        [
            [[sorted(strings) for strings in option] for option in choice]
            for choice in needs.choices
        ],
    ]


def _decode_needs(raw: list[Any]) -> Needs:
    found, choices = raw
    return Needs(
        tuple(frozenset(strings) for strings in found),
        tuple(
            tuple(tuple(frozenset(strings) for strings in option) for option in choice)
            for choice in choices
        ),
    )


def _encode_facts(facts: PatternFacts) -> list[Any]:
    split = None if facts.split is None else [_encode_needs(n) for n in facts.split]
    return [facts.error, facts.risk, _encode_needs(facts.needs), split]


def _decode_facts(raw: list[Any]) -> PatternFacts:
    error, risk, needs, split = raw
    return PatternFacts(
        error,
        risk,
        _decode_needs(needs),
        None if split is None else tuple(_decode_needs(n) for n in split),
    )


def _facts_stamp() -> str:
    """What the facts depend on: the Python (its regex parser), the path taken and the code
    that works them out."""
    digest = hashlib.sha256(f"{sys.version}|{fastsearch.FAST}".encode())
    for module in (__file__, fastsearch.__file__):
        digest.update(Path(module).read_bytes())
    return digest.hexdigest()[:16]


_FACTS: StoredMemo[PatternFacts] = StoredMemo(
    "pattern-facts", _work_out_facts, _encode_facts, _decode_facts, _facts_stamp
)


def pattern_facts(source: str) -> PatternFacts:
    """The ``PatternFacts`` of ``source`` (a pattern with its lexicons expanded)."""
    return _FACTS[source]


def save_pattern_facts() -> None:
    """Keep the facts worked out in this process for the next one."""
    _FACTS.save()


_BLANKS = re.compile(r"\s+")
# What ``collapse_blanks`` changes: two blanks in a row, or any blank but the space (every
# character ``\s`` matches, ``tests/test_phrases.py`` checks).
_OTHER_BLANKS = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)
_UNEVEN_BLANKS = ("  ", *_OTHER_BLANKS)
# The runs of blanks ``collapse_blanks`` changes; replacing only these is quicker than
# replacing every run (most are single spaces) and gives the same text.
_UNEVEN_RUN = with_first_chars(re.compile(r" \s+|[" + re.escape(_OTHER_BLANKS) + r"]\s*"))


def collapse_blanks(text: str) -> str:
    """``text`` with every run of blanks (``\\s+``) as one space, as the keyword pass reads it.

    A phrase's space matches any run of blanks (``\\s+``); read this way, the text holds the
    phrase's words joined by single spaces wherever the phrase matches, so the whole phrase can
    be its trigger. Trigger strings are read the same way; a run of blanks in a text next to
    one in a trigger string merges with it, so a string a text holds is still found. A text
    whose every character is printable (blanks other than the space are not) and which has no
    two spaces in a row is its own reading.
    """
    if text.isprintable() and "  " not in text:
        return text
    return _BLANKS.sub(" ", text)


class Keywords:
    """The trigger strings of one or more prefilters in one automaton.

    Prefilters that share a ``Keywords`` are served by one pass over a text; ``Document.wake``
    keeps the result, so the detectors and the situation model read a reply once.
    """

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._automaton: ahocorasick.Automaton | None = None
        # The prefilters served, each with its bits at its own offset of one integer.
        self._members: list[Prefilter] = []
        self._bits = 0
        self._waker: tuple[ahocorasick.Automaton | None, int, int] | None = None

    def id(self, word: str) -> int:
        word = _BLANKS.sub(" ", word)  # as the pass reads texts: see ``collapse_blanks``
        number = self._ids.get(word)
        if number is None:
            number = self._ids[word] = len(self._ids)
            self._automaton = None
            self._waker = None
        return number

    def __len__(self) -> int:
        return len(self._ids)

    def join(self, prefilter: Prefilter, bits: int) -> int:
        """Serve ``prefilter`` too, whose masks take ``bits`` bits; where its bits start."""
        offset = self._bits
        self._bits += bits
        self._members.append(prefilter)
        self._waker = None
        return offset

    def scan(self, text: str) -> set[int]:
        """The ids of the trigger strings that occur in ``text``."""
        automaton = self._automaton
        if automaton is None:
            if not self._ids:
                return set()
            automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
            for word, number in self._ids.items():
                automaton.add_word(word, number)
            automaton.make_automaton()
            self._automaton = automaton
        return set(map(_second, automaton.iter(collapse_blanks(text))))

    def wake(self, text: str) -> int:
        """The OR of the masks of every trigger string in ``text``, for all prefilters served.

        The automaton holds each string's masks, shifted to each prefilter's offset and OR-ed
        into one integer, so one pass and one OR per hit serve every prefilter;
        ``Prefilter.woken_from`` reads its own bits off the result.
        """
        waker = self._waker
        if waker is None:
            waker = self._waker = self._build_waker()
        automaton, always, uneven = waker
        if automaton is None:
            return always
        total = reduce(or_, map(_second, automaton.iter(text)), always)
        if total & uneven:
            # Blanks other than single spaces (a few texts in a hundred): read the text again
            # as ``collapse_blanks`` does. Looking for them costs nothing on the other texts:
            # the same pass finds them, as strings of their own with a bit of their own.
            even = _UNEVEN_RUN.sub(" ", text)
            total = reduce(or_, map(_second, automaton.iter(even)), always)
        return total

    def _build_waker(self) -> tuple[ahocorasick.Automaton | None, int, int]:
        combined = [0] * len(self._ids)
        always = 0
        for member in self._members:
            offset = member.offset
            always |= member.always_mask << offset
            for k, mask in member.masks.items():
                combined[k] |= mask << offset
        if not self._ids:
            return None, always, 0
        automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY)
        for word, number in self._ids.items():
            automaton.add_word(word, combined[number])
        # Trigger strings hold no blank but single spaces: these strings are never triggers.
        uneven = 1 << self._bits
        for blank in _UNEVEN_BLANKS:
            automaton.add_word(blank, uneven)
        automaton.make_automaton()
        return automaton, always, uneven


_second = itemgetter(1)


class Prefilter:
    """One Aho-Corasick pass that says which patterns of a list of pattern groups may match.

    Patterns are numbered in order across the groups; ``woken`` returns the numbers of those
    that may match a text, ascending, so callers run them in their original order.
    """

    def __init__(
        self, groups: Sequence[Sequence[str | Needs | Any]], keywords: Keywords | None = None
    ):
        """``groups[i]`` is the list of patterns of group ``i`` (a rule, a signal): sources,
        parse trees, or their ``Needs`` when worked out already."""
        self.keywords = keywords if keywords is not None else Keywords()
        self.group_of: list[int] = []
        self.slot_of: list[int] = []
        self.requirements: list[tuple[Strings, ...]] = []
        pattern_choices: list[tuple[Choice, ...]] = []
        for index, patterns in enumerate(groups):
            for slot, pattern in enumerate(patterns):
                self.group_of.append(index)
                self.slot_of.append(slot)
                needs, choices = _requirements(pattern)
                self.requirements.append(needs)
                pattern_choices.append(choices)
        self.always = [n for n, needs in enumerate(self.requirements) if not needs]
        self._count = len(self.requirements)
        # Entries past the patterns stand for the alternatives of their choices; a choice is met
        # when one of its alternative entries is.
        entries = list(self.requirements)
        self._choices: list[tuple[frozenset[int], ...]] = []
        for choices in pattern_choices:
            met_by = []
            for choice in choices:
                met_by.append(frozenset(range(len(entries), len(entries) + len(choice))))
                entries.extend(choice)
            self._choices.append(tuple(met_by))
        # Entries as bits of one integer. Each keyword has a mask of up to three fields: the
        # entries whose first, second and third requirement it meets. OR-ing the masks of the
        # keywords a text holds says, per field, which entries have that requirement met; an
        # entry is woken when every field it has holds its bit. Most entries have one
        # requirement: entries take bit positions by how many they have (three first, then two,
        # one, none), so the second field needs only as many bits as entries with two or more,
        # and the third as many as entries with three. The integers OR-ed for every keyword of
        # every text are half as wide as with three full fields.
        order = sorted(range(len(entries)), key=lambda e: -len(entries[e]))
        position = [0] * len(entries)
        for at, number in enumerate(order):
            position[number] = at
        self._entry_of = order
        width = len(entries)
        wide = [sum(1 for needs in entries if len(needs) > level) for level in (1, 2)]
        self._fields = (width, wide[0], wide[1])
        self._field_masks = ((1 << wide[0]) - 1, (1 << wide[1]) - 1)
        offsets = (0, width, width + wide[0])
        # entries without a second or third requirement: those fields are met from the start
        self._lacks = (
            ((1 << width) - 1) ^ ((1 << wide[0]) - 1),
            ((1 << width) - 1) ^ ((1 << wide[1]) - 1),
        )
        self._patterns = sum(1 << position[n] for n in range(self._count))
        masks: dict[int, int] = {}
        always = 0
        for number, needs in enumerate(entries):
            bit = 1 << position[number]
            if not needs:  # no requirement: always woken
                always |= bit
            for level, strings in enumerate(needs):
                shifted = bit << offsets[level]
                for word in strings:
                    k = self.keywords.id(word)
                    masks[k] = masks.get(k, 0) | shifted
        self._masks = masks
        self._always = always
        self.offset = self.keywords.join(self, sum(self._fields))
        # patterns with choices, and the entries meeting each of their choices (as positions)
        self._chosen = 0
        self._choice_masks: dict[int, tuple[int, ...]] = {}
        for n, met_by in enumerate(self._choices):
            if met_by:
                self._chosen |= 1 << position[n]
                self._choice_masks[position[n]] = tuple(
                    sum(1 << position[e] for e in alt) for alt in met_by
                )
        self._by_keyword: list[int] = []

    def woken(self, text: str) -> list[int]:
        """Numbers of the patterns that may match ``text``, ascending."""
        return self.woken_in(self.keywords.scan(text))

    def woken_in(self, found: Iterable[int]) -> list[int]:
        """Numbers of the patterns that may match a text holding the keywords ``found``."""
        by_keyword = self._by_keyword
        if len(by_keyword) < len(self.keywords):  # keywords were added since: index them
            masks = self._masks
            by_keyword = self._by_keyword = [masks.get(k, 0) for k in range(len(self.keywords))]
        return self._decode(reduce(or_, map(by_keyword.__getitem__, found), self._always))

    def woken_from(self, total: int) -> list[int]:
        """``woken_in`` from ``Keywords.wake`` of the same text (this prefilter's bits of it)."""
        return self._decode(total >> self.offset if self.offset else total)

    @property
    def masks(self) -> dict[int, int]:
        """Keyword id -> the mask of the entries whose requirements it meets."""
        return self._masks

    @property
    def always_mask(self) -> int:
        return self._always

    def _decode(self, total: int) -> list[int]:
        """The woken patterns, from the OR of the masks of a text's keywords.

        Bits past this prefilter's fields (another prefilter's) change nothing: every field is
        cut to its width before it is read.
        """
        if not total:
            return []
        width, second, _third = self._fields
        keep_second, keep_third = self._field_masks
        lacks_second, lacks_third = self._lacks
        met = (
            total
            & (((total >> width) & keep_second) | lacks_second)
            & (((total >> (width + second)) & keep_third) | lacks_third)
        )
        patterns = met & self._patterns
        chosen = patterns & self._chosen
        while chosen:  # a pattern with choices also needs one alternative of each met
            low = chosen & -chosen
            chosen ^= low
            for choice in self._choice_masks[low.bit_length() - 1]:
                if not met & choice:
                    patterns ^= low
                    break
        entry_of = self._entry_of
        woken = []
        while patterns:
            low = patterns & -patterns
            woken.append(entry_of[low.bit_length() - 1])
            patterns ^= low
        if len(woken) > 1:
            woken.sort()  # positions follow the number of requirements, not the entry order
        return woken

    def candidates(self, text: str) -> set[int]:
        """The groups with at least one pattern that may match ``text``."""
        group_of = self.group_of
        return {group_of[n] for n in self.woken(text)}


# -- gates ---------------------------------------------------------------------------------
# A pattern that tries a long alternation after every word ("up to five words, then one of forty
# failure phrases") spends its time trying that alternation where it cannot succeed. The
# alternation, with the literal text before it, is a *gate*: every match contains a match of
# it, so when the gate matches nowhere the pattern does not either, and a match cannot start
# more than the width of what precedes the gate before the gate's first match.
_GATE_ALTERNATIVES = 8  # smaller alternations are cheap enough to try where they stand
_GATE_WORDS = 3  # fewer optional words before the alternation: it is tried too few times to pay


class Gate:
    """A pattern every match of another one contains, and how far before it a match starts."""

    __slots__ = ("pattern", "reach")

    def __init__(self, pattern: re.Pattern[str], reach: int | None):
        self.pattern = pattern
        self.reach = reach  # None: unbounded, so only the gate's absence is telling

    def start(self, text: str) -> int | None:
        """Where in ``text`` a match may first start; None when none can."""
        found = self.pattern.search(text)
        if found is None:
            return None
        return 0 if self.reach is None else max(0, found.start() - self.reach)


def _in_sequence(items: Iterable[tuple[object, object]]) -> list[tuple[object, object]]:
    """The items a match goes through once each, in order, with plain groups opened up."""
    out: list[tuple[object, object]] = []
    for op, av in items:
        if op == _c.SUBPATTERN and not av[1] and not av[2]:  # type: ignore[index]
            out.extend(_in_sequence(av[3]))  # type: ignore[index]
        else:
            out.append((op, av))
    return out


def _repeats_words(items: Iterable[tuple[object, object]]) -> bool:
    """Whether ``items`` repeat a group (not one character) up to ``_GATE_WORDS`` times or more."""
    for op, av in items:
        if op in _REPEATS:
            _low, high, sub = av  # type: ignore[misc]
            if high >= _GATE_WORDS and (len(sub) > 1 or sub[0][0] == _c.SUBPATTERN):
                return True
            inner = [sub]
        elif op == _c.SUBPATTERN:
            inner = [av[3]]  # type: ignore[index]
        elif op == _c.BRANCH:
            inner = av[1]  # type: ignore[index]
        else:
            continue
        if any(_repeats_words(i) for i in inner):
            return True
    return False


def gate(pattern: re.Pattern[str], tree: Any = None) -> Gate | None:
    """The gate of ``pattern``: its last long alternation with the literal text before it.

    None unless the pattern goes through a long alternation after optional repeated words
    (only then is it tried often enough that searching for it first pays), with literal text
    right before it (without one, searching for the gate costs as much as the pattern).
    ``tree`` is the pattern's parse tree when it was compiled from one. None on the plain path.
    """
    if not fastsearch.FAST:
        return None
    if tree is None:
        tree = parsed(pattern.pattern)
    if tree.state.flags & re.IGNORECASE:
        return None
    items = _in_sequence(tree)
    last = None
    for i, (op, av) in enumerate(items):
        if op == _c.BRANCH and len(av[1]) >= _GATE_ALTERNATIVES:  # type: ignore[index]
            last = i
    if last is None:
        return None
    first = last
    while first and items[first - 1][0] == _c.LITERAL:
        first -= 1
    if (
        first == last
        or not _repeats_words(items[:first])
        or refers_to_groups(items[first : last + 1])
    ):
        return None
    reach = _p.SubPattern(tree.state, items[:first]).getwidth()[1]
    compiled = _compiler.compile(_p.SubPattern(tree.state, items[first : last + 1]), 0)
    return Gate(compiled, reach if reach < _c.MAXREPEAT else None)


def check_linear(pattern: str) -> str | None:
    """A reason why ``pattern`` may backtrack badly (a repeat inside a repeat), or None (also on
    the plain path, which cannot read the pattern's structure)."""
    if not fastsearch.FAST:
        return None

    def walk(items: Iterable[tuple[object, object]], depth: int) -> str | None:
        for op, av in items:
            if op in _REPEATS:
                _low, high, sub = av  # type: ignore[misc]
                unbounded = high == _c.MAXREPEAT
                if depth and unbounded:
                    return "an unbounded repeat nested inside another repeat"
                found = walk(sub, depth + (1 if unbounded or high > 1 else 0))
                if found:
                    return found
            elif op == _c.SUBPATTERN:
                found = walk(av[-1], depth)  # type: ignore[index]
                if found:
                    return found
            elif op == _c.BRANCH:
                for b in av[1]:  # type: ignore[index]
                    found = walk(b, depth)
                    if found:
                        return found
            elif op in (_c.ASSERT, _c.ASSERT_NOT):
                found = walk(av[1], depth)  # type: ignore[index]
                if found:
                    return found
        return None

    return walk(parsed(pattern), 0)


__all__ = [
    "Gate",
    "Keywords",
    "Prefilter",
    "anchors",
    "check_linear",
    "gate",
    "re",
    "requirements",
]
