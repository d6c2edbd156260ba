"""``amends eval`` as a user sees it: labelled sets by name or file, side by side; per-label
figures with support; macro-F1 over the labels with enough gold positives; Spearman over the
rows with a gold quality and a score; whether an apology was needed; and refusals when there is
nothing to measure against."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import amends
from amends import LABELS, labelled
from amends.analyzer import Analyzer
from amends.cli import app
from amends.evaluate import MIN_SUPPORT

VAGUE = "Sorry for any inconvenience."
RUDE = "Calm down."
GOOD = (
    "Hi Sam, sorry your parcel is three days late. It was held at our Leeds depot after a "
    "sorting fault on our side, and that's on us. I've sent it out on this morning's van, so it "
    "will reach you tomorrow before noon, and I've refunded your £4.99 delivery fee. I'll message "
    "you tomorrow at 1pm to make sure it arrived. Thanks for your patience."
)
PLAIN = {"COLUMNS": "200", "NO_COLOR": "1", "FORCE_COLOR": None, "TERM": "dumb"}
runner = CliRunner()


def amends_eval(*args: str, env: dict | None = None):
    return runner.invoke(app, ["eval", *args], env={**PLAIN, **(env or {})})


def gold_rows() -> list[dict]:
    none = dict.fromkeys(LABELS, 0)
    return [
        {**none, "id": "g1", "reply": VAGUE, "apology": 1, "vague_apology": 1, "quality": 2},
        {**none, "id": "g2", "reply": RUDE, "confrontational": 1, "quality": 1},
        {
            **none,
            "id": "g3",
            "reply": GOOD,
            "customer": "My parcel was due Monday and it's now Thursday.",
            "apology": 1,
            "acknowledge": 1,
            "responsibility": 1,
            "explanation": 1,
            "remedy": 1,
            "follow_up": 1,
            "compensation": 1,
            "gratitude": 1,
            "cause": "ours",
            "wait": 1,
            "quality": 5,
        },
        {**none, "id": "g4", "reply": "Thank you for contacting us.", "quality": None},
    ]


def write(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def gold(tmp_path) -> Path:
    return write(tmp_path / "gold.jsonl", gold_rows())


def as_json(*args: str) -> list[dict]:
    result = amends_eval(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# -- one file --------------------------------------------------------------------------------


def test_eval_text_prints_the_table_macro_f1_spearman_and_apology_needed(gold):
    result = amends_eval(str(gold))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert re.search(r"label\s+precision\s+recall\s+F1\s+support", out)
    for label in LABELS:
        assert re.search(rf"^{label}\s+\d\.\d{{3}}\s+\d\.\d{{3}}\s+\d\.\d{{3}}\s+\d+$", out, re.M)
    apology_row = next(x for x in out.splitlines() if x.split()[:1] == ["apology"])
    assert apology_row.split()[-1] == "2"  # support comes from the gold labels
    assert re.search(r"^rows\s+4$", out, re.M)
    assert re.search(r"^macro-F1 components\s+n/a$", out, re.M)  # no label has 5 positives
    assert re.search(r"^  over\s+0 of 9 labels$", out, re.M)
    assert re.search(r"^Spearman\(score, quality\)\s+-?\d\.\d{3}$", out, re.M)
    assert re.search(r"^  over rows with a quality and a score\s+3$", out, re.M)
    assert re.search(r"^  rated rows amends gave no score\s+0$", out, re.M)
    assert re.search(r"^apology needed: precision\s+\d\.\d{3}$", out, re.M)
    assert "left out of macro-F1 for fewer than 5 gold positives: apology (2)" in out


def test_eval_json_is_one_object_per_set(gold):
    (data,) = as_json(str(gold))
    assert data["set"] == str(gold)
    assert data["rows"] == 4
    assert set(data["labels"]) == set(LABELS)
    assert data["labels"]["apology"]["support"] == 2
    assert data["labels"]["confrontational"]["support"] == 1
    assert data["min_support"] == MIN_SUPPORT == 5
    assert data["macro_f1_components"] is None and data["macro_f1_mistakes"] is None
    assert set(data["macro_f1_left_out"]) == set(LABELS)
    # a rude one-liner, a stock apology and a model reply are clear-cut to rank
    assert data["spearman_score_quality"] > 0
    assert data["spearman_rows"] == 3 and data["rated_without_score"] == 0
    assert data["apology_needed"]["support"] == 3  # gold qualities that are not null
    assert data["skipped"] == []


def test_macro_f1_counts_only_labels_with_five_gold_positives(tmp_path):
    none = dict.fromkeys(LABELS, 0)
    rows = [
        {**none, "id": f"v{i}", "reply": VAGUE, "apology": 1, "vague_apology": 1} for i in range(5)
    ]
    rows.append({**none, "id": "r", "reply": RUDE, "confrontational": 1})
    path = write(tmp_path / "gold.jsonl", rows)
    (data,) = as_json(str(path))
    assert data["labels"]["apology"]["support"] == 5
    assert data["macro_f1_components"] == data["labels"]["apology"]["f1"]
    assert data["macro_f1_mistakes"] == data["labels"]["vague_apology"]["f1"]
    assert "confrontational" in data["macro_f1_left_out"]
    assert "apology" not in data["macro_f1_left_out"]
    text = amends_eval(str(path)).stdout
    assert re.search(r"^  over\s+1 of 9 labels$", text, re.M)
    assert re.search(
        r"left out of macro-F1 for fewer than 5 gold positives: .*confrontational \(1\)", text
    )


def test_a_label_no_row_carries_has_no_figures_rather_than_perfect_ones(tmp_path):
    path = write(tmp_path / "gold.jsonl", [{"reply": RUDE, "confrontational": 1, "apology": 0}])
    (data,) = as_json(str(path))
    assert data["labels"]["empathy"] == {
        "precision": None,
        "recall": None,
        "f1": None,
        "support": 0,
    }
    assert data["labels"]["apology"]["support"] == 0 and data["labels"]["apology"]["f1"] == 1.0
    assert re.search(r"^empathy\s+n/a\s+n/a\s+n/a\s+0$", amends_eval(str(path)).stdout, re.M)


def test_rows_may_hold_the_reply_in_text(tmp_path, gold):
    as_text = [{("text" if k == "reply" else k): v for k, v in r.items()} for r in gold_rows()]
    path = write(tmp_path / "text.jsonl", as_text)
    (by_reply,) = as_json(str(gold))
    (by_text,) = as_json(str(path))
    assert {**by_text, "set": ""} == {**by_reply, "set": ""}


def test_apology_needed_is_breakdown_needed_against_a_gold_quality(tmp_path):
    rows = [
        {"id": "a", "reply": "Thanks for getting in touch.", "apology": 0, "quality": None},
        {
            "id": "b",
            "reply": VAGUE,
            "customer": "You charged me twice!",
            "apology": 1,
            "quality": 2,
        },
        {
            "id": "c",
            "reply": "Thanks.",
            "customer": "You charged me twice!",
            "apology": 0,
            "quality": 1,
        },
        {"id": "d", "reply": RUDE, "confrontational": 1},  # no quality: not counted
    ]
    (data,) = as_json(str(write(tmp_path / "gold.jsonl", rows)))
    got = [amends.analyze(r["reply"], r.get("customer")).breakdown.needed for r in rows[:3]]
    gold = [r["quality"] is not None for r in rows[:3]]
    tp = sum(g and p for g, p in zip(gold, got, strict=True))
    assert data["apology_needed"]["support"] == 2
    assert data["apology_needed"]["recall"] == round(tp / 2, 3)


def test_spearman_leaves_out_rated_rows_amends_gave_no_score(gold, monkeypatch):
    """The score is becoming None when no apology was needed: such rows leave Spearman and
    are counted."""
    analyze = Analyzer.analyze

    def no_score_without_apology(self, text, customer=None):
        report = analyze(self, text, customer)
        return report if "apology" in report.labels else dataclasses.replace(report, score=None)

    monkeypatch.setattr(Analyzer, "analyze", no_score_without_apology)
    (data,) = as_json(str(gold))
    # g2 ("Calm down.", quality 1) has no apology: no score
    assert data["spearman_rows"] == 2
    assert data["rated_without_score"] == 1
    out = amends_eval(str(gold)).stdout
    assert re.search(r"^  rated rows amends gave no score\s+1$", out, re.M)


# -- refusals and skipped rows ---------------------------------------------------------------


@pytest.mark.parametrize(
    "rows",
    [
        [{"text": RUDE}, {"text": VAGUE, "id": 2}],
        [{"reply": RUDE, "customer": "Where is my order?"}],
    ],
    ids=["text-only", "reply-and-customer"],
)
def test_a_file_without_labels_is_refused(tmp_path, rows):
    path = write(tmp_path / "replies.jsonl", rows)
    result = amends_eval(str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{path}: none of its {len(rows)} row(s) carries a taxonomy label" in result.stderr
    assert "amends analyze" in result.stderr
    assert amends_eval(str(path), "--format", "json").exit_code == 2


def test_an_empty_file_is_refused(tmp_path):
    result = amends_eval(str(write(tmp_path / "empty.jsonl", [])))
    assert result.exit_code == 2
    assert "no rows to evaluate" in result.stderr


def test_eval_reports_skipped_lines_and_misjudged_ids(gold):
    with gold.open("a", encoding="utf-8") as handle:
        handle.write("not json\n")
        handle.write('{"id": "g9", "text": "no labels here"}\n')
        handle.write('{"id": "g10", "note": "no reply"}\n')
    result = amends_eval(str(gold), "--errors", "confrontational")
    assert result.exit_code == 0, result.output
    assert "skipped line 5: not valid JSON" in result.stdout
    assert "skipped line 6: no taxonomy labels" in result.stdout
    assert "skipped line 7: needs a string 'reply' (or 'text')" in result.stdout
    assert "confrontational: false positives" in result.stdout
    assert "confrontational: false negatives" in result.stdout


def test_eval_errors_for_an_unknown_label_a_missing_file_and_an_unknown_set(gold, tmp_path):
    bad_label = amends_eval(str(gold), "--errors", "rudeness")
    assert bad_label.exit_code == 2
    assert "'rudeness' is not a taxonomy label" in bad_label.stderr
    missing = amends_eval(str(tmp_path / "none.jsonl"))
    assert missing.exit_code == 2
    assert "none.jsonl: no such file" in missing.stderr
    unknown = amends_eval("devv")
    assert unknown.exit_code == 2
    assert "devv: no such file, nor a labelled set (dev, validation" in unknown.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"reply": "Calm \xff down."}\n', "line 1: not valid UTF-8"),
        (b'{"reply": "' + b"a" * 1_000_001 + b'", "quality": 1}\n', "1,000,000 characters"),
        (b'{"reply": "Calm down.", "customer": 5}\n', "'customer' must be a string"),
        (b'{"reply": "Calm down.", "quality": "high"}\n', "'high'"),
        (b'{"reply": "Calm down.", "confrontational": "0"}\n', "must be 0 or 1"),
    ],
    ids=["not-utf8", "too-long", "customer-not-string", "quality-not-a-number", "label-string"],
)
def test_eval_skips_a_row_it_cannot_use_with_its_reason_and_scores_the_rest(
    tmp_path, content, message
):
    path = tmp_path / "gold.jsonl"
    path.write_bytes(content + b'{"reply": "Calm down.", "confrontational": 1}\n')
    result = amends_eval(str(path))
    assert result.exit_code == 0, result.stderr
    assert "skipped line 1:" in result.stdout
    assert message in result.stdout
    assert re.search(r"^rows\s+1$", result.stdout, re.M)


# -- several sets, by name or file -----------------------------------------------------------


def test_several_files_side_by_side_one_column_pair_each(gold, tmp_path):
    other = write(tmp_path / "other.jsonl", gold_rows()[:2])
    result = amends_eval(str(gold), str(other))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert str(gold) in lines[0] and str(other) in lines[0]
    assert lines[1].split() == ["label", "F1", "support", "F1", "support"]
    apology = next(x for x in lines if x.split()[:1] == ["apology"])
    assert apology.split()[2::2] == ["2", "1"]  # support in each set
    assert re.search(r"^rows\s+4\s+2$", result.stdout, re.M)
    data = as_json(str(gold), str(other))
    assert [d["set"] for d in data] == [str(gold), str(other)]
    assert [d["rows"] for d in data] == [4, 2]


def needs_shared_data() -> None:
    if labelled.data_dir() is None:
        pytest.skip("the shared data folder (../shared/data) is not here")


def test_eval_without_arguments_measures_dev_and_validation_side_by_side():
    needs_shared_data()
    result = amends_eval()
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0].split()
    assert header == ["dev", "validation"]
    assert re.search(r"^rows\s+418\s+\d+$", result.stdout, re.M)
    assert re.search(r"^macro-F1 components\s+\d\.\d{3}\s+\d\.\d{3}$", result.stdout, re.M)


def test_a_set_by_name_as_json():
    needs_shared_data()
    (dev,) = as_json("dev")
    assert dev["set"] == "dev" and dev["rows"] == 418
    assert dev["labels"]["apology"]["support"] > 100


def test_a_set_whose_data_is_absent_is_skipped_with_a_message(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    write(data / "dev_gold.jsonl", gold_rows())  # a dev set, and no pool for validation
    monkeypatch.chdir(tmp_path)
    env = {"AMENDS_DATA": str(data), "AMENDS_REPO": str(tmp_path / "repo")}
    result = amends_eval(env=env)
    assert result.exit_code == 0, result.output
    assert re.search(r"amends: skipped validation: .+", result.stderr)
    assert re.search(r"^rows\s+4$", result.stdout, re.M)
    (data_json,) = json.loads(amends_eval("--format", "json", env=env).stdout)
    assert data_json["set"] == "dev"


def test_nothing_to_evaluate_when_no_set_is_here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = {"AMENDS_DATA": str(tmp_path / "none"), "AMENDS_REPO": str(tmp_path / "repo")}
    result = amends_eval(env=env)
    assert result.exit_code == 2
    assert "skipped dev: the shared data folder was not found" in result.stderr
    assert "nothing to evaluate" in result.stderr
