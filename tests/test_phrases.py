"""Phrases: plain text in a rule, to which the engine adds word boundaries and flexible blanks.

Also the keyword pass's reading of blanks (a run of them is one space), which lets a whole
phrase be its trigger, and load errors that name the file and line.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amends import Analyzer, get_analyzer
from amends.prefilter import Keywords, Prefilter, collapse_blanks, requirements
from amends.rules import RuleError, build_rule, load_lexicons, load_rules, phrase_pattern

LEXICONS = load_lexicons()
BASE = {
    "code": "C999",
    "name": "probe",
    "label": "apology",
    "message": "m",
    "why": "w",
    "examples": {"fail": ["x"], "pass": ["y"]},
}


@pytest.mark.parametrize(
    ("phrase", "pattern"),
    [
        ("my bad", r"\bmy\s+bad\b"),
        ("{sorry}", r"\b{sorry}\b"),
        ("sorry for the {standin}", r"\bsorry\s+for\s+the\s+{standin}\b"),
        ("can't wait!", r"\bcan't\s+wait!"),
        ("£5 credit", r"£5\s+credit\b"),
        ("a.m.", r"\ba\.m\."),
        ("100% sure", r"\b100%\s+sure\b"),
    ],
)
def test_a_phrase_is_its_words_with_boundaries_and_flexible_blanks(phrase, pattern):
    assert phrase_pattern(phrase, "t.yaml:1") == pattern


def _rule(**fields):
    return build_rule({**BASE, **fields}, "t.yaml:7", LEXICONS)


def test_phrase_matches_whole_words_across_any_run_of_blanks():
    rule = _rule(phrases=["my bad", "a.m."])
    bad, am = rule.compiled
    assert bad.search("that's my bad") and bad.search("my \n\t bad")
    assert not bad.search("my badge") and not bad.search("tommy bad")
    assert am.search("at 9 a.m. today") and not am.search("at 9 axmx today")


@pytest.mark.parametrize(
    ("phrases", "message"),
    [
        ([""], r"t\.yaml:7: an empty phrase"),
        (["my  bad"], r"t\.yaml:7: phrase 'my  bad': separate its words with single spaces"),
        ([" my bad"], r"single spaces, none at either end"),
        (["my\tbad"], r"single spaces"),
        ([r"\bmy bad\b"], r"holds '\\\\', which only a regular expression writes"),
        (["my|our bad"], r"holds '\|'"),
        (["(?:my) bad"], r"holds '\(\?'"),
        (["[my] bad"], r"holds '\['"),
        (["sorry for the {nope}"], r"t\.yaml:7: unknown lexicon \{nope\}"),
        (["sorry for the {Standin}"], r"a brace that names no lexicon"),
        (["my bad", "my bad"], r"phrase 'my bad' is listed twice"),
    ],
)
def test_bad_phrases_are_refused_with_the_file_and_line(phrases, message):
    with pytest.raises(RuleError, match=message):
        _rule(phrases=phrases)


def test_a_phrase_that_is_not_a_string_is_refused():
    with pytest.raises(RuleError, match="phrases must be a string or a list of strings"):
        _rule(phrases=[True])


def test_checks_and_echo_rules_take_no_phrases():
    with pytest.raises(RuleError, match="a check rule takes no phrases or patterns"):
        _rule(check="count", of="apology", phrases=["my bad"])
    with pytest.raises(RuleError, match="a detector needs phrases, patterns or echo"):
        _rule()


def test_phrases_come_before_patterns_and_are_reported_as_written():
    rule = _rule(phrases=["my bad"], patterns=[r"\bour bad\b"])
    assert rule.written == ("my bad", r"\bour bad\b")
    assert rule.sources == (r"\bmy\s+bad\b", r"\bour bad\b")


def test_load_errors_in_phrases_name_the_file_and_line(tmp_path):
    (tmp_path / "r.yaml").write_text(
        "- code: C999\n  name: probe\n  label: apology\n  message: m\n  why: w\n"
        "  phrases: ['my  bad']\n  examples: {fail: [x], pass: [y]}\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleError, match=r"r\.yaml:1: phrase 'my  bad'"):
        load_rules(tmp_path)


def test_a_phrase_fires_across_line_breaks_and_reports_itself():
    analyzer = Analyzer(rules=[_rule(phrases=["that was", "my bad"])])
    report = analyzer.analyze("Honestly, that\twas\nmy\n\n bad.")
    assert [(f.code, f.match, f.pattern) for f in report.findings] == [
        ("C999", "that\twas", "that was"),
        ("C999", "my\n\n bad", "my bad"),
    ]


# -- the keyword pass reads a run of blanks as one space ------------------------------------
def test_blank_runs_read_as_one_space():
    assert collapse_blanks("my bad") == "my bad"
    assert collapse_blanks("my \n\t bad\u2003x") == "my bad x"
    assert requirements(r"\bmy\s+bad\b") == (frozenset({"my bad"}),)
    assert requirements(r"\bmy\s*bad\b") == (frozenset({"mybad", "my bad"}),)
    assert requirements(r"\bmy[\s]bad\b") == (frozenset({"my bad"}),)


BLANKS = st.sampled_from([" ", "  ", "\n", "\t", " \n ", "\u00a0", "\u2003", "\r\n"])
WORDS = st.sampled_from(["my", "bad", "we", "are", "sorry", "for", "the", "delay", "x."])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(WORDS, BLANKS), min_size=1, max_size=8))
def test_the_keyword_pass_wakes_every_pattern_that_matches(pieces):
    text = "".join(word + blank for word, blank in pieces)
    patterns = [
        r"\bmy\s+bad\b",
        r"\bsorry\s+for\s+the\s+delay\b",
        r"\bwe\s+are\s+sorry\b",
        r"\bsorry for\b",
        r"\bare\s*sorry\b",
        r"\bthe\s+delay\s+x\.",
        r"(?:we|my)\s+(?:are|bad)\s+sorry",
    ]
    prefilter = Prefilter([patterns], Keywords())
    woken = set(prefilter.woken(text))
    for n, pattern in enumerate(patterns):
        if re.search(pattern, text):
            assert n in woken, (pattern, text)


def test_entries_with_one_two_and_three_requirements_wake_as_they_should():
    """Entries take bit positions by how many requirements they have; woken numbers still
    come back in entry order, and an entry wakes only when all its requirements are met."""
    patterns = [
        r"alpha",  # one requirement
        r"bravo \w+ charlie \w+ delta",  # three
        r"echo \w+ foxtrot",  # two
        r"\w+",  # none: always woken
        r"golf",
    ]
    prefilter = Prefilter([patterns[:2], patterns[2:]], Keywords())
    assert prefilter.woken("nothing here") == [3]
    assert prefilter.woken("golf alpha") == [0, 3, 4]
    assert prefilter.woken("bravo charlie") == [3]  # delta missing
    assert prefilter.woken("bravo, charlie delta, echo foxtrot golf") == [2, 3, 4]
    assert prefilter.woken("bravo x charlie y delta, echo z foxtrot golf") == [1, 2, 3, 4]
    assert [len(r) for r in prefilter.requirements] == [1, 3, 2, 0, 1]
    assert prefilter.group_of == [0, 0, 1, 1, 1]


def test_every_phrase_of_the_catalogue_is_compiled_as_phrase_pattern_says():
    for rule in get_analyzer().all_rules:
        for phrase, source in zip(rule.phrases, rule.sources, strict=False):
            assert LEXICONS.expand(phrase_pattern(phrase, rule.source), rule.source) == source


def test_the_keyword_pass_knows_every_blank_that_is_not_a_space():
    """A text with one of these (or two spaces in a row) is read again with its blanks
    collapsed; missing one would put a phrase to sleep on a text it matches."""
    from amends.prefilter import _OTHER_BLANKS

    blanks = {chr(c) for c in range(0x110000) if re.match(r"\s", chr(c))}
    assert set(_OTHER_BLANKS) == blanks - {" "}
    keywords = Keywords()
    prefilter = Prefilter([[r"\bmy\s+bad\b"]], keywords)
    for blank in [*blanks, "  ", " \n"]:
        text = f"that's my{blank}bad"
        assert prefilter.woken_from(keywords.wake(text)) == [0], repr(blank)
    assert prefilter.woken_from(keywords.wake("that's my badge")) == [0]  # a trigger, no more
    assert prefilter.woken_from(keywords.wake("my dog is bad")) == []


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(WORDS, BLANKS, st.sampled_from(["\u3000", "\x1c", " \t "]))))
def test_replacing_only_uneven_runs_collapses_blanks(pieces):
    from amends.prefilter import _BLANKS, _UNEVEN_RUN

    text = "".join(pieces)
    assert _UNEVEN_RUN.sub(" ", text) == _BLANKS.sub(" ", text) == collapse_blanks(text)
