"""The published JSON Schemas (``schema/``) describe what the commands really print: analyze rows
(reports and errors), check's report with its extra fields, and eval's objects. Real outputs are
validated, and the schemas' enumerations are checked against the library's constants."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from typer.testing import CliRunner

from amends import COMPONENTS, LABELS, SCHEMA_VERSION
from amends.cli import app
from amends.model import CAUSES, FINDING_KINDS

SCHEMAS = Path(__file__).resolve().parent.parent / "schema"
REPORT = json.loads((SCHEMAS / "report.v1.json").read_text(encoding="utf-8"))
EVAL = json.loads((SCHEMAS / "eval.v1.json").read_text(encoding="utf-8"))
REGISTRY = Registry().with_resources(
    [(s["$id"], Resource.from_contents(s)) for s in (REPORT, EVAL)]
)
PLAIN = {"COLUMNS": "200", "NO_COLOR": "1", "FORCE_COLOR": None, "TERM": "dumb"}
runner = CliRunner()

ROWS = [
    {"id": "a", "text": "Sorry for any inconvenience, but we're very busy. Calm down."},
    {"id": 2, "text": "Thanks for getting in touch.", "customer": "You charged me twice!"},
    {"text": "😞 Désolé — that's on us. I've refunded the £4.99 and I'll call you at 5pm."},
    {"id": None, "text": "Thank you for contacting us."},
    {"id": {"ticket": 7}, "text": ""},
    {"id": "slots", "text": "Hi [name], I'm sorry: [the cause, in one sentence]."},
    {"id": "vague", "text": "Sorry about the delay. We'll be in touch."},
]


def validator(ref: str) -> Draft202012Validator:
    """A validator for a part of a published schema, referenced by its $id as a user would."""
    return Draft202012Validator({"$ref": ref}, registry=REGISTRY)


def errors(ref: str, instance: object) -> list[str]:
    return [e.message for e in validator(ref).iter_errors(instance)]


def cli(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input, env=PLAIN)


@pytest.mark.parametrize("schema", [REPORT, EVAL], ids=["report", "eval"])
def test_the_schemas_are_valid_draft_2020_12(schema):
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_schema_agrees_with_the_library():
    defs = REPORT["$defs"]
    assert defs["label"]["enum"] == list(LABELS)
    assert defs["component"]["enum"] == list(COMPONENTS)
    assert defs["findingFields"]["properties"]["kind"]["enum"] == list(FINDING_KINDS)
    assert defs["situationFields"]["properties"]["cause"]["enum"] == list(CAUSES)
    assert defs["reportFields"]["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    assert REPORT["$id"].endswith(f"v{SCHEMA_VERSION}")
    assert set(EVAL["$defs"]["evaluation"]["properties"]["labels"]["required"]) == set(LABELS)


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_every_analyze_row_validates_reports_and_errors(fmt):
    stdin = "".join(json.dumps(r) + "\n" for r in ROWS) + "not json\n"
    result = cli("analyze", "-", "--format", fmt, input=stdin)
    assert result.exit_code == 1  # two rows rejected
    rows = (
        json.loads(result.stdout)
        if fmt == "json"
        else [json.loads(x) for x in result.stdout.splitlines()]
    )
    assert len(rows) == len(ROWS) + 1
    for row in rows:
        assert errors(REPORT["$id"], row) == [], row
    kinds = {f["kind"] for row in rows for f in row.get("findings", [])}
    assert kinds == {"component", "mistake", "missing", "note"}
    assert sum("error" in row for row in rows) == 2
    assert [row["unfinished"] for row in rows if "error" not in row] == [
        False,
        False,
        False,
        False,
        True,
        False,
    ]
    vague = next(row for row in rows if row.get("id") == "vague")
    notes = [f for f in vague["findings"] if f["kind"] == "note"]
    assert [(f["code"], f["label"], f["match"]) for f in notes] == [
        ("P001", "follow_up", "We'll be in touch")
    ]


def test_a_csv_row_validates_too():
    result = cli("analyze", "-", input="id,text\nx,Calm down.\ny,\n")
    for line in result.stdout.splitlines():
        assert errors(REPORT["$id"], json.loads(line)) == []


@pytest.mark.parametrize(
    "text", [ROWS[0]["text"], ROWS[5]["text"], ROWS[6]["text"]], ids=["plain", "slots", "vague"]
)
@pytest.mark.parametrize("customer", [None, "I waited 3 hours for a refund that never came!"])
def test_check_json_validates_as_the_report_plus_its_named_extras(customer, text):
    args = ["check", text, "--format", "json"]
    result = cli(*args, *(["--customer", customer] if customer else []))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert errors(REPORT["$id"] + "#/$defs/check", report) == []
    # the extras are what tells the two apart: without them it is an analyze report
    assert errors(REPORT["$id"], report)
    plain = {k: v for k, v in report.items() if k not in ("breakdown", "model")}
    plain["findings"] = [
        {k: v for k, v in f.items() if k not in ("why", "confidence", "pattern")}
        for f in report["findings"]
    ]
    plain["situation"] = {k: report["situation"][k] for k in ("cause", "wait")}
    assert errors(REPORT["$id"], plain) == []


def test_check_json_of_a_first_contact_validates():
    reply = "Sorry your parcel hasn't arrived. Could you DM us your order number?"
    result = cli("check", reply, "--customer", "My parcel never arrived.", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["situation"]["first_contact"] is True
    assert errors(REPORT["$id"] + "#/$defs/check", report) == []
    del report["situation"]["first_contact"]
    assert any(
        "'first_contact' is a required property" in e
        for e in errors(REPORT["$id"] + "#/$defs/check", report)
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: r.update(score=101), "101 is greater than the maximum of 100"),
        (lambda r: r.update(quality=0), "0 is less than the minimum of 1"),
        (lambda r: r.update(colour="red"), "Unevaluated properties are not allowed"),
        (lambda r: r["labels"].append("rudeness"), "'rudeness' is not one of"),
        (lambda r: r["findings"][0].update(start=None), "None is not of type 'integer'"),
        (lambda r: r.pop("slots"), "'slots' is a required property"),
        (lambda r: r.update(unfinished=True), "False was expected"),
        (lambda r: r["slots"].append({"start": 0, "end": 4, "text": "Sorr"}), "does not match"),
        (
            lambda r: r["slots"].append({"start": 0, "end": 6, "text": "[name]"}),
            "True was expected",
        ),
    ],
    ids=[
        "score",
        "quality",
        "extra-field",
        "label",
        "offsets",
        "no-slots",
        "unfinished-without-slots",
        "slot-text",
        "slots-but-finished",
    ],
)
def test_the_schema_rejects_what_amends_never_prints(change, expected):
    result = cli("analyze", "-", input=json.dumps(ROWS[0]) + "\n")
    report = json.loads(result.stdout)
    assert errors(REPORT["$id"] + "#/$defs/report", report) == []
    change(report)
    assert any(expected in e for e in errors(REPORT["$id"] + "#/$defs/report", report))


def test_a_null_score_is_allowed():
    result = cli("analyze", "-", input=json.dumps(ROWS[3]) + "\n")
    report = json.loads(result.stdout)
    report["score"] = None  # when no apology was needed
    assert errors(REPORT["$id"], report) == []


def test_eval_json_validates(tmp_path):
    none = dict.fromkeys(LABELS, 0)
    rows = [
        {**none, "id": "g1", "reply": "Sorry for any inconvenience.", "apology": 1, "quality": 2},
        {**none, "id": "g2", "reply": "Calm down.", "confrontational": 1, "quality": 1},
        {"id": "g3", "text": "Thank you for contacting us.", "quality": None, "wait": 0},
        {"id": "g4", "text": "no labels"},
    ]
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = cli("eval", str(gold), str(gold), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data) == 2
    assert errors(EVAL["$id"], data) == []


def test_eval_json_of_the_named_sets_validates():
    from amends import labelled

    if labelled.data_dir() is None:
        pytest.skip("the shared data folder (../shared/data) is not here")
    result = cli("eval", "dev", "validation", "--format", "json")
    assert result.exit_code == 0, result.output
    assert errors(EVAL["$id"], json.loads(result.stdout)) == []
