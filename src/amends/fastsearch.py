"""Rule patterns compiled with a hint about their first character, so searching skips ahead.

Python's regex engine looks for a match at every position of a text unless the pattern opens
with a literal or a character class it can see. Nearly every rule pattern opens with ``\\b``,
which hides the first character: ``\\b(?:we|i) take`` is tried at all 160 positions of a reply,
though only a "w" or an "i" can start a match. ``with_first_chars`` compiles such a pattern with
the set of characters a match can start with in the engine's own optimisation header, the one
it writes for a pattern like ``[wi]...``; the search then jumps between those characters and
runs the unchanged pattern there. Matches are the same: the set is derived from the parsed
pattern and holds every character a match can start with.

This uses the standard library's private regex compiler, as ``prefilter`` uses its parser; on a
Python whose internals differ, patterns are compiled the ordinary way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

try:
    import _sre
    from re import _compiler  # type: ignore[attr-defined]
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]

    _AVAILABLE = all(
        hasattr(_compiler, name)
        for name in ("_compile", "_compile_charset", "_optimize_charset", "MAXCODE")
    )
except ImportError:  # pragma: no cover - other layouts
    _AVAILABLE = False

CharSet = list[tuple[object, object]]


def _first(items: Sequence[tuple[object, object]]) -> CharSet | None:
    """Charset items covering every first character of a non-empty match of ``items``.

    None when unknown (an item that may match anything, or a negated class).
    """
    chars: CharSet = []
    for op, av in items:
        if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            continue  # consumes nothing: the first character comes from what follows
        if op == _c.LITERAL:
            found: CharSet | None = [(op, av)]
        elif op == _c.IN:
            found = None if any(o == _c.NEGATE for o, _ in av) else list(av)  # type: ignore[union-attr]
        elif op == _c.BRANCH:
            found = []
            for alternative in av[1]:  # type: ignore[index]
                sub = _first(alternative)
                if sub is None:
                    return None
                found.extend(sub)
        elif op == _c.SUBPATTERN:
            _group, add_flags, del_flags, sub_items = av  # type: ignore[misc]
            if add_flags or del_flags:
                return None
            found = _first(sub_items)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            found = _first(av[2])  # type: ignore[index]
        elif op == getattr(_c, "ATOMIC_GROUP", None):
            found = _first(av)  # type: ignore[arg-type]
        else:  # ANY, NOT_LITERAL, GROUPREF, ...: the first character can be anything
            return None
        if found is None:
            return None
        chars.extend(found)
        if _p.SubPattern(_STATE, [(op, av)]).getwidth()[0] > 0:
            return chars  # this item consumes a character: nothing after it comes first
    return None  # the whole sequence may match empty


@lru_cache(maxsize=4096)
def parsed(pattern: str, flags: int = 0) -> Any:
    """The standard library's parse tree of ``pattern``, parsed once and shared: read only.

    Loading the rules walks each pattern several times (triggers, gates, first characters,
    backtracking risk); parsing it once makes start-up shorter.
    """
    return _p.parse(pattern, flags)


_STATE = _p.State() if _AVAILABLE else None
_ANCHORED = [[(_c.AT, _c.AT_BEGINNING)], [(_c.AT, _c.AT_BEGINNING_STRING)]] if _AVAILABLE else []


def _has_own_hint(tree: object, flags: int) -> bool:
    prefix, _skip, _all = _compiler._get_literal_prefix(tree, flags)
    return bool(prefix) or bool(_compiler._get_charset_prefix(tree, flags))


def with_first_chars(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern``, recompiled with its first-character set when the engine cannot see it."""
    if not _AVAILABLE or not isinstance(pattern.pattern, str):
        return pattern
    return _hinted(pattern.pattern, pattern.flags) or pattern


def compile_with_first_chars(source: str) -> re.Pattern[str]:
    """``re.compile(source)``, with the first-character set where it helps; compiled once.

    A pattern that does not compile raises ``re.error``, as ``re.compile`` would.
    """
    if _AVAILABLE:
        parsed(source)  # raises re.error for a bad pattern
        hinted = _hinted(source, 0)
        if hinted is not None:
            return hinted
    return re.compile(source)


def _hinted(source: str, flags: int) -> re.Pattern[str] | None:
    try:
        tree = parsed(source, flags)
        flags = tree.state.flags
        if flags & (re.IGNORECASE | re.LOCALE | re.DEBUG):
            return None
        low, high = tree.getwidth()
        if low == 0 or _has_own_hint(tree, flags) or list(tree[:1]) in _ANCHORED:
            return None  # the engine tries an anchored pattern at the start only
        chars = _first(list(tree))
        if chars is None:
            return None
        charset, _cased = _compiler._optimize_charset(chars)
        code = [_c.INFO, 0, _c.SRE_INFO_CHARSET, low, min(high, _compiler.MAXCODE)]
        _compiler._compile_charset(charset, flags, code)
        code[1] = len(code) - 1
        _compiler._compile(code, _guarded(tree.data), flags)
        code.append(_c.SUCCESS)
        index_group = [None] * tree.state.groups
        for name, number in tree.state.groupdict.items():
            index_group[number] = name
        return _sre.compile(  # type: ignore[no-any-return]
            source,
            flags,
            code,
            tree.state.groups - 1,
            tree.state.groupdict,
            tuple(index_group),
        )
    except Exception:  # an unexpected layout: let the caller compile it the ordinary way
        return None


_GUARDED_ALTERNATIVES = 6  # a smaller alternation is tried about as fast as its guard


def _guarded(items: Sequence[tuple[object, object]]) -> list[tuple[object, object]]:
    """``items`` with a look-ahead for its first characters before each long alternation.

    The engine tries an alternation by entering each alternative in turn; one whose
    alternatives open with groups (``(?:is|was) …|(?:didn't|never) …``) costs a microsecond
    wherever it is tried, even where no alternative can start. ``(?=[first characters])``
    in front rejects those places in one test and changes no match: every match of the
    alternation starts with one of those characters. Groups with their own flags and
    look-arounds are left as they are.
    """
    out: list[tuple[object, object]] = []
    for op, av in items:
        if op == _c.BRANCH:
            alternatives = av[1]  # type: ignore[index]
            if len(alternatives) >= _GUARDED_ALTERNATIVES and not all(
                a and a[0][0] in (_c.LITERAL, _c.IN) for a in alternatives
            ):
                chars = _first([(op, av)])  # from the parsed tree, before guarding inside it
                if chars is not None:
                    out.append((_c.ASSERT, (1, [(_c.IN, chars)])))
            av = (av[0], [_guarded(a) for a in alternatives])  # type: ignore[index]
        elif op == _c.SUBPATTERN:
            group, add_flags, del_flags, sub = av  # type: ignore[misc]
            if not add_flags and not del_flags:
                av = (group, add_flags, del_flags, _guarded(sub))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            low, high, sub = av  # type: ignore[misc]
            av = (low, high, _guarded(sub))
        elif op == getattr(_c, "ATOMIC_GROUP", None):
            av = _guarded(av)  # type: ignore[arg-type]
        out.append((op, av))
    return out


def reach(pattern: re.Pattern[str]) -> int | None:
    """How far past where it starts a match attempt of ``pattern`` may look; None if unbounded.

    An attempt that starts at least this far before the end of the searched span behaves the
    same whatever comes after the span: ``Document`` uses it to answer questions about long
    sentences from one scan instead of one scan per question.
    """
    if not _AVAILABLE:
        return None
    try:
        extent = _extent(list(parsed(pattern.pattern, pattern.flags)))
    except Exception:  # an unexpected layout: unknown
        return None
    return None if extent is None else extent[1] + 1


def _extent(items: Sequence[tuple[object, object]]) -> tuple[int, int] | None:
    """(most characters consumed, most characters looked at) by ``items``."""
    consumed = furthest = 0
    for op, av in items:
        if op in (_c.LITERAL, _c.NOT_LITERAL, _c.IN, _c.ANY, _c.CATEGORY):
            width, looked = 1, 1
        elif op == _c.AT:
            width, looked = 0, 1
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            direction, sub = av  # type: ignore[misc]
            if direction < 0:
                continue  # a look-behind looks back only
            inner = _extent(sub)
            if inner is None:
                return None
            width, looked = 0, inner[1]
        elif op == _c.BRANCH:
            inners = [_extent(b) for b in av[1]]  # type: ignore[index]
            if any(i is None for i in inners):
                return None
            width = max(i[0] for i in inners)  # type: ignore[index]
            looked = max(i[1] for i in inners)  # type: ignore[index]
        elif op == _c.SUBPATTERN:
            inner = _extent(av[3])  # type: ignore[index]
            if inner is None:
                return None
            width, looked = inner
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            _low, high, sub = av  # type: ignore[misc]
            inner = _extent(sub)
            if inner is None or high == _c.MAXREPEAT:
                return None
            width = high * inner[0]
            looked = (high - 1) * inner[0] + inner[1] if high else 0
        elif op == getattr(_c, "ATOMIC_GROUP", None):
            inner = _extent(av)  # type: ignore[arg-type]
            if inner is None:
                return None
            width, looked = inner
        else:  # back-references and conditionals: width unknown
            return None
        furthest = max(furthest, consumed + looked)
        consumed += width
    return consumed, max(furthest, consumed)
