"""The generic engine: run detector rules over a document, then check rules over their findings.

The engine knows a handful of rule behaviours (patterns, exceptions, sentence conditions,
negation, questions, quotes, counts); everything about apologies lives in the rule data.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from functools import partial

from .caches import Memo
from .document import LONG_SENTENCE, Document
from .fastsearch import with_first_chars
from .model import Finding
from .patternindex import PatternIndex, Run
from .prefilter import Keywords
from .rules import Echo, Rule

NEGATION_WINDOW = 40  # characters before a match in which a negator still applies to it


class _Fields(dict[str, str]):
    """Format fields for messages: ``{match}`` and friends; unknown fields stay as written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(template: str, match: str) -> str:
    pieces = _PIECES[template]
    if pieces:
        return match.join(pieces)
    return template.format_map(_Fields(match=match))


def _pieces(template: str) -> tuple[str, ...]:
    """``template`` cut at its ``{match}`` fields when those are all it has to fill in (joining
    the pieces with the match is then what ``format_map`` gives, at a fraction of the cost);
    empty otherwise."""
    pieces = tuple(template.split("{match}"))
    return () if any("{" in p or "}" in p for p in pieces) else pieces


# Messages and suggestions are a few hundred templates, rendered for every finding.
_PIECES: Memo[str, tuple[str, ...]] = Memo(_pieces, 4096)


class Engine:
    def __init__(
        self, rules: Sequence[Rule], negator: re.Pattern[str], keywords: Keywords | None = None
    ):
        """``keywords`` may be shared with other prefilters so one pass over a text serves all."""
        self.detectors = [r for r in rules if not r.is_check and r.echo is None]
        self.echoes = [r for r in rules if r.echo is not None]
        self.checks = [r for r in rules if r.is_check]
        self.negator = negator
        # Rules that match the normalised text and rules that match the original (case matters
        # there) each get their own keyword pass over the text they match.
        self.keywords = keywords if keywords is not None else Keywords()
        # what to run over a text: the woken patterns, narrowed and gated
        self.index = PatternIndex(self.detectors, self.keywords)
        self._count_rules = [r for r in self.checks if r.check == "count"]
        self._echo_keys = {id(r.echo): echo_keys(r.echo) for r in self.echoes if r.echo}
        # A "missing X" finding carries nothing from the text: one frozen object per rule.
        self._missing = [
            (
                r.of,
                Finding(
                    code=r.code,
                    name=r.name,
                    label=r.label,
                    kind="missing",
                    severity=r.severity,
                    message=r.message,
                    suggestions=r.suggest,
                    why=r.why,
                    confidence=r.confidence,
                ),
            )
            for r in self.checks
            if r.check == "missing"
        ]

    # -- detectors ---------------------------------------------------------------------------
    def detect(self, doc: Document) -> list[Finding]:
        found: list[Finding] = []
        for index, runs in self.index.woken(doc):
            rule = self.detectors[index]
            if rule.min_words or rule.max_words:
                words = doc.word_count()
                if words < rule.min_words or (rule.max_words and words > rule.max_words):
                    continue
            if rule.on_original:
                spans = self._original_spans(rule, doc, runs)
            else:
                spans = self._spans(rule, doc, runs, None, index)
            for start, end, written in spans:
                found.append(self._finding(rule, doc, start, end, written))
        return _dedupe(found)

    def _spans(
        self,
        rule: Rule,
        doc: Document,
        runs: Sequence[Run],
        exceptions: Sequence[re.Pattern[str]] | None = None,
        index: int = -1,
    ) -> list[tuple[int, int, str]]:
        """Spans of the patterns ``runs`` (each with its gate) kept by the rule's conditions,
        each with the pattern that found it as the rule writes it;
        ``exceptions``, when given, are those of the rule's exceptions that can match in the
        text (the others cannot overlap a match). Without them, given the rule's ``index``,
        the keyword pass says which can; otherwise all are tried."""
        if rule.on_original:
            return self._original_spans(rule, doc, runs)
        if exceptions is None and index < 0:
            exceptions = rule.compiled_exceptions
        text = doc.text
        spans: list[tuple[int, int, str]] = []
        for pattern, gate_, written in runs:
            pos = 0
            if gate_ is not None:
                pos = gate_.start(text)
                if pos is None:
                    continue
            has_hit = "hit" in pattern.groupindex
            for m in pattern.finditer(text, pos):
                start, end = m.span("hit") if has_hit and m.group("hit") is not None else m.span()
                if start == end:
                    continue
                if exceptions is None:  # the first match to check: which exceptions can apply
                    exceptions = self.index.exceptions(doc, index)
                if self._keeps(rule, doc, start, end, exceptions):
                    spans.append((start, end, written))
        return spans

    def _original_spans(
        self, rule: Rule, doc: Document, runs: Sequence[Run]
    ) -> list[tuple[int, int, str]]:
        spans = []
        for pattern, _gate, written in runs:
            for m in pattern.finditer(doc.original):
                if any(x.search(m.group()) for x in rule.compiled_exceptions):
                    continue
                spans.append((m.start(), m.end(), written))
        return spans

    def _keeps(
        self,
        rule: Rule,
        doc: Document,
        start: int,
        end: int,
        exceptions: Sequence[re.Pattern[str]] | None = None,
    ) -> bool:
        if exceptions is None:
            exceptions = rule.compiled_exceptions
        text = doc.text
        if not rule.quotes and doc.in_quotes(start, end):
            return False
        if rule.questions != "keep":
            question = doc.is_question(start)
            if question != (rule.questions == "only"):
                return False
        s_start, s_end = doc.sentence_at(start)
        if s_end - s_start > LONG_SENTENCE:
            return self._keeps_in_long(rule, doc, start, end, s_start, s_end, exceptions)
        for pattern in exceptions:
            for m in pattern.finditer(text, s_start, max(s_end, end)):
                if m.start() < end and start < m.end():
                    return False
                if m.start() >= end:
                    break
        for pattern in rule.compiled_requires:
            if not pattern.search(text, s_start, s_end):
                return False
        for pattern in rule.compiled_excludes:
            if pattern.search(text, s_start, s_end):
                return False
        return self._not_negated(rule, doc, start)

    def _keeps_in_long(
        self,
        rule: Rule,
        doc: Document,
        start: int,
        end: int,
        s_start: int,
        s_end: int,
        exceptions: Sequence[re.Pattern[str]],
    ) -> bool:
        """``_keeps`` for a match in a long sentence, from one scan of the sentence per pattern.

        The same answers: an exception overlaps the match when the last exception starting
        before the match's end ends after its start (matches come in order, not overlapping).
        """
        for pattern in exceptions:
            starts, ends = doc.matches(pattern, s_start, max(s_end, end))
            i = bisect_left(starts, end)
            if i and ends[i - 1] > start:
                return False
        for pattern in rule.compiled_requires:
            if not doc.finds(pattern, s_start, s_end):
                return False
        for pattern in rule.compiled_excludes:
            if doc.finds(pattern, s_start, s_end):
                return False
        return self._not_negated(rule, doc, start)

    def _not_negated(self, rule: Rule, doc: Document, start: int) -> bool:
        if rule.negation:
            # a negator in the same clause, a few words before the match
            scope = max(doc.clause_start(start), start - NEGATION_WINDOW)
            if self.negator.search(doc.text, scope, start):
                return False
        return True

    @staticmethod
    def _finding(
        rule: Rule, doc: Document, start: int, end: int, written: str | None = None
    ) -> Finding:
        if rule.on_original:
            ostart, oend, match = start, end, doc.original[start:end]
        else:
            ostart, oend, match = doc.span_text(start, end)
        # In field order: a frozen dataclass takes positional arguments in half the time.
        return Finding(
            rule.code,
            rule.name,
            rule.label,
            rule.kind,
            rule.severity,
            render(rule.message, match),
            ostart,
            oend,
            match,
            tuple([render(s, match) for s in rule.suggest]),
            rule.why,
            rule.confidence,
            written,
        )

    # -- echoes ------------------------------------------------------------------------------
    def echo(self, doc: Document, customer: Document | None, failure: bool) -> list[Finding]:
        """Reply sentences that repeat the specifics of the customer's message."""
        if customer is None or not self.echoes:
            return []
        found = []
        for rule in self.echoes:
            if rule.situation == "failure" and not failure:
                continue
            echo = rule.echo
            assert echo is not None
            keys = self._echo_keys[id(echo)]
            wanted = _echo_keys(customer.text, keys)
            if not wanted:
                continue
            # Whatever one sentence shares, the whole reply shares: too little there, none here.
            shared_keys = _echo_keys(doc.text, keys) & wanted
            numbers = sum(1 for k in shared_keys if k.startswith("#"))
            if len(shared_keys) - numbers < echo.min_words and numbers < echo.min_numbers:
                continue
            # A token never crosses a sentence boundary (a blank or a newline stands on one side
            # of each), so the reply's tokens, found once, are what each sentence's scan finds.
            shared_all = [t for t in _echo_tokens(doc.text, echo, keys=keys) if t[0] in wanted]
            by_sentence: dict[int, list[tuple[int, int, str]]] = {}
            for key, start, end in shared_all:
                by_sentence.setdefault(doc.sentence_index(start), []).append((start, end, key))
            for index, shared in by_sentence.items():
                # every shared token marks the span; names and short numbers do not count
                counted = [k for start, end, k in shared if _counts(doc, echo, (k, start, end))]
                words = {k for k in counted if not k.startswith("#")}
                numbers = {k for k in counted if k.startswith("#")}
                if len(words) < echo.min_words and len(numbers) < echo.min_numbers:
                    continue
                s_start = doc.sentence_starts[index]
                if rule.questions == "skip" and doc.is_question(s_start):
                    continue
                sentence = doc.text[s_start : doc.sentence_ends[index]].lstrip()
                if any(p.search(sentence) for p in rule.compiled_excludes):
                    continue
                if rule.compiled_requires and not any(
                    p.search(sentence) for p in rule.compiled_requires
                ):
                    continue
                found.append(self._finding(rule, doc, shared[0][0], shared[-1][1]))
        return found

    # -- checks ------------------------------------------------------------------------------
    def count_checks(self, doc: Document, findings: Sequence[Finding]) -> list[Finding]:
        out: list[Finding] = []
        if len(findings) < 2:  # a count check reports the second hit on and after
            return out
        for rule in self._count_rules:
            hits = [f for f in findings if f.label == rule.of and f.start is not None]
            if len(hits) < rule.min:
                continue
            if rule.min_words or rule.max_words:
                words = doc.word_count()
                if words < rule.min_words or (rule.max_words and words > rule.max_words):
                    continue
            hits.sort(key=_start)
            total = len(hits)
            for number, hit in enumerate(hits[1:], 2):
                message = render(rule.message, hit.match or "").format_map(
                    _Fields(n=str(number), total=str(total))
                )
                out.append(
                    Finding(
                        code=rule.code,
                        name=rule.name,
                        label=rule.label,
                        kind=rule.kind,
                        severity=rule.severity,
                        message=message,
                        start=hit.start,
                        end=hit.end,
                        match=hit.match,
                        suggestions=tuple(render(s, hit.match or "") for s in rule.suggest),
                        why=rule.why,
                        confidence=rule.confidence,
                    )
                )
        return out

    def missing_checks(self, present: set[str], expected: Sequence[str]) -> list[Finding]:
        return [f for of, f in self._missing if of in expected and of not in present]


_ECHO_TOKEN = with_first_chars(re.compile(r"[£$€]?\d[\d,.:]*(?:am|pm|gb|kg|mb|%)?|[a-z][a-z'-]+"))


def _echo_tokens(
    text: str,
    echo: Echo,
    start: int = 0,
    end: int | None = None,
    keys: EchoKeys | None = None,
) -> list[tuple[str, int, int]]:
    """Comparable tokens: numbers and amounts as ``#...``, other words stemmed, minus stopwords.

    ``keys`` remembers what each token became (the same words recur in every reply).
    """
    if keys is None:
        keys = echo_keys(echo)
    out = []
    for m in _ECHO_TOKEN.finditer(text, start, len(text) if end is None else end):
        key = keys[m.group()]
        if key is not None:
            out.append((key[0], m.start(), m.start() + key[1]))
    return out


def _counts(doc: Document, echo: Echo, token: tuple[str, int, int]) -> bool:
    """Whether a shared token counts towards an echo: numbers long enough, and words that are
    not names when the rule skips names."""
    key, start, end = token
    if key.startswith("#"):
        return len(key) - 1 >= echo.min_number_chars
    if not echo.skip_names:
        return True
    ostart, oend = doc.to_original(start, end)
    word = doc.original[ostart:oend]
    if any(c.isupper() for c in word[1:]):
        return False  # "eBay", "HDMI", "PlayStation"
    if not word[:1].isupper() or word.lower() in echo.not_names:
        return True
    # capitalised: a name unless it opens its sentence
    before = doc.text[doc.sentence_starts[doc.sentence_index(start)] : start]
    return _SENTENCE_OPENING.fullmatch(before) is not None


_SENTENCE_OPENING = re.compile(r"(?:[\W_]|<user>)*")


# What each token compares as (``_echo_key``), worked out once per distinct token.
EchoKeys = Memo[str, "tuple[str, int] | None"]


def echo_keys(echo: Echo) -> EchoKeys:
    return Memo(partial(_echo_key, echo=echo), _ECHO_KEYS_KEPT)


def _echo_keys(text: str, keys: EchoKeys) -> set[str]:
    """The keys of ``_echo_tokens(text, echo, keys=keys)``, without their offsets."""
    found = set(map(keys.__getitem__, _ECHO_TOKEN.findall(text)))
    found.discard(None)
    return {key[0] for key in found}  # type: ignore[index]


_ECHO_KEYS_KEPT = 50_000


def _echo_key(raw: str, echo: Echo) -> tuple[str, int] | None:
    """What a token compares as, and how many of its characters it spans; None to skip it."""
    word = raw.rstrip(".,:")
    if not word:
        return None
    if word[0].isdigit() or word[0] in "£$€":
        return "#" + word, len(word)
    if len(word) < 3 or word in echo.stopwords:
        return None
    span = len(word)
    for suffix in echo.strip_suffixes:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word, span


def _start(finding: Finding) -> int:
    return finding.start or 0


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Drop a finding when a longer (or earlier) one of the same label covers the same words."""
    if len(findings) < 2:
        return findings
    findings.sort(key=lambda f: (f.start or 0, -((f.end or 0) - (f.start or 0))))
    kept: list[Finding] = []
    last_end: dict[str, int] = {}
    for f in findings:
        assert f.start is not None and f.end is not None
        if last_end.get(f.label, -1) > f.start:
            continue
        kept.append(f)
        last_end[f.label] = f.end
    return kept
