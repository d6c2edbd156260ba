"""The practice scenarios (data/practice.yaml): every model reply has the components its case
expects, makes no mistake and passes; the file is validated with file:line errors; the
feedback on an attempt says what is missing and gives a fixed version."""

from __future__ import annotations

from pathlib import Path

import pytest

from amends.analyzer import get_analyzer
from amends.datafile import DataError
from amends.server.web.practice import feedback, load_practice, practice

SCENARIOS = practice().scenarios


def test_the_library_covers_the_cases_new_agents_meet():
    kinds = {s.kind for s in SCENARIOS}
    for kind in ("long wait", "billing error", "outside cause", "supplier fault"):
        assert kind in kinds
    for kind in ("injury claim", "repeat failure", "data breach"):
        assert kind in kinds


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_each_model_reply_passes_its_own_scenario(scenario):
    result = feedback(get_analyzer(), scenario, scenario.example, practice().pass_score)
    missing = [e["label"] for e in result["expected"] if not e["present"]]
    mistakes = [f["code"] for f in result["report"]["findings"] if f["kind"] == "mistake"]
    assert missing == [] and mistakes == []
    assert result["passed"], f"score {result['score']}"


def test_a_weak_attempt_fails_with_what_it_lacks_and_a_fixed_version():
    scenario = practice().find("billing-error")
    assert scenario is not None
    weak = "We apologise for any inconvenience this may have caused."
    result = feedback(get_analyzer(), scenario, weak, practice().pass_score)
    assert not result["passed"]
    lacks = {e["label"] for e in result["expected"] if not e["present"]}
    assert {"acknowledge", "responsibility", "remedy"} <= lacks
    assert any(f["label"] == "vague_apology" for f in result["report"]["findings"])
    assert result["fixed"]["improved"] != weak
    assert result["example"] == scenario.example


def test_a_bad_scenario_file_names_the_line(tmp_path: Path):
    bad = tmp_path / "practice.yaml"
    bad.write_text(
        "pass_score: 70\n"
        "scenarios:\n"
        "  - id: x\n"
        "    title: X\n"
        "    kind: test\n"
        "    situation: s\n"
        "    customer: c\n"
        "    expect: [apology, sarcasm]\n"
        "    example: e\n"
    )
    with pytest.raises(DataError, match=r"practice\.yaml:3.*'sarcasm'"):
        load_practice(bad)
