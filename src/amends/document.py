"""A text prepared for matching.

Rules match a *normalised* copy of the text: lower case, straight quotes, HTML entities decoded,
links and @handles replaced by placeholders, signatures and thread counters ("^JA", "-Becky",
"1/2") dropped, informal and British spellings mapped to one form ("u" -> "you",
"apologise" -> "apologize"). An offset map takes every span found in that copy back to the
original text, so findings always slice the words the user wrote.
"""

from __future__ import annotations

import html
import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from .caches import Memo
from .fastsearch import reach, with_first_chars

LINK = "<link>"
HANDLE = "<user>"

# Same-length character substitutions: no offset bookkeeping needed.
_SAME_LENGTH_CHARS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201b": "'",
    "\u2032": "'",
    "`": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u200b": " ",
}
_SAME_LENGTH = str.maketrans(_SAME_LENGTH_CHARS)
# str.translate looks every character up in a dict; replacing only the few characters a text
# holds is much faster and gives the same text, as no replacement is itself replaced.
_SAME_LENGTH_ASCII = tuple((k, v) for k, v in _SAME_LENGTH_CHARS.items() if k.isascii())
_SAME_LENGTH_ANY = re.compile("[" + "".join(_SAME_LENGTH_CHARS) + "]")
assert not set(_SAME_LENGTH_CHARS.values()) & set(_SAME_LENGTH_CHARS)

_LINK_RE = r"(?P<link>(?:https?://|www\.)\S+)"
_HANDLE_RE = r"(?P<handle>(?<![\w@])@\w{1,30})"
_ENTITY_RE = r"(?P<entity>&(?:[a-z]{2,6}|#\d{1,6}|#x[0-9a-f]{1,5});)"
# A trailing signature or thread counter: "^JA", "*TMT", "-Becky", "- Kirsty", "~ Shaun", "2/2".
# Searched in the last few characters only, so a long text cannot make it backtrack.
_SIGNATURE = with_first_chars(
    re.compile(
        r"(?:\s*(?:[\^*~]\s?[a-z][a-z.\-]{0,15}|(?<=\s)[-~]\s?[a-z][a-z.]{1,15}|\d/\d))+[\s.!]*\Z"
    )
)
_SIGNATURE_TAIL = 48
# Every piece of a signature holds one of these characters at most 18 characters before the
# piece ends (a "/" only between digits), and only blanks, "." and "!" may follow the last piece:
# most texts cannot end in one.
_SIGNATURE_MARK = re.compile(r"[\^*~-]|/(?<=\d/)(?=\d)")
_SIGNATURE_REACH = 20
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=\s|\Z)|\n+|(?<=\S)\s+-\s+(?=\S)")
# The same matches, written to open with one character class so the regex engine skips straight
# to the few characters that can start one; without "-" in the text the dash break cannot occur.
# A run of end marks either ends a sentence whole or not at all, so the fast forms take it whole
# and do not try again inside it: a long run of "!" followed by a letter costs one pass, not one
# pass per "!".
_SENTENCE_END_FAST = re.compile(
    r"[.!?\s](?:(?<=[.!?])(?<![.!?][.!?])[.!?]*+[\"')\]]*+(?=\s|\Z)|(?<=\n)\n*|(?<=\S\s)\s*-\s+(?=\S))"
)
_BLANK_DASH = re.compile(r"-(?<=\s-)")
_SENTENCE_END_NO_DASH = re.compile(
    r"[.!?\n](?:(?<=[.!?])(?<![.!?][.!?])[.!?]*+[\"')\]]*+(?=\s|\Z)|(?<=\n)\n*)"
)
_CLAUSE_BREAK = with_first_chars(
    re.compile(r"[,;:()]|\s-\s|\bbut\b|\bhowever\b|\bthough\b|\bso\b|\bwhich\b|\band\b")
)
_DOUBLE_QUOTED = re.compile(r'"[^"\n]{1,300}"')
_SINGLE_QUOTED = with_first_chars(
    re.compile(r"(?<![\w'])'(?=[^\s'])[^\n]{1,300}?(?<=[^\s])'(?![\w])")
)
_QUESTION_OPENING = re.compile(
    r"\s*(?:(?:<user>|hi|hello|hey|ok|okay)\W{1,3}){0,3}"
    r"(?:has|have|is|are|was|were|do|does|did|can|could|would|will|should|may)\s+"
    r"(?:you|your|the|this|that|it|there|we|they|he|she|my|a|an|any)\b"
)
_WORD = with_first_chars(re.compile(r"[a-z0-9]+(?:'[a-z]+)?"))
LONG_SENTENCE = 256  # a sentence longer than this gets its per-sentence answers worked out once
_BREAK_REACH = reach(_CLAUSE_BREAK) or 64
_RUN = re.compile(r"[\w']+")
# Every byte of an ASCII text that cannot be part of a run, as a blank: ``split`` then yields
# the runs, much faster than ``_RUN.findall``.
_ASCII_NOT_RUN = bytes(i if i < 128 and _RUN.fullmatch(chr(i)) else 32 for i in range(256))
_FAST_CACHE = 256  # compiled replacement patterns kept, one per set of spellings seen


def _first_run(word: str) -> str | None:
    """The leading run of word characters of a spelling variant; a match needs it whole."""
    m = _RUN.match(word)
    return m.group() if m else None


def _may_open_single_quote(text: str) -> bool:
    """Whether ``text`` has an apostrophe that can open a ``_SINGLE_QUOTED`` quote: one that
    opens the text or follows neither a word character nor another apostrophe. Most texts'
    apostrophes are in "we're" and "can't": then the quote pattern need not run."""
    i = text.find("'")
    while i >= 0:
        if i == 0:
            return True
        before = text[i - 1]
        if not (before.isalnum() or before == "_" or before == "'"):
            return True
        i = text.find("'", i + 1)
    return False


class Scanner(Protocol):
    """A keyword automaton (``prefilter.Keywords``)."""

    def scan(self, text: str) -> set[int]: ...

    def wake(self, text: str) -> int: ...


class Normaliser:
    """Builds the normalised copy of a text and its offset map. Spellings come from data."""

    def __init__(self, spellings: Mapping[str, str]):
        self.spellings = dict(spellings)
        words = sorted(self.spellings, key=len, reverse=True)
        spelling = (
            r"(?P<word>(?<![\w'])(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w']))"
            if words
            else r"(?P<word>(?!))"
        )
        # The reference definition of what gets replaced; ``_replacements`` finds the same
        # matches faster.
        self._pattern = re.compile("|".join([_LINK_RE, _HANDLE_RE, _ENTITY_RE, spelling]))
        self._words = words
        # A variant matches only where its leading run of word characters stands whole in the
        # text, so a text wakes only the variants whose run it holds. Variants that do not open
        # with a word character are always tried.
        self._by_run: dict[str, list[str]] = {}
        self._unkeyed: list[str] = []
        for word in words:
            run = _first_run(word)
            if run is None:
                self._unkeyed.append(word)
            else:
                self._by_run.setdefault(run, []).append(word)
        self._runs = frozenset(self._by_run)
        self._ascii_runs = {run.encode(): run for run in self._runs if run.isascii()}
        self._fast: Memo[tuple[frozenset[str], bool, bool, bool], re.Pattern[str] | None] = Memo(
            self._fast_pattern, _FAST_CACHE
        )

    def _replacements(self, low: str, stop: int) -> Iterator[re.Match[str]]:
        """The matches of ``self._pattern`` in ``low[:stop]``, from a smaller, quicker pattern."""
        head = low if stop == len(low) else low[:stop]
        if head.isascii():
            runs = self._ascii_runs
            words = frozenset(
                [runs[r] for r in runs.keys() & head.encode().translate(_ASCII_NOT_RUN).split()]
            )
        else:
            words = frozenset(self._runs.intersection(_RUN.findall(head)))
        # Links, handles and entities need "http" or "www.", "@" and "&": a text without them
        # is searched without those alternatives (and without their first characters).
        key = (words, "http" in head or "www." in head, "@" in head, "&" in head)
        pattern = self._fast[key]
        if pattern is None:
            return iter(())
        return pattern.finditer(low, 0, stop)

    def _fast_pattern(self, key: tuple[frozenset[str], bool, bool, bool]) -> re.Pattern[str] | None:
        """``_leading_class_pattern`` for the spellings whose runs a text holds (``key``)."""
        allowed = {w for run in key[0] for w in self._by_run[run]}
        return _leading_class_pattern(
            [w for w in self._words if w in allowed or w in self._unkeyed], *key[1:]
        )

    def __call__(self, original: str) -> Document:
        low = original.lower()
        if len(low) != len(original):  # a few characters lower-case to two code points
            low = "".join(c.lower()[:1] or c for c in original)
        if low.isascii():
            for old, new in _SAME_LENGTH_ASCII:
                if old in low:
                    low = low.replace(old, new)
        elif _SAME_LENGTH_ANY.search(low):
            low = low.translate(_SAME_LENGTH)
        pieces: list[str] = []
        # Replaced stretches: normalised start and end, original start and end. Lists, quick to
        # fill for the few a reply holds; past _COMPACT_AT, arrays of machine ints, as a
        # megabyte of "u" holds half a million stretches (100 MB as lists of tuples).
        nstarts: list[int] | array[int] = []
        nends: list[int] | array[int] = []
        ostarts: list[int] | array[int] = []
        oends: list[int] | array[int] = []
        last = 0
        out_len = 0
        tail = max(0, len(low) - _SIGNATURE_TAIL)
        end = len(low)
        while end and (low[end - 1] in ".!" or low[end - 1].isspace()):
            end -= 1
        signature = (
            _SIGNATURE.search(low, tail)
            if _SIGNATURE_MARK.search(low, max(tail, end - _SIGNATURE_REACH))
            else None
        )
        stop = signature.start() if signature else len(low)
        for m in self._replacements(low, stop):
            kind = m.lastgroup
            group = m.group()
            if kind == "link":
                replacement = LINK
            elif kind == "handle":
                replacement = HANDLE
            elif kind == "entity":
                replacement = html.unescape(group)
                if replacement == group:
                    continue
            else:
                replacement = self.spellings[group]
            start, end = m.span()
            pieces.append(low[last:start])
            out_len += start - last
            pieces.append(replacement)
            nstarts.append(out_len)
            out_len += len(replacement)
            nends.append(out_len)
            ostarts.append(start)
            oends.append(end)
            last = end
            if len(oends) == _COMPACT_AT:
                nstarts, nends, ostarts, oends = (
                    array("i", x) for x in (nstarts, nends, ostarts, oends)
                )
        if signature:
            pieces.append(low[last:stop])
            out_len += stop - last
            nstarts.append(out_len)
            nends.append(out_len)
            ostarts.append(stop)
            oends.append(len(low))
            last = len(low)
        if not nstarts:
            return Document(original, low)
        pieces.append(low[last:])
        return Document(original, "".join(pieces), (nstarts, nends, ostarts, oends))


def _leading_class_pattern(
    words: list[str], links: bool = True, handles: bool = True, entities: bool = True
) -> re.Pattern[str] | None:
    """``Normaliser._pattern`` for these spelling variants, opening with one character class;
    None when it has nothing to look for.

    Each alternative consumes its first character in the class and checks it (and what stood
    before it) with a look-behind, so the regex engine skips straight to the few characters
    that can start a match instead of trying every alternative at every position. Alternatives
    keep their order: at any position the same one wins as in the reference pattern. Links,
    handles or entities are left out when the text cannot hold one.
    """
    first: dict[str, list[str]] = {}
    for word in words:
        first.setdefault(word[0], []).append(word[1:])
    alternatives = []
    chars = set(first)
    if links:
        alternatives.append(r"(?P<link>(?<=h)ttps?://\S+|(?<=w)ww\.\S+)")
        chars |= {"h", "w"}
    if handles:
        alternatives.append(r"(?P<handle>(?<=@)(?<![\w@]@)\w{1,30})")
        chars.add("@")
    if entities:
        alternatives.append(r"(?P<entity>(?<=&)(?:[a-z]{2,6}|#\d{1,6}|#x[0-9a-f]{1,5});)")
        chars.add("&")
    if first:
        spelled = "|".join(
            f"(?<={re.escape(c)})(?:" + "|".join(re.escape(r) for r in rests) + ")"
            for c, rests in first.items()
        )
        alternatives.append(r"(?P<word>(?<![\w'].)(?:" + spelled + r")(?![\w']))")
    if not alternatives:
        return None
    chars_class = "".join(re.escape(c) for c in sorted(chars))
    return re.compile(f"[{chars_class}](?:" + "|".join(alternatives) + ")")


_NO_SEGMENTS: tuple[int, ...] = ()
_COMPACT_AT = 1024


class Document:
    """The original text, its normalised copy, and its sentences (as normalised offsets)."""

    __slots__ = (
        "_ends",
        "_memo",
        "_nends",
        "_nstarts",
        "_oends",
        "_ostarts",
        "_quote_starts",
        "_quote_width",
        "_quotes",
        "_scan",
        "_scanned_by",
        "_starts",
        "_woke",
        "_woken_by",
        "_words",
        "original",
        "text",
    )

    def __init__(
        self,
        original: str,
        text: str,
        segments: tuple[Sequence[int], Sequence[int], Sequence[int], Sequence[int]] | None = None,
    ):
        """``segments``: the replaced stretches, in order, as four parallel sequences
        (normalised start, normalised end, original start, original end); None when nothing
        was replaced."""
        self.original = original
        self.text = text
        if segments is None:
            self._nstarts = self._nends = self._ostarts = self._oends = _NO_SEGMENTS
        else:
            self._nstarts, self._nends, self._ostarts, self._oends = segments
        # sentences are found when first asked for: many texts never need them
        self._starts: list[int] | None = None
        self._ends: list[int] = []
        self._quotes: list[tuple[int, int]] | None = None
        self._quote_starts: list[int] = []
        self._quote_width = 0
        # Answers about one sentence (is it a question, where its clauses break, what a pattern
        # finds in it), kept so a long sentence is scanned once rather than once per match.
        self._memo: dict[tuple[object, ...], Any] = {}
        self._scanned_by: object = None
        self._scan: set[int] = set()
        self._woken_by: object = None
        self._woke = 0
        self._words = -1

    def scan(self, keywords: Scanner) -> set[int]:
        """The trigger words of ``keywords`` in the normalised text, found once per keyword set."""
        if self._scanned_by is not keywords:
            self._scan = keywords.scan(self.text)
            self._scanned_by = keywords
        return self._scan

    def wake(self, keywords: Scanner) -> int:
        """``keywords.wake`` of the normalised text, worked out once per keyword set."""
        if self._woken_by is not keywords:
            self._woke = keywords.wake(self.text)
            self._woken_by = keywords
        return self._woke

    # -- offsets -------------------------------------------------------------------------
    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised span to the original text."""
        if not self._nstarts:
            return start, end
        return self._map_start(start), self._map_end(end)

    def _map_start(self, pos: int) -> int:
        i = bisect_right(self._nstarts, pos) - 1
        if i < 0:
            return pos
        nend = self._nends[i]
        if pos < nend or (pos == nend == self._nstarts[i]):
            return self._ostarts[i]
        return pos + (self._oends[i] - nend)

    def _map_end(self, pos: int) -> int:
        i = bisect_left(self._nstarts, pos) - 1
        if i < 0:
            return pos
        nend = self._nends[i]
        if pos <= nend:
            return self._oends[i]
        return pos + (self._oends[i] - nend)

    def span_text(self, start: int, end: int) -> tuple[int, int, str]:
        """The original offsets and words behind a normalised span, trimmed of blanks."""
        ostart, oend = self.to_original(start, end)
        while ostart < oend and self.original[ostart].isspace():
            ostart += 1
        while oend > ostart and self.original[oend - 1].isspace():
            oend -= 1
        return ostart, oend, self.original[ostart:oend]

    # -- structure -----------------------------------------------------------------------
    def _split(self) -> list[int]:
        text = self.text
        starts = [0]
        ends = []
        # the dash break needs a blank right before a "-"
        fast = "-" in text and _BLANK_DASH.search(text) is not None
        for m in (_SENTENCE_END_FAST if fast else _SENTENCE_END_NO_DASH).finditer(text):
            ends.append(m.end())
            starts.append(m.end())
        ends.append(len(text))
        self._ends = ends
        self._starts = starts
        return starts

    @property
    def sentence_starts(self) -> list[int]:
        """Where each sentence starts (normalised offsets); the first starts at 0."""
        starts = self._starts
        return self._split() if starts is None else starts

    @property
    def sentence_ends(self) -> list[int]:
        """Where each sentence ends; the last ends at the end of the text."""
        if self._starts is None:
            self._split()
        return self._ends

    def sentence_at(self, pos: int) -> tuple[int, int]:
        i = self.sentence_index(pos)
        return self._starts[i], self._ends[i]  # type: ignore[index]

    def sentence_index(self, pos: int) -> int:
        """The number of the sentence holding ``pos``."""
        starts = self._starts
        if starts is None:
            starts = self._split()
        i = bisect_right(starts, pos) - 1
        return max(0, min(i, len(self._ends) - 1))

    def sentences(self) -> list[tuple[int, int]]:
        return [
            (s, e)
            for s, e in zip(self.sentence_starts, self.sentence_ends, strict=True)
            if self.text[s:e].strip()
        ]

    def is_question(self, pos: int) -> bool:
        """A sentence ending in "?", or opening like one ("Has the PDF been locked…")."""
        start, end = self.sentence_at(pos)
        key = ("question", start)
        answer = self._memo.get(key)
        if answer is None:
            answer = self._memo[key] = (
                self.text[start:end].rstrip(" \"')]").endswith("?")
                or _QUESTION_OPENING.match(self.text, start) is not None
            )
        return answer  # type: ignore[no-any-return]

    def clause_start(self, pos: int) -> int:
        """Where the clause holding ``pos`` begins (a comma, "but", a dash or the sentence)."""
        start, end = self.sentence_at(pos)
        begin = start
        if pos - start > LONG_SENTENCE:
            # Scanning from the sentence start up to ``pos`` finds what one scan of the whole
            # sentence finds, except within reach of ``pos``: take the breaks before that from
            # the sentence's scan, and scan only the last few characters again.
            starts, ends = self.matches(
                _CLAUSE_BREAK, start, min(len(self.text), end + _BREAK_REACH)
            )
            resume = pos - _BREAK_REACH
            i = bisect_right(starts, resume) - 1
            if i >= 0 and ends[i] > resume:  # inside a break: scan it again from its start
                resume = starts[i]
                i -= 1
            begin = ends[i] if i >= 0 else start
            start = resume
        for m in _CLAUSE_BREAK.finditer(self.text, start, pos):
            begin = m.end()
        return begin

    def remember(self, key: tuple[object, ...], make: Callable[[], Any]) -> Any:
        """``make()``, worked out once per document and ``key``."""
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = make()
        return found

    def matches(
        self, pattern: re.Pattern[str], pos: int, endpos: int
    ) -> tuple[list[int], list[int]]:
        """Starts and ends of ``pattern.finditer(text, pos, endpos)``, found once per span."""
        key = ("matches", id(pattern), pos, endpos)
        found = self._memo.get(key)
        if found is None:
            spans = [m.span() for m in pattern.finditer(self.text, pos, endpos)]
            found = self._memo[key] = ([s for s, _ in spans], [e for _, e in spans])
        return found  # type: ignore[no-any-return]

    def finds(self, pattern: re.Pattern[str], pos: int, endpos: int) -> bool:
        """Whether ``pattern.search(text, pos, endpos)`` finds anything, found once per span."""
        key = ("finds", id(pattern), pos, endpos)
        answer = self._memo.get(key)
        if answer is None:
            answer = self._memo[key] = pattern.search(self.text, pos, endpos) is not None
        return answer  # type: ignore[no-any-return]

    def finds_before(self, pattern: re.Pattern[str], begin: int, pos: int) -> bool:
        """Whether ``pattern.search(text, begin, pos)`` finds anything, in time bounded per call.

        From far before ``pos`` it reads the answer off one scan of the whole text, shared by
        every call: a scan from ``begin`` agrees with it past the first few characters, and
        stopping at ``pos`` changes nothing for attempts that start out of reach of ``pos``.
        """
        if pos - begin <= LONG_SENTENCE:  # most calls: one short search, no need of the reach
            return pattern.search(self.text, begin, pos) is not None
        width = reach(pattern)
        if width is None:
            return pattern.search(self.text, begin, pos) is not None
        head = pattern.search(self.text, begin, begin + 2 * width)
        if head is not None and head.start() <= begin + width:
            first: int | None = head.start()
        else:  # nothing starts near ``begin``: from there on the whole-text scan is the same
            starts, _ends = self.matches(pattern, 0, len(self.text))
            i = bisect_left(starts, begin + width + 1)
            first = starts[i] if i < len(starts) else None
        if first is not None and first + width <= pos:
            return True
        return pattern.search(self.text, max(begin, pos - width), pos) is not None

    def in_quotes(self, start: int, end: int) -> bool:
        if self._quotes is None:
            found: list[tuple[int, int]] = []
            if '"' in self.text:
                found.extend(m.span() for m in _DOUBLE_QUOTED.finditer(self.text))
            if _may_open_single_quote(self.text):
                found.extend(m.span() for m in _SINGLE_QUOTED.finditer(self.text))
            found.sort()
            self._quotes = found
            self._quote_starts = [qs for qs, _ in found]
            self._quote_width = max((qe - qs for qs, qe in found), default=0)
        quotes = self._quotes
        if len(quotes) > 8:
            # only a quote opening less than the longest quote's width before ``start`` can hold it
            first = bisect_left(self._quote_starts, start - self._quote_width)
            last = bisect_left(self._quote_starts, start)
            quotes = quotes[first:last]
        return any(qs < start and end < qe for qs, qe in quotes)

    def word_count(self) -> int:
        if self._words < 0:
            text = self.text.replace(LINK, " ").replace(HANDLE, " ")
            self._words = len(_WORD.findall(text))
        return self._words
