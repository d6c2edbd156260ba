"""Rule patterns compiled with a hint about their first character, so searching skips ahead.

Python's regex engine looks for a match at every position of a text unless the pattern opens
with a literal or a character class it can see. Nearly every rule pattern opens with ``\\b``,
which hides the first character: ``\\b(?:we|i) take`` is tried at all 160 positions of a reply,
though only a "w" or an "i" can start a match. ``with_first_chars`` compiles such a pattern with
the set of characters a match can start with in the engine's own optimisation header, the one
it writes for a pattern like ``[wi]...``; the search then jumps between those characters and
runs the unchanged pattern there. Matches are the same: the set is derived from the parsed
pattern and holds every character a match can start with.

This uses the standard library's private regex parser and compiler (``re._parser``,
``re._compiler``, ``re._constants``, ``_sre``), as ``prefilter`` does for trigger words and
gates. They are checked when this module is imported: the names and opcodes used must be there,
a parsed pattern must have the shape the walkers expect, and a probe must compile known patterns
with their hints, narrowed and not, and find exactly what ``re`` finds. When any of that fails,
or when the environment sets ``AMENDS_PLAIN_RE=1``, ``FAST`` is False and everything falls back
to plain ``re``: patterns are compiled with ``re.compile``, no trigger words are derived (every
pattern runs on every text), nothing is narrowed or gated, and the nested-repeat check on rule
patterns is skipped. The results are the same, only slower (``tests/test_plain_re.py``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from .caches import Memo

try:
    import _sre
    from re import _compiler  # type: ignore[attr-defined]
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other layouts
    _sre = _compiler = _c = _p = None  # type: ignore[assignment]

# What the fast path reads of the internals; ``layout_is_known`` checks each is there.
_COMPILER_NAMES = (
    "MAXCODE",
    "_code",
    "_compile",
    "_compile_charset",
    "_get_charset_prefix",
    "_get_literal_prefix",
    "_optimize_charset",
    "compile",
)
_PARSER_NAMES = ("SubPattern", "State", "parse")
_OPCODES = (
    "ANY",
    "ASSERT",
    "ASSERT_NOT",
    "AT",
    "AT_BEGINNING",
    "AT_BEGINNING_STRING",
    "AT_BOUNDARY",
    "BRANCH",
    "CATEGORY",
    "CATEGORY_SPACE",
    "GROUPREF",
    "GROUPREF_EXISTS",
    "IN",
    "INFO",
    "LITERAL",
    "MAGIC",
    "MAXREPEAT",
    "MAX_REPEAT",
    "MIN_REPEAT",
    "NEGATE",
    "NOT_LITERAL",
    "RANGE",
    "SRE_INFO_CHARSET",
    "SUBPATTERN",
    "SUCCESS",
)


def layout_is_known(sre: Any, compiler: Any, constants: Any, parser: Any) -> bool:
    """Whether the regex internals given are laid out as this module and ``prefilter`` expect:
    the functions and opcodes they use exist, the compiler speaks the engine's bytecode version,
    and a parsed pattern has the node shapes the walkers read."""
    try:
        if not all(hasattr(compiler, name) for name in _COMPILER_NAMES):
            return False
        if not all(hasattr(parser, name) for name in _PARSER_NAMES):
            return False
        if not all(hasattr(constants, name) for name in _OPCODES):
            return False
        if not callable(getattr(sre, "compile", None)) or sre.MAGIC != constants.MAGIC:
            return False
        c = constants
        tree = list(parser.parse(r"(?:a|bc)(?P<x>[d-f\s]+?)(?<!g)\b\1"))
        expected = [
            (c.BRANCH, (None, [[(c.LITERAL, 97)], [(c.LITERAL, 98), (c.LITERAL, 99)]])),
            (
                c.SUBPATTERN,
                (
                    1,
                    0,
                    0,
                    [
                        (
                            c.MIN_REPEAT,
                            (
                                1,
                                c.MAXREPEAT,
                                [(c.IN, [(c.RANGE, (100, 102)), (c.CATEGORY, c.CATEGORY_SPACE)])],
                            ),
                        )
                    ],
                ),
            ),
            (c.ASSERT_NOT, (-1, [(c.LITERAL, 103)])),
            (c.AT, c.AT_BOUNDARY),
            (c.GROUPREF, 1),
        ]
        return _same_tree(tree, expected)
    except Exception:  # anything unexpected: the internals are not what we know
        return False


def _same_tree(found: Any, expected: Any) -> bool:
    """Whether a parse tree (lists and tuples of opcodes and values) is ``expected``."""
    if isinstance(expected, list):
        found = list(found)
        return len(found) == len(expected) and all(
            _same_tree(f, e) for f, e in zip(found, expected, strict=True)
        )
    if isinstance(expected, tuple):
        return (
            isinstance(found, tuple)
            and len(found) == len(expected)
            and all(_same_tree(f, e) for f, e in zip(found, expected, strict=True))
        )
    return type(found) is type(expected) and found == expected


def _forced_plain() -> bool:
    return os.environ.get("AMENDS_PLAIN_RE", "").strip().lower() not in ("", "0", "false", "no")


_LAYOUT = layout_is_known(_sre, _compiler, _c, _p)
# Whether the fast path is on: provisional until the probe at the end of the module has run.
FAST = _LAYOUT and not _forced_plain()

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


_STATE = _p.State() if _LAYOUT else None
_ANCHORED = [[(_c.AT, _c.AT_BEGINNING)], [(_c.AT, _c.AT_BEGINNING_STRING)]] if _LAYOUT else []


def _has_own_hint(tree: object, flags: int) -> bool:
    prefix, _skip, _all = _compiler._get_literal_prefix(tree, flags)
    return bool(prefix) or bool(_compiler._get_charset_prefix(tree, flags))


def with_first_chars(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern``, recompiled with its first-character set when the engine cannot see it."""
    if not FAST or not isinstance(pattern.pattern, str):
        return pattern
    return _hinted(pattern.pattern, pattern.flags) or pattern


def compile_with_first_chars(source: str) -> re.Pattern[str]:
    """``re.compile(source)``, with the first-character set where it helps; compiled once per
    source and shared (rules compile their patterns when first woken, not when loaded).

    A pattern that does not compile raises ``re.error``, as ``re.compile`` would.
    """
    return _COMPILED[source]


def _compile_source(source: str) -> re.Pattern[str]:
    if FAST:
        parsed(source)  # raises re.error for a bad pattern
        hinted = _hinted(source, 0)
        if hinted is not None:
            return hinted
    return re.compile(source)


_COMPILED: Memo[str, re.Pattern[str]] = Memo(_compile_source, 8192)


def _hinted(source: str, flags: int) -> re.Pattern[str] | None:
    try:
        tree = parsed(source, flags)
        flags = tree.state.flags
        if flags & (re.IGNORECASE | re.LOCALE | re.DEBUG):
            return None
        return _with_hint(tree, source, flags)
    except Exception:  # an unexpected layout: let the caller compile it the ordinary way
        return None


def _with_hint(tree: Any, source: str, flags: int) -> re.Pattern[str] | None:
    """``tree`` compiled with its first-character set; None where that does not apply."""
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
    return _build(tree, source, flags, code)


def _build(tree: Any, source: str, flags: int, code: list[Any]) -> re.Pattern[str]:
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


def _hinted_tree(tree: Any, source: str, flags: int) -> re.Pattern[str]:
    """``tree`` (a parsed pattern, maybe altered) compiled as ``compile_with_first_chars``
    would compile its source. The pattern object keeps ``source`` as its text."""
    hinted = _with_hint(tree, source, flags)
    if hinted is not None:
        return hinted
    return _build(tree, source, flags, _compiler._code(tree, flags))


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


@lru_cache(maxsize=1024)  # asked for the same few patterns again and again: walk each tree once
def reach(pattern: re.Pattern[str]) -> int | None:
    """How far past where it starts a match attempt of ``pattern`` may look; None if unbounded.

    An attempt that starts at least this far before the end of the searched span behaves the
    same whatever comes after the span: ``Document`` uses it to answer questions about long
    sentences from one scan instead of one scan per question.
    """
    if not FAST:
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


# -- narrowing a long alternation to the alternatives a text can use -----------------------
SPLIT_ALTERNATIVES = 8  # alternatives that open with a group; fewer are tried quickly enough
_QUICK = (_c.LITERAL, _c.IN) if _LAYOUT else ()


class Split:
    """A pattern whose widest compulsory alternation is cut into its alternatives.

    Every match of ``(?<=[a-z] )(?:is late|ran out|slower than)`` goes through one alternative
    of the alternation. Where a text cannot hold a match through "ran out" (its trigger words
    are missing), the pattern with that alternative left out finds exactly the same matches:
    an alternative that fails wherever it is tried changes nothing, and the others keep their
    order. The narrower pattern is quicker because the regex engine tries fewer alternatives
    at every place. ``variants`` are the pattern with the alternation narrowed to each one
    alternative, for the prefilter to derive each one's triggers; ``narrowed`` compiles the
    pattern for the alternatives a text can use.
    """

    __slots__ = ("_path", "alternatives", "flags", "source", "tree")

    def __init__(self, source: str, flags: int, tree: Any, path: tuple[int, ...]):
        self.source = source
        self.flags = flags
        self.tree = tree
        self._path = path
        self.alternatives: list[Any] = _flat(_at(tree, path)[1][1])

    @property
    def pattern(self) -> re.Pattern[str]:
        """The whole pattern, compiled."""
        if self.flags:
            return with_first_chars(re.compile(self.source, self.flags))
        return compile_with_first_chars(self.source)

    @classmethod
    def of(cls, pattern: re.Pattern[str] | str) -> Split | None:
        """The split of ``pattern`` (compiled, or its source) at the compulsory alternation with
        the most alternatives that open with a group, if it has ``SPLIT_ALTERNATIVES`` of them
        or more (and the standard library's internals allow)."""
        if isinstance(pattern, str):
            source, flags = pattern, 0
        else:  # a ``str`` pattern's flags hold re.UNICODE, which parsing adds anyway
            source, flags = pattern.pattern, pattern.flags & ~re.UNICODE
        if not FAST or not isinstance(source, str):
            return None
        try:
            tree = parsed(source, flags)
            if tree.state.flags & (re.IGNORECASE | re.LOCALE | re.DEBUG) or refers_to_groups(tree):
                return None
            best: tuple[int, tuple[int, ...]] | None = None
            for alternatives, path in _compulsory_branches(tree, ()):
                # alternatives that open with a literal or a class are passed over in one test;
                # the others are what make a long alternation slow
                slow = sum(1 for a in alternatives if not a or a[0][0] not in _QUICK)
                if slow >= SPLIT_ALTERNATIVES and (best is None or slow > best[0]):
                    best = (slow, path)
        except Exception:  # an unexpected layout: leave the pattern whole
            return None
        return None if best is None else cls(source, flags, tree, best[1])

    def variants(self) -> list[Any]:
        """The parsed pattern narrowed to each alternative in turn, in order."""
        return [self.narrowed_tree((i,)) for i in range(len(self.alternatives))]

    def narrowed(self, kept: tuple[int, ...]) -> re.Pattern[str]:
        """The pattern with only the alternatives ``kept`` (ascending), compiled; callers keep
        what they reuse."""
        if len(kept) == len(self.alternatives):
            return self.pattern
        return self.compile(self.narrowed_tree(kept))

    def compile(self, tree: Any) -> re.Pattern[str]:
        """A narrowed parse tree compiled as the whole pattern is, keeping its source text."""
        return _hinted_tree(tree, self.source, tree.state.flags)

    def narrowed_tree(self, kept: tuple[int, ...]) -> Any:
        """The parse tree of ``narrowed(kept)``."""
        return _rebuild(self.tree, self._path, [self.alternatives[i] for i in kept])


def _at(tree: Any, path: tuple[int, ...]) -> tuple[object, Any]:
    item = tree[path[0]]
    return item if len(path) == 1 else _at(item[1][3], path[1:])


def _rebuild(tree: Any, path: tuple[int, ...], alternatives: list[Any]) -> Any:
    """A copy of ``tree`` with the alternation at ``path`` holding only ``alternatives``."""
    data = list(tree.data)
    i = path[0]
    if len(path) == 1:
        if len(alternatives) == 1:
            data[i : i + 1] = list(alternatives[0].data)
        else:
            data[i] = (_c.BRANCH, (None, alternatives))
    else:
        group, add_flags, del_flags, sub = data[i][1]
        inner = _rebuild(sub, path[1:], alternatives)
        data[i] = (_c.SUBPATTERN, (group, add_flags, del_flags, inner))
    return _p.SubPattern(tree.state, data)


def _compulsory_branches(
    items: Any, path: tuple[int, ...]
) -> list[tuple[list[Any], tuple[int, ...]]]:
    """(alternatives, path) of each alternation every match goes through once."""
    found: list[tuple[list[Any], tuple[int, ...]]] = []
    for i, (op, av) in enumerate(items):
        if op == _c.BRANCH:
            found.append((_flat(av[1]), (*path, i)))  # type: ignore[index]
        elif op == _c.SUBPATTERN and not av[1] and not av[2]:  # type: ignore[index]
            found.extend(_compulsory_branches(av[3], (*path, i)))  # type: ignore[index]
    return found


def _flat(alternatives: list[Any]) -> list[Any]:
    """The alternatives of an alternation, with alternatives that are themselves nothing but
    an alternation opened up: ``(?:(?:a|b)|(?:c|d))`` tries a, b, c and d in that order."""
    out: list[Any] = []
    for alternative in alternatives:
        if len(alternative) == 1 and alternative[0][0] == _c.BRANCH:
            out.extend(_flat(alternative[0][1][1]))
        else:
            out.append(alternative)
    return out


def refers_to_groups(items: Any) -> bool:
    """Whether ``items`` (a parsed pattern or part of one) refer back to a group."""
    for op, av in items:
        if op in (_c.GROUPREF, _c.GROUPREF_EXISTS):
            return True
        if op == _c.SUBPATTERN:
            subs = [av[3]]  # type: ignore[index]
        elif op == _c.BRANCH:
            subs = av[1]  # type: ignore[index]
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            subs = [av[2]]  # type: ignore[index]
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            subs = [av[1]]  # type: ignore[index]
        elif op == getattr(_c, "ATOMIC_GROUP", None):
            subs = [av]
        else:
            continue
        if any(refers_to_groups(s) for s in subs):
            return True
    return False


# -- the probe ---------------------------------------------------------------------------------
_PROBE_TEXT = "we take full responsibility, i take responsibility: it was lost, is late. wit"
_PROBE_WORDS = ("late", "lost", "broken", "missing", "damaged", "stolen", "wrong", "cold")
_PROBE_SPLIT = (
    r"(?<=[a-z] )(?P<hit>(?:" + "|".join(f"(?:is|was) {w}" for w in _PROBE_WORDS) + r"))\b"
)


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


def _probe() -> bool:
    """Whether the fast path compiles known patterns (hinted, narrowed, a sub-pattern as a gate
    is compiled) into patterns that find exactly what ``re`` finds."""
    try:
        for source in (r"\b(?:we|i) take (?:full )?responsibility\b", r"\b(?:it|we)\b"):
            hinted = _hinted(source, 0)
            plain = re.compile(source)
            if hinted is None or _spans(hinted, _PROBE_TEXT) != _spans(plain, _PROBE_TEXT):
                return False
        whole = compile_with_first_chars(_PROBE_SPLIT)
        split = Split.of(whole)
        if split is None or len(split.alternatives) != len(_PROBE_WORDS):
            return False
        narrowed = split.narrowed((1, 3))
        expected = re.compile(r"(?<=[a-z] )(?P<hit>(?:is|was) (?:lost|missing))\b")
        if narrowed.groupindex != whole.groupindex or [
            m.span("hit") for m in narrowed.finditer(_PROBE_TEXT)
        ] != [m.span("hit") for m in expected.finditer(_PROBE_TEXT)]:
            return False
        tree = parsed(r"\b(?:we|i) take")
        gate = _compiler.compile(_p.SubPattern(tree.state, list(tree)[1:]), 0)
        if _spans(gate, _PROBE_TEXT) != _spans(re.compile("(?:we|i) take"), _PROBE_TEXT):
            return False
        return reach(re.compile("abc")) == 4
    except Exception:  # anything unexpected: use plain ``re``
        return False


if FAST:
    FAST = _probe()
