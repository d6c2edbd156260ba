"""Each finding says which phrase or pattern of its rule matched (``Finding.pattern``), as the
rule file writes it: in the detailed wire form, in ``amends check --format json`` and
``--explain``, and ``amends explain`` lists them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from amends import Config, analyze, get_analyzer
from amends.cli import app

RULES = get_analyzer(Config()).all_rules
DETECTORS = [r for r in RULES if r.written]
PLAIN = {"COLUMNS": "200", "NO_COLOR": "1", "FORCE_COLOR": None, "TERM": "dumb"}
runner = CliRunner()


@pytest.mark.parametrize("rule", DETECTORS, ids=[r.code for r in DETECTORS])
def test_a_finding_names_a_pattern_of_its_own_rule_that_finds_it(rule):
    analyzer = get_analyzer(Config(select=(rule.code,)))
    for example in rule.examples_fail:
        found = [f for f in analyzer.analyze(example.text, example.customer).findings]
        assert found, example.text
        for f in found:
            assert f.pattern in rule.written, (f.pattern, rule.code)
            index = rule.written.index(f.pattern)
            pattern = rule.compiled[index]
            target = example.text if rule.on_original else analyzer.normalise(example.text).text
            assert pattern.search(target), (f.pattern, example.text)


def test_findings_no_pattern_makes_have_none():
    report = analyze(
        "Sorry. Sorry. Sorry, we are sorry.",
        customer="My order 55512 for the blue kettle never arrived",
    )
    for f in report.findings:
        if f.kind == "missing" or f.code.startswith("M7"):
            assert f.pattern is None, f


def test_the_pattern_is_in_the_detailed_wire_form_only():
    report = analyze("Sorry for any inconvenience.")
    vague = next(f for f in report.findings if f.code == "M101")
    assert "pattern" not in vague.to_dict()
    assert vague.to_dict(detail=True)["pattern"] == vague.pattern
    assert vague.pattern in next(r for r in RULES if r.code == "M101").written
    plain_row = report.to_dict()
    assert all("pattern" not in f for f in plain_row["findings"])


def test_check_json_and_explain_show_which_pattern_matched():
    result = runner.invoke(app, ["check", "Sorry for any inconvenience.", "-f", "json"], env=PLAIN)
    assert result.exit_code == 0, result.output
    findings = json.loads(result.stdout)["findings"]
    vague = next(f for f in findings if f["code"] == "M101")
    assert vague["pattern"] in next(r for r in RULES if r.code == "M101").written
    result = runner.invoke(app, ["check", "Sorry for any inconvenience.", "--explain"], env=PLAIN)
    assert result.exit_code == 0, result.output
    assert "what matched" in result.stdout
    table = result.stdout.split("what matched", 1)[1].splitlines()
    line = next(x for x in table if x.startswith("M101"))
    assert vague["pattern"][:30] in line
    plain = runner.invoke(app, ["check", "Sorry for any inconvenience."], env=PLAIN)
    assert "what matched" not in plain.stdout


@pytest.mark.parametrize("rule", DETECTORS, ids=[r.code for r in DETECTORS])
def test_explain_lists_every_phrase_and_pattern_of_the_rule(rule):
    result = runner.invoke(app, ["explain", rule.code], env=PLAIN)
    assert result.exit_code == 0, result.output
    assert "How it matches" in result.stdout
    lines = result.stdout.splitlines()
    for written in (*rule.written, *rule.exceptions):
        assert f"  {written}" in lines, written
