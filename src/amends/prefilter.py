"""Trigger words derived from the rules' own patterns, and one keyword pass that wakes rules.

For every pattern we compute a set of literal strings such that any match of the pattern must
contain at least one of them (its *anchors*), by walking the parsed regular expression. All
anchors go into one Aho-Corasick automaton; analysing a text is then a single pass over it that
wakes only the rules whose anchors occur. A rule with a pattern that has no usable anchor runs on
every text. Nothing here is kept by hand: change a pattern and its triggers change with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import product

try:  # Python 3.11+ keeps the parser private; it has been stable for decades.
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older layouts
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

import ahocorasick

_MAX_EXACT = 64  # largest set of exact strings tracked for one sub-pattern
_MAX_LEN = 40
MIN_ANCHOR = 2  # shorter anchors wake a rule on almost every text; treat as "always run"

_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT}
_POSSESSIVE = getattr(_c, "POSSESSIVE_REPEAT", None)
if _POSSESSIVE is not None:
    _REPEATS.add(_POSSESSIVE)
_ZERO_WIDTH = {_c.AT, _c.ASSERT, _c.ASSERT_NOT}


class _Info:
    """What a sub-pattern can match: all its strings (``exact``) or a factor set (``need``)."""

    __slots__ = ("exact", "need")

    def __init__(self, exact: frozenset[str] | None, need: frozenset[str] | None):
        self.exact = exact
        self.need = need

    def best(self) -> frozenset[str] | None:
        return _better(self.exact, self.need)


def _strength(strings: frozenset[str] | None) -> tuple[int, int]:
    if not strings:
        return (-1, 0)
    return (min(len(s) for s in strings), -len(strings))


def _better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    return a if _strength(a) >= _strength(b) else b


def _cross(a: frozenset[str], b: frozenset[str]) -> frozenset[str] | None:
    if len(a) * len(b) > _MAX_EXACT:
        return None
    joined = frozenset(x + y for x, y in product(a, b))
    if any(len(s) > _MAX_LEN for s in joined):
        return None
    return joined


def _charset(items: Sequence[tuple[object, object]]) -> frozenset[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op == _c.LITERAL:
            chars.add(chr(av))  # type: ignore[arg-type]
        elif op == _c.RANGE:
            lo, hi = av  # type: ignore[misc]
            if hi - lo > 12:
                return None
            chars.update(chr(x) for x in range(lo, hi + 1))
        else:  # NEGATE, CATEGORY: too many characters to enumerate
            return None
    return frozenset(chars) if len(chars) <= _MAX_EXACT else None


def _sequence(items: Iterable[tuple[object, object]]) -> _Info:
    run: frozenset[str] = frozenset({""})  # exact strings of the current run of literals
    best: frozenset[str] | None = None
    all_exact = True
    for op, av in items:
        info = _node(op, av)
        if info.exact is not None:
            joined = _cross(run, info.exact)
            if joined is not None:
                run = joined
                continue
            # too many strings: the run so far is a factor of every match; start a new one
            best = _better(best, run)
            run = info.exact
            all_exact = False
        else:
            best = _better(_better(best, run), info.need)
            run = frozenset({""})
            all_exact = False
    best = _better(best, run)
    return _Info(run if all_exact else None, best)


def _node(op: object, av: object) -> _Info:
    if op == _c.LITERAL:
        return _Info(frozenset({chr(av)}), None)  # type: ignore[arg-type]
    if op == _c.IN:
        return _Info(_charset(av), None)  # type: ignore[arg-type]
    if op in _ZERO_WIDTH:
        return _Info(frozenset({""}), None)
    if op == _c.SUBPATTERN:
        return _sequence(av[-1])  # type: ignore[index]
    if op == _c.BRANCH:
        branches = [_sequence(b) for b in av[1]]  # type: ignore[index]
        exact: frozenset[str] | None = frozenset()
        need: frozenset[str] | None = frozenset()
        for b in branches:
            exact = exact | b.exact if exact is not None and b.exact is not None else None
            best = b.best()
            need = need | best if need is not None and best else None
        if exact is not None and len(exact) > _MAX_EXACT:
            exact = None
        return _Info(exact, need)
    if op in _REPEATS:
        low, high, sub = av  # type: ignore[misc]
        info = _sequence(sub)
        if low == 0:
            if high == 1 and info.exact is not None:
                return _Info(info.exact | {""}, None)
            return _Info(None, None)
        if low == high == 1:
            return info
        return _Info(None, info.best())
    return _Info(None, None)  # ANY, NOT_LITERAL, CATEGORY, GROUPREF, ...


def anchors(pattern: str) -> frozenset[str] | None:
    """Literal strings, one of which occurs in every match of ``pattern``; None if none do."""
    parsed = _p.parse(pattern)
    found = _sequence(parsed).best()
    if not found or min(len(s) for s in found) < MIN_ANCHOR:
        return None
    return found


class Prefilter:
    """One Aho-Corasick pass that says which of a list of pattern groups may match a text."""

    def __init__(self, groups: Sequence[Sequence[str]]):
        """``groups[i]`` is the list of patterns of group ``i`` (a rule)."""
        self.always: list[int] = []
        self.anchors: list[frozenset[str] | None] = []
        table: dict[str, set[int]] = {}
        for index, patterns in enumerate(groups):
            found: set[str] = set()
            for pattern in patterns:
                a = anchors(pattern)
                if a is None:
                    found = set()
                    break
                found |= a
            if not found:
                self.always.append(index)
                self.anchors.append(None)
                continue
            self.anchors.append(frozenset(found))
            for word in found:
                table.setdefault(word, set()).add(index)
        self._automaton = ahocorasick.Automaton()
        for word, indices in table.items():
            self._automaton.add_word(word, tuple(sorted(indices)))
        if table:
            self._automaton.make_automaton()
        self._empty = not table

    def candidates(self, text: str) -> set[int]:
        woken = set(self.always)
        if self._empty:
            return woken
        for _, indices in self._automaton.iter(text):
            woken.update(indices)
        return woken


def check_linear(pattern: str) -> str | None:
    """A reason why ``pattern`` may backtrack badly (a repeat inside a repeat), or None."""

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

    return walk(_p.parse(pattern), 0)


__all__ = ["Prefilter", "anchors", "check_linear", "re"]
