"""Robustness of the engine (STYLE.md, tests 3): offsets always slice the original text back to
the match, no input crashes ``analyze``, and analysis time grows linearly with text length.

Also checks that the speed-ups are invisible: the keyword prefilter never puts to sleep a pattern
that matches, patterns compiled with a first-character hint find what the plain ones find, and
the shortcuts for long sentences give the answers of the plain scans.
"""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amends import LABELS, analyze, get_analyzer
from amends import document as document_module
from amends import engine as engine_module
from amends.analyzer import MAX_CHARS
from amends.fastsearch import Split, compile_with_first_chars, with_first_chars
from amends.prefilter import check_linear

ANALYZER = get_analyzer()

# Pieces of real replies and of everything the normaliser rewrites or maps offsets through.
FRAGMENTS = [
    "sorry",
    "Sorry",
    "SORRY",
    "so sorry",
    "We're so sorry for the delay",
    "I apologise",
    "apologies",
    "sorry if you feel",
    "sorry but",
    "that's on us",
    "it was our fault",
    "not your fault",
    "we don't blame the courier",
    "the courier lost your parcel",
    "your order hasn't arrived",
    "we've refunded you",
    "I'll call you tomorrow",
    "here's a $10 credit",
    "thanks for your patience",
    "I understand how frustrating",
    "could you send your order number?",
    "as I said",
    "just a small glitch",
    "we guarantee",
    "liable",
    "calm down",
    "u",
    "ur",
    "pls",
    "b/c",
    "cancelled",
    "’",
    "‘",
    "“",
    "”",
    '"',
    "'",
    "&amp;",
    "&lt;",
    "&#39;",
    "&bogus;",
    "@AmazonHelp",
    "@115712",
    "https://t.co/DkEhOHbOYy",
    "www.example.com/x?y=1",
    " ^JA",
    " -Becky",
    " - Kirsty",
    " ~ Shaun",
    " 2/2",
    "😀",
    "🙏🏽",
    "e\u0301",
    "İ",
    "ß",
    "ﬁ",
    "Σ",
    "\u00a0",
    "\u200b",
    "—",
    "...",
    "!!!",
    "?",
    ", ",
    ". ",
    "\n",
    "  ",
    "\t",
]
RICH = st.characters(
    codec="utf-8", categories=("L", "M", "N", "P", "S", "Z", "Cc"), exclude_characters="\x00"
)
TEXTS = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(RICH, max_size=12)), max_size=40
).map(" ".join)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_offsets(text: str, customer: str | None) -> None:
    report = analyze(text, customer)
    for f in report.findings:
        if f.start is None:
            assert f.end is None and f.match is None and f.kind == "missing"
            continue
        assert 0 <= f.start <= f.end <= len(text), f
        assert text[f.start : f.end] == f.match, f
    for e in report.situation.evidence:
        source = text if e.source == "reply" else customer
        assert source is not None
        assert 0 <= e.start <= e.end <= len(source), e
        assert source[e.start : e.end] == e.match, e


@SETTINGS
@given(TEXTS)
def test_offsets_slice_the_original_text(text):
    _check_offsets(text, None)


@SETTINGS
@given(TEXTS, TEXTS)
def test_offsets_slice_the_original_text_with_a_customer_message(text, customer):
    _check_offsets(text, customer or None)


@pytest.mark.parametrize(
    "text",
    [
        "İ am SORRY İ charged you twice, that's on us.",
        "“Sorry” isn’t enough — we’re sorry we lost it. ^JA",
        "@AmazonHelp &amp; @you: sorry u waited!!! https://t.co/x -Becky",
        "e\u0301 e\u0301 sorry for the delay ﬁ ß",
        "ǅ ǅ We APOLOGISE for the inconvenience 2/2",
    ],
)
def test_offsets_in_texts_whose_case_changes_length(text):
    _check_offsets(text, "İ WAITED 3 HOURS &amp; nobody came")
    assert analyze(text).findings, "each of these has an apology to find"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(max_size=3000),
        st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=30)), max_size=200).map(
            "".join
        ),
    ),
    st.one_of(st.none(), st.text(max_size=500)),
)
def test_no_input_crashes_analyze(text, customer):
    report = analyze(text, customer)
    assert report.score is None or 0 <= report.score <= 100
    assert (report.score is None) == (report.quality is None)
    assert set(report.labels) <= set(LABELS)
    report.to_dict(detail=True)


# -- linear time ---------------------------------------------------------------------------
def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


ADVERSARIAL = {
    "sorry runs": lambda n: _repeat("sorry ", n),
    "one long word": lambda n: "a" * n,
    "commas": lambda n: _repeat("sorry, ", n),
    "unterminated quotes": lambda n: _repeat("\"sorry 'we ", n),
    "end marks before a letter": lambda n: "!" * (n - 1) + "a",
    "whitespace before a dash": lambda n: " " * (n - 2) + "-a",
    "sorry for the": lambda n: _repeat("sorry for the ", n),
    "rule words": lambda n: _repeat(
        "we are not sorry the order was late but our system failed ", n
    ),
    "questions": lambda n: _repeat("sorry? ", n),
}


def _seconds(text: str, customer: str | None = None) -> float:
    start = time.perf_counter()
    analyze(text, customer)
    return time.perf_counter() - start


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_time_grows_linearly_with_text_length(name):
    """A scaling check, not a speed check: ten times the text may take at most 30 times as long
    (quadratic behaviour would take about 100 times)."""
    make = ADVERSARIAL[name]
    big = make(MAX_CHARS)
    assert len(big) == MAX_CHARS
    small = min(_seconds(make(MAX_CHARS // 10)) for _ in range(2))
    # the best of two runs each, so a busy machine's pause does not read as quadratic growth
    ratio = min(_seconds(big) for _ in range(2)) / max(small, 1e-3)
    assert ratio < 30, f"{name}: 1 MB took {ratio:.0f} times as long as 100 KB"


def test_time_grows_linearly_with_the_customer_message():
    customer = _repeat("my order is late and nobody called, not even once! ", MAX_CHARS)
    small = min(_seconds("sorry for the delay", customer[: MAX_CHARS // 10]) for _ in range(2))
    assert _seconds("sorry for the delay", customer) / max(small, 1e-3) < 30


def _all_patterns() -> list[re.Pattern[str]]:
    patterns = [ANALYZER.engine.negator]
    for rule in ANALYZER.all_rules:
        patterns += [
            *rule.compiled,
            *rule.compiled_exceptions,
            *rule.compiled_requires,
            *rule.compiled_excludes,
        ]
    for signal in ANALYZER.situation.signals:
        patterns += signal.compiled
    return patterns


def test_every_pattern_is_free_of_nested_unbounded_repeats():
    for pattern in _all_patterns():
        assert check_linear(pattern.pattern) is None, pattern.pattern


# -- the speed-ups change nothing ------------------------------------------------------------
# Sentences of the rules' own examples: they hold the phrases of the lexicons whose long
# alternations the engine narrows to the alternatives a text can use.
EXAMPLES = sorted(
    {e.text for rule in ANALYZER.all_rules for e in (*rule.examples_fail, *rule.examples_pass)}
)
EXAMPLE_TEXTS = st.lists(
    st.one_of(st.sampled_from(EXAMPLES), st.sampled_from(FRAGMENTS)), min_size=1, max_size=6
).map(" ".join)


@SETTINGS
@given(st.one_of(TEXTS, EXAMPLE_TEXTS))
def test_prefilter_gates_and_narrowing_change_no_span(text):
    """Running only the woken patterns, narrowed and gated, finds what running all finds."""
    engine = ANALYZER.engine
    doc = ANALYZER.normalise(text)
    woken = dict(engine.index.woken(doc))
    for index, rule in enumerate(engine.detectors):
        if rule.on_original:
            continue
        whole = [(p, None, w) for p, w in zip(rule.compiled, rule.written, strict=True)]
        everything = engine._spans(rule, doc, whole)
        assert engine._spans(rule, doc, woken.get(index, [])) == everything, (rule.code, text)


def test_narrowed_patterns_find_what_the_whole_pattern_finds_on_the_examples():
    engine = ANALYZER.engine
    narrowed = 0
    for example in EXAMPLES:
        doc = ANALYZER.normalise(example)
        for index, runs in engine.index.woken(doc):
            rule = engine.detectors[index]
            for pattern, _gate, _written in runs:
                if pattern not in rule.compiled:
                    narrowed += 1
                    whole = next(p for p in rule.compiled if p.pattern == pattern.pattern)
                    assert [m.span() for m in pattern.finditer(doc.text)] == [
                        m.span() for m in whole.finditer(doc.text)
                    ]
    assert narrowed > 10  # the examples do exercise narrowing


HINTED = [
    (plain, with_first_chars(plain))
    for plain in (re.compile(p.pattern, p.flags) for p in _all_patterns())
]


@SETTINGS
@given(TEXTS)
def test_first_character_hints_find_what_plain_patterns_find(text):
    low = ANALYZER.normalise(text).text
    for plain, hinted in HINTED:
        assert [m.span() for m in hinted.finditer(low)] == [
            m.span() for m in plain.finditer(low)
        ], plain.pattern


@SETTINGS
@given(
    st.lists(st.sampled_from([".", "!", "?", '"', ")", " ", "\n", "-", "a", "!!!!"])).map("".join)
)
def test_sentence_splitting_shortcut_ends_sentences_where_the_reference_does(text):
    fast = (
        document_module._SENTENCE_END_FAST if "-" in text else document_module._SENTENCE_END_NO_DASH
    )
    assert [m.span() for m in fast.finditer(text)] == [
        m.span() for m in document_module._SENTENCE_END.finditer(text)
    ]


@SETTINGS
@given(TEXTS)
def test_normaliser_shortcut_finds_what_its_reference_pattern_finds(text):
    normalise = ANALYZER.normalise
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c.lower()[:1] or c for c in text)
    low = low.translate(document_module._SAME_LENGTH)
    reference = [(m.span(), m.lastgroup) for m in normalise._pattern.finditer(low)]
    assert [(m.span(), m.lastgroup) for m in normalise._replacements(low, len(low))] == reference


def _plain_clause_start(doc, pos):
    start, _ = doc.sentence_at(pos)
    begin = start
    for m in document_module._CLAUSE_BREAK.finditer(doc.text, start, pos):
        begin = m.end()
    return begin


LONG_TEXTS = st.lists(st.sampled_from(FRAGMENTS), min_size=150, max_size=400).map(" ".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LONG_TEXTS, st.one_of(st.none(), TEXTS))
def test_long_sentence_shortcuts_give_the_plain_answers(text, customer):
    """The same answers and report as when every sentence is treated as short (plain scans)."""
    fast = analyze(text, customer).to_dict(detail=True)
    doc = ANALYZER.normalise(text)
    negator = ANALYZER.engine.negator
    doc.in_quotes(0, 0)
    quotes = list(doc._quotes)
    for pos in range(0, len(doc.text), 7):
        begin = _plain_clause_start(doc, pos)
        assert doc.clause_start(pos) == begin
        assert doc.finds_before(negator, begin, pos) == bool(negator.search(doc.text, begin, pos))
        end = min(len(doc.text), pos + 5)
        assert doc.in_quotes(pos, end) == any(qs < pos and end < qe for qs, qe in quotes)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(document_module, "LONG_SENTENCE", 10**9)
        patch.setattr(engine_module, "LONG_SENTENCE", 10**9)
        plain = analyze(text, customer).to_dict(detail=True)
    assert fast == plain


def test_split_narrows_a_long_alternation_to_the_alternatives_kept():
    words = ["late", "lost", "broken", "missing", "damaged", "stolen", "wrong", "cold"]
    pattern = compile_with_first_chars(
        r"(?<=[a-z] )(?P<hit>(?:" + "|".join(f"(?:is|was) {w}" for w in words) + r"))\b"
    )
    split = Split.of(pattern)
    assert split is not None and len(split.alternatives) == len(words)
    text = "it was lost and was stolen but is late"
    assert [m.group("hit") for m in pattern.finditer(text)] == ["was lost", "was stolen", "is late"]
    narrowed = split.narrowed((1, 5))
    assert [m.group("hit") for m in narrowed.finditer(text)] == ["was lost", "was stolen"]
    assert narrowed.groupindex == pattern.groupindex
    assert split.narrowed(tuple(range(len(words)))) is pattern
    assert len(split.variants()) == len(words)


def test_split_leaves_short_alternations_and_back_references_alone():
    assert Split.of(re.compile(r"\b(?:is|was) (?:late|lost)\b")) is None
    many = "|".join(f"(?:is|was) {i}" for i in range(10))
    assert Split.of(re.compile(rf"(\w)(?:{many})\1")) is None
    assert Split.of(re.compile(rf"(\w)(?:{many})")) is not None


@SETTINGS
@given(st.text(st.sampled_from(["a", "'", " ", "_", "1", "é", "\n", ".", "’", "٣", "\u0301"])))
def test_single_quotes_are_looked_for_wherever_one_can_open(text):
    if document_module._SINGLE_QUOTED.search(text):
        assert document_module._may_open_single_quote(text)
