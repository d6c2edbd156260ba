"""Slots ("[the cause, in one sentence]") are gaps, not content: found from data, blanked before
anything reads the reply, listed in the report, and the reply called unfinished."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import amends
from amends import Analyzer, Config, get_analyzer
from amends.cli import app
from amends.datafile import DataError
from amends.model import Finding
from amends.slots import SlotFinder, blank, load_slot_finder, quote_original, slot_finder

PLAIN = {"COLUMNS": "100", "NO_COLOR": "1", "FORCE_COLOR": None, "TERM": "dumb"}
TEMPLATE = (
    "I'm sorry. [Own the fault if it was ours: \"That's on us.\"] This happened because "
    "[the cause, in one sentence]. I've [the concrete step taken to fix it]."
)


def slots_in(text: str) -> list[str]:
    return [text[start:end] for start, end in slot_finder().find(text)]


# -- finding slots -----------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), slot_finder().examples, ids=lambda x: str(x)[:40])
def test_every_example_in_the_data_file_finds_its_slots(text, expected):
    assert slots_in(text) == list(expected)


def test_the_data_file_has_examples_with_and_without_slots():
    examples = slot_finder().examples
    assert any(slots for _, slots in examples) and any(not slots for _, slots in examples)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm sorry [what went wrong].", ["[what went wrong]"]),
        ("Read [the steps](https://example.com) first.", []),  # a Markdown link
        ("As noted in [1], it is fixed.", []),  # citation-like
        ("Sorry [2] [b2]", ["[b2]"]),  # a digit alone is not enough; a letter is
        ("[outer [inner] words]", ["[outer [inner] words]"]),  # one level of nesting
        ("[a [b [c] d] e]", ["[b [c] d]"]),  # deeper: the innermost two levels are the slot
        ("Sorry [the cause", []),  # unbalanced
        ("the cause] sorry", []),
        ("[[the cause]", ["[the cause]"]),
        ("[the cause]]", ["[the cause]"]),
        ("[first\nline]", []),  # on one line
        ("Sorry, ^[SP]", []),  # an agent's initials
        ("[Ünïcode nàme] and [名前]", ["[Ünïcode nàme]", "[名前]"]),
        ("No brackets at all.", []),
    ],
)
def test_what_is_and_is_not_a_slot(text, expected):
    assert slots_in(text) == expected


def test_blanking_keeps_every_offset():
    text = "Hi [name], sorry for the [thing]!"
    blanked = blank(text, slot_finder().find(text))
    assert blanked == "Hi       , sorry for the        !"
    assert len(blanked) == len(text)
    assert blank(text, ()) == text


def test_a_slot_file_is_checked_when_loaded(tmp_path):
    bad = tmp_path / "slots.yaml"
    bad.write_text("pattern: '['\nholds: 'x'\nexamples:\n  - text: a\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"slots\.yaml:1: bad pattern"):
        load_slot_finder(bad)
    bad.write_text("pattern: 'x'\nholds: 'x'\ncolour: red\nexamples: [{text: a}]\n")
    with pytest.raises(DataError, match="unknown key 'colour'"):
        load_slot_finder(bad)
    bad.write_text("pattern: 'x'\nholds: 'x'\nexamples:\n  - text: a\n    slot: [b]\n")
    with pytest.raises(DataError, match=r"slots\.yaml:4 \(examples\[0\]\): unknown key 'slot'"):
        load_slot_finder(bad)


# -- the analysis reads slots as gaps ------------------------------------------------------------
@pytest.mark.parametrize("model", [True, False], ids=["learned", "rules"])
def test_the_template_is_unfinished_and_its_slots_count_for_nothing(model):
    report = get_analyzer(Config(model=model)).analyze(TEMPLATE)
    assert report.unfinished
    assert report.slot_texts == (
        '[Own the fault if it was ours: "That\'s on us."]',
        "[the cause, in one sentence]",
        "[the concrete step taken to fix it]",
    )
    assert report.text == TEMPLATE
    assert "responsibility" not in report.labels
    assert "remedy" not in report.labels  # the learned layer read the slot as a remedy
    for f in report.findings:
        if f.start is not None:
            assert not any(s <= f.start and f.end <= e for s, e in report.slots), f


@pytest.mark.parametrize("model", [True, False], ids=["learned", "rules"])
@pytest.mark.parametrize(
    ("filled", "labels"),
    [
        ("[That's on us: we charged you twice.]", {"responsibility"}),
        ("[I've refunded the charge and added a $20 credit.]", {"remedy", "compensation"}),
        ("[Calm down, this will never happen again.]", {"confrontational", "empty_promise"}),
    ],
)
def test_a_slot_around_a_would_be_finding_is_not_that_finding(model, filled, labels):
    analyzer = get_analyzer(Config(model=model))
    written = analyzer.analyze("Sorry for the double charge. " + filled[1:-1])
    assert labels <= set(written.labels)
    left = analyzer.analyze("Sorry for the double charge. " + filled)
    assert not labels & set(left.labels)
    assert left.unfinished and not written.unfinished


def test_text_around_a_slot_still_counts():
    report = amends.analyze("I'm sorry [what went wrong].")
    assert report.has("apology")
    assert report.slot_texts == ("[what went wrong]",)


def test_findings_after_a_slot_have_the_right_offsets():
    text = "[Customer name], we charged you twice and I'm sorry. That's on us."
    report = amends.analyze(text)
    spans = [f for f in report.findings if f.start is not None]
    assert spans
    for f in spans:
        assert text[f.start : f.end] == f.match
    sorry = next(f for f in spans if f.label == "apology")
    assert sorry.start == text.index("sorry")
    owned = next(f for f in spans if f.match == "That's on us")
    assert owned.start == text.index("That's on us")


def test_a_finding_across_a_slot_quotes_the_original_words():
    text = "Sorry your order [order number] arrived two weeks late."
    report = amends.analyze(text, "My order arrived two weeks late!")
    across = [f for f in report.findings if f.match and "[order number]" in f.match]
    assert across, report.findings
    for f in across:
        assert f.match == text[f.start : f.end]
        assert "[order number]" in f.message
    waited = amends.analyze("Sorry [name] for the long wait.")
    reply = [e for e in waited.situation.evidence if e.source == "reply"]
    assert [e.match for e in reply] == ["Sorry [name] for the long wait"]


def test_quoting_the_original_fixes_the_message_and_suggestions_too():
    original = "sorry [x] for"
    blanked = "sorry     for"
    f = Finding(
        "M101",
        "n",
        "vague_apology",
        "mistake",
        "warning",
        f"“{blanked}” is vague.",
        0,
        13,
        blanked,
        (f"Not “{blanked}”.",),
    )
    kept = Finding("C101", "n", "apology", "component", "info", "m", 0, 5, "sorry")
    quoted = quote_original([f, kept], original)
    assert quoted[0].match == original
    assert quoted[0].message == f"“{original}” is vague."
    assert quoted[0].suggestions == (f"Not “{original}”.",)
    assert quoted[1] is kept


def test_the_score_is_the_score_of_the_reply_without_the_slots():
    report = get_analyzer().analyze(TEMPLATE)
    # an unfinished reply is judged by the rules alone: the model weighs whole replies
    empty = get_analyzer(Config(model=False)).analyze(blank(TEMPLATE, report.slots))
    assert (report.score, report.quality, report.labels) == (
        empty.score,
        empty.quality,
        empty.labels,
    )
    assert not empty.unfinished


def test_a_reply_without_brackets_never_looks_for_slots(monkeypatch):
    def refuse(self, text):
        raise AssertionError("looked for slots in a text with no '['")

    monkeypatch.setattr(SlotFinder, "find", refuse)
    report = Analyzer().analyze("Sorry for the wait; that's on us.")
    assert report.slots == () and not report.unfinished


def test_the_wire_format_lists_the_slots():
    report = amends.analyze("Hi [name], sorry for the wait.")
    data = report.to_dict()
    assert data["unfinished"] is True
    assert data["slots"] == [{"start": 3, "end": 9, "text": "[name]"}]
    none = amends.analyze("Sorry for the wait.").to_dict(detail=True)
    assert none["unfinished"] is False and none["slots"] == []


# -- output ----------------------------------------------------------------------------------------
def test_check_says_the_reply_is_unfinished():
    result = CliRunner().invoke(app, ["check", TEMPLATE], env=PLAIN)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("score "))
    assert lines[at + 1].startswith("unfinished: 3 slots to fill: [Own the fault")
    shown = " ".join(line.strip() for line in lines[at + 1 : at + 4])
    assert "[the cause, in one sentence], [the concrete step taken to fix it]" in shown


def test_check_without_slots_says_nothing_about_them():
    result = CliRunner().invoke(app, ["check", "Sorry for the wait."], env=PLAIN)
    assert result.exit_code == 0, result.output
    assert "unfinished" not in result.stdout


def test_check_json_shows_the_slots():
    result = CliRunner().invoke(app, ["check", TEMPLATE, "--format", "json"], env=PLAIN)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["unfinished"] is True
    assert [s["text"] for s in data["slots"]] == [
        '[Own the fault if it was ours: "That\'s on us."]',
        "[the cause, in one sentence]",
        "[the concrete step taken to fix it]",
    ]
    for s in data["slots"]:
        assert TEMPLATE[s["start"] : s["end"]] == s["text"]


def test_analyze_text_says_which_rows_are_unfinished():
    rows = [{"id": "a", "text": "Hi [name], sorry."}, {"id": "b", "text": "Sorry."}]
    stdin = "".join(json.dumps(r) + "\n" for r in rows)
    result = CliRunner().invoke(app, ["analyze", "-", "--format", "text"], input=stdin, env=PLAIN)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1] == "  unfinished: 1 slot to fill: [name]"
    assert sum("unfinished" in line for line in lines) == 1
