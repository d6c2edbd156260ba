"""The vague-promise note (P001) at the user's level: ``amends check`` shows it with its span,
its JSON validates against the published schema, dated and triggered promises give none, and a
note changes no label, missing component, score or quality."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from typer.testing import CliRunner

from amends import Config, analyze
from amends.analyzer import Analyzer
from amends.cli import app
from amends.ledger import ledger_rules

SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "schema" / "report.v1.json").read_text("utf-8")
)
PLAIN = {"COLUMNS": "200", "NO_COLOR": "1", "FORCE_COLOR": None, "TERM": "dumb"}
VAGUE = "I'm sorry your parcel is late. We'll be in touch."
runner = CliRunner()


def cli(*args: str):
    return runner.invoke(app, list(args), env=PLAIN)


def test_check_shows_the_vague_promise_with_its_span_and_what_to_write():
    done = cli("check", VAGUE)
    assert done.exit_code == 0, done.output
    line = next(x for x in done.output.splitlines() if x.startswith("P001"))
    assert "follow_up" in line and "“We'll be in touch”" in line
    assert "promises to contact with no time and nothing to wait on." in line
    assert "→ Say when it will happen" in done.output
    line = json.dumps({"text": VAGUE}) + "\n"
    rows = runner.invoke(app, ["analyze", "-", "--format", "text"], input=line, env=PLAIN)
    assert "  31-48 P001 vague-promise [follow_up] “We'll be in touch” promises to contact" in (
        rows.output
    )


def test_check_json_carries_the_note_and_validates_against_the_schema():
    done = cli("check", VAGUE, "--format", "json")
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    registry = Registry().with_resource(SCHEMA["$id"], Resource.from_contents(SCHEMA))
    check = Draft202012Validator({"$ref": SCHEMA["$id"] + "#/$defs/check"}, registry=registry)
    assert [e.message for e in check.iter_errors(report)] == []
    (note,) = [f for f in report["findings"] if f["kind"] == "note"]
    said = ledger_rules().findings["P001"]  # one source of truth: the ledger's words
    assert note == {
        "code": "P001",
        "name": "vague-promise",
        "label": "follow_up",
        "kind": "note",
        "severity": "warning",
        "start": 31,
        "end": 48,
        "match": "We'll be in touch",
        "message": said.message.replace("{match}", "We'll be in touch").replace(
            "{action}", "contact"
        ),
        "suggestions": [said.suggest],
        "why": said.why,
        "confidence": 1.0,
        "pattern": None,
    }
    assert VAGUE[note["start"] : note["end"]] == note["match"]


@pytest.mark.parametrize(
    "text",
    [
        "I'm sorry your parcel is late. I'll email you by Friday.",
        "I'm sorry your parcel is late. I'll update you once it ships.",
        "I'm sorry your parcel is late. I'll check it on Thursday and email you the results.",
        "I'm sorry your parcel is late; that's on us.",
    ],
    ids=["dated", "triggered", "dated-by-the-action-before", "no-promise"],
)
def test_a_promise_with_a_time_or_a_trigger_gives_no_note(text):
    done = cli("check", text, "--format", "json")
    assert done.exit_code == 0, done.output
    assert [f for f in json.loads(done.stdout)["findings"] if f["kind"] == "note"] == []


@pytest.mark.parametrize(
    "text",
    [
        VAGUE,
        "Sorry for any inconvenience. Someone will get back to you. We'll definitely sort it out.",
        "Hi [name], sorry about [the problem]. We'll look into it.",
    ],
)
def test_a_note_changes_no_label_missing_component_score_or_quality(text):
    with_notes = analyze(text)
    without = Analyzer(Config(ignore=("P001",))).analyze(text)
    assert with_notes.notes and not without.notes
    assert [f for f in with_notes.findings if f.kind != "note"] == list(without.findings)
    for field in ("labels", "missing", "score", "quality", "breakdown", "situation"):
        assert getattr(with_notes, field) == getattr(without, field), field


@pytest.mark.parametrize("selector", ["P001", "vague-promise", "P0", "follow_up"])
def test_the_note_is_selected_like_a_rule(selector):
    assert not Analyzer(Config(ignore=(selector,))).analyze(VAGUE).notes
    assert Analyzer(Config(select=("P001",))).analyze(VAGUE).notes
    assert not Analyzer(Config(select=("C1",))).analyze(VAGUE).notes


def test_a_note_in_a_reply_with_slots_quotes_the_reply_as_written():
    text = "Sorry, [name]. We'll be in touch about [the order]."
    (note,) = analyze(text).notes
    assert text[note.start : note.end] == note.match
    assert note.match.startswith("We'll be in touch")


def test_fix_leaves_the_vague_promise_to_the_agent_with_the_suggestion():
    done = cli("fix", VAGUE, "--format", "json")
    assert done.exit_code == 0, done.output
    flags = json.loads(done.stdout)["flags"]
    assert [(f["code"], f["match"]) for f in flags] == [("P001", "We'll be in touch")]
    assert flags[0]["suggest"].startswith("Say when it will happen")
