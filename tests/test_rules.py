"""Every rule's own examples, and the catalogue's meta-rules (STYLE.md, tests 1 and 2)."""

from __future__ import annotations

import re

import pytest

from amends import COMPONENTS, LABELS, get_analyzer
from amends.model import Config
from amends.prefilter import anchors, check_linear
from amends.rules import RuleError, build_rule, load_lexicons, load_rules, select_rules

ANALYZER = get_analyzer(Config())
RULES = ANALYZER.all_rules


def _codes(code: str, text: str, customer: str | None) -> set[str]:
    """The codes found with only this rule switched on (checks need the whole catalogue)."""
    rule = next(r for r in RULES if r.code == code)
    analyzer = ANALYZER if rule.is_check else get_analyzer(Config(select=(code,)))
    return {f.code for f in analyzer.analyze(text, customer).findings}


FAILING = [(r.code, e) for r in RULES for e in r.examples_fail]
PASSING = [(r.code, e) for r in RULES for e in r.examples_pass]


@pytest.mark.parametrize(
    ("code", "example"), FAILING, ids=[f"{c}-fail-{i}" for i, (c, _) in enumerate(FAILING)]
)
def test_failing_example_fires_its_rule(code, example):
    assert code in _codes(code, example.text, example.customer), example.text


@pytest.mark.parametrize(
    ("code", "example"), PASSING, ids=[f"{c}-pass-{i}" for i, (c, _) in enumerate(PASSING)]
)
def test_passing_example_does_not_fire_its_rule(code, example):
    assert code not in _codes(code, example.text, example.customer), example.text


def test_codes_and_names_are_unique_and_well_formed():
    codes = [r.code for r in RULES]
    names = [r.name for r in RULES]
    assert len(codes) == len(set(codes))
    assert len(names) == len(set(names))
    for r in RULES:
        assert re.fullmatch(r"[A-Z]\d{3}", r.code)
        assert re.fullmatch(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*", r.name)


def test_every_rule_has_why_message_examples_and_a_taxonomy_label():
    for r in RULES:
        assert r.label in LABELS
        assert r.why and len(r.why) > 30, r.code
        assert r.message, r.code
        assert r.examples_fail and r.examples_pass, r.code
        if r.kind == "mistake":
            assert r.suggest, f"{r.code} tells the agent what is wrong but not what to write"


def test_every_taxonomy_label_has_a_rule_and_every_component_a_missing_check():
    covered = {r.label for r in RULES if r.kind != "missing"}
    assert covered == set(LABELS)
    missing = {r.of for r in RULES if r.check == "missing"}
    assert missing >= set(COMPONENTS) - {"compensation", "gratitude"}


def test_patterns_compile_and_cannot_backtrack_badly():
    for r in RULES:
        for p in r.compiled + r.compiled_exceptions + r.compiled_requires + r.compiled_excludes:
            assert check_linear(p.pattern) is None, (r.code, p.pattern)


def test_most_detectors_are_woken_by_derived_trigger_words():
    detectors = [r for r in RULES if r.patterns and not r.on_original]
    with_anchors = [r for r in detectors if all(anchors(p.pattern) for p in r.compiled)]
    assert len(with_anchors) >= 0.8 * len(detectors)


def test_lexicon_rows_are_well_formed():
    lexicons = load_lexicons()
    assert lexicons.spellings["apologise"] == "apologize"
    for name, terms in lexicons.entries.items():
        assert terms, name
        for term in terms:
            re.compile(term)
    for variant, canonical in lexicons.spellings.items():
        assert variant == variant.lower() and canonical == canonical.lower()


def test_load_errors_name_the_file_and_line(tmp_path):
    (tmp_path / "bad.yaml").write_text(
        "- code: X1\n  name: Bad Name\n  label: apology\n  message: m\n  why: w\n", encoding="utf-8"
    )
    with pytest.raises(RuleError, match=r"bad\.yaml:1: code 'X1'"):
        load_rules(tmp_path)


def test_unknown_lexicon_and_nested_repeats_are_rejected():
    lexicons = load_lexicons()
    base = {
        "code": "C999",
        "name": "probe",
        "label": "apology",
        "message": "m",
        "why": "w",
        "examples": {"fail": ["x"], "pass": ["y"]},
    }
    with pytest.raises(RuleError, match=r"unknown lexicon \{nope\}"):
        build_rule({**base, "patterns": ["{nope}"]}, "t.yaml:1", lexicons)
    with pytest.raises(RuleError, match="nested"):
        build_rule({**base, "patterns": [r"(?:\w+ )+sorry"]}, "t.yaml:1", lexicons)
    with pytest.raises(RuleError, match="not a taxonomy label"):
        build_rule({**base, "label": "grovel", "patterns": ["x"]}, "t.yaml:1", lexicons)


def test_selection_most_specific_selector_wins():
    chosen = select_rules(RULES, select=["M"], ignore=["M2"])
    assert chosen and all(r.code.startswith("M") and not r.code.startswith("M2") for r in chosen)
    again = select_rules(RULES, select=["M201"], ignore=["M2"])
    assert [r.code for r in again] == ["M201"]
    by_name = select_rules(RULES, ignore=["sorry-if"])
    assert "M201" not in {r.code for r in by_name}
    by_label = select_rules(RULES, select=["apology"])
    assert {r.label for r in by_label} == {"apology"}


def test_a_rule_holds_one_idea_of_at_most_thirty_patterns():
    """Past about thirty patterns a rule has become a bag of ideas: split it into rules with
    their own names, messages and examples (README, Writing rules). Phrases are not counted:
    an alternation written out as phrases is still one idea."""
    for r in RULES:
        assert len(r.patterns) <= 30, f"{r.code} {r.name} holds {len(r.patterns)} patterns"
