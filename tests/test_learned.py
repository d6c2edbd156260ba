"""The learned layer: the shipped model loads offline, answers deterministically, marks real
sentences, stays out of the rules-only path, and is rebuilt byte for byte by ``amends train``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import amends
from amends import Config, analyze, labelled
from amends.analyzer import Analyzer
from amends.cli import app
from amends.learned import LearnedModel, default_path, load_model, words

HARD = Path(__file__).parent / "data" / "hard_cases.jsonl"


def hard_cases() -> list[dict]:
    return [json.loads(line) for line in HARD.read_text(encoding="utf-8").splitlines() if line]


def test_the_shipped_model_loads_and_says_what_it_is():
    model = load_model()
    assert model is not None
    meta = model.meta
    assert len(meta["version"]) == 12 and len(meta["data_hash"]) == 64
    assert meta["trained_on"]["rows"] > 500
    assert set(meta["labels"]) <= set(amends.LABELS)
    assert meta["needed"] is True


def test_a_broken_model_file_is_refused_with_its_name(tmp_path):
    bad = tmp_path / "learned.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match=r"learned\.json: not a valid model file"):
        load_model(bad)
    bad.write_text(json.dumps({"format": 99}), encoding="utf-8")
    with pytest.raises(ValueError, match="model format 99"):
        load_model(bad)


def test_tokens_cover_other_scripts():
    assert words("很抱歉 firefox 變慢") == ["很", "抱", "歉", "firefox", "變", "慢"]
    assert words("mi dispiace, l'app è lenta <link>") == [
        "mi",
        "dispiace",
        "l'app",
        "è",
        "lenta",
        "<link>",
    ]


# Replies (written for these tests) whose fix or promise no rule phrases, but the model reads.
MODEL_READS = [
    (
        "Thank you Stuart, I'll pass this on to the store manager.",
        "The staff at your Leeds store were rude to me.",
    ),
    (
        "You can take it back to the store with proof of purchase and they will have a look "
        "at it for you.",
        "My kettle stopped working after a week.",
    ),
    ("Check the deleted folder and drag the email back to your inbox.", "All my emails vanished!"),
    (
        "Leave it with us and we'll get this sorted for you today.",
        "My refund still hasn't arrived.",
    ),
]


def test_model_findings_are_sentences_of_the_original_text_and_say_they_came_from_the_model():
    cases = MODEL_READS + [(c["reply"], c.get("customer") or None) for c in hard_cases()]
    seen = 0
    for reply, customer in cases:
        report = analyze(reply, customer)
        for f in report.findings:
            if not f.code.startswith("X"):
                continue
            seen += 1
            assert f.name.startswith("model-")
            assert "learned model" in f.why
            assert 0.5 <= f.confidence <= 1.0
            assert f.start is not None and f.end is not None
            assert reply[f.start : f.end] == f.match
            assert f.label in report.labels
    assert seen >= 3, "the model added almost nothing: this test would prove nothing"


def test_the_same_input_gives_the_same_answer():
    case = hard_cases()[14]
    first = analyze(case["reply"], case["customer"]).to_dict(detail=True)
    fresh = Analyzer(Config()).analyze(case["reply"], case["customer"]).to_dict(detail=True)
    assert first == fresh


def test_the_rules_alone_never_carry_model_findings():
    for case in hard_cases()[:60]:
        report = analyze(case["reply"], case.get("customer") or None, Config(model=False))
        assert not [f for f in report.findings if f.code.startswith("X")]


def test_no_score_when_nothing_called_for_an_apology():
    question = analyze(
        "We open at 9am on weekdays and 10am at weekends.",
        customer="What time does the Leeds store open on Saturday?",
    )
    assert question.score is None and question.quality is None
    assert question.to_dict()["score"] is None
    late = analyze(
        "We open at 9am on weekdays and 10am at weekends.",
        customer="My order never arrived and nobody answers the phone.",
    )
    assert isinstance(late.score, int) and late.quality in {1, 2, 3, 4, 5}


def test_the_check_command_says_when_no_score_applies():
    result = CliRunner().invoke(
        app, ["check", "Thanks for asking! We open at 9.", "--customer", "When do you open?"]
    )
    assert result.exit_code == 0, result.output
    assert "score n/a" in result.output


def test_training_is_deterministic_on_the_hard_cases():
    pytest.importorskip("sklearn")
    from amends import train

    rows = [{**case, "company": f"c{i % 7}"} for i, case in enumerate(hard_cases())]
    first, second = train.dump(train.train(rows)), train.dump(train.train(rows))
    assert first == second
    model = LearnedModel(json.loads(first))
    assert model.data_hash == train.data_hash(list(reversed(rows)))
    analyzer = Analyzer(Config(), learned=model)
    report = analyzer.analyze(rows[0]["reply"], rows[0]["customer"])
    assert report.labels


needs_data = pytest.mark.skipif(
    labelled.data_dir() is None, reason="../shared/data (the labelled sets) is not here"
)


@needs_data
def test_amends_train_rebuilds_the_shipped_model_byte_for_byte():
    pytest.importorskip("sklearn")
    before = default_path().read_bytes()
    result = CliRunner().invoke(app, ["train", "--check"])
    assert result.exit_code == 0, result.output
    assert "identical to the shipped model and weights" in result.output
    assert default_path().read_bytes() == before


@needs_data
def test_the_model_never_saw_the_validation_split():
    from amends import train

    held = labelled.validation_ids()
    rows = train.training_rows()
    assert not [r for r in rows if r["id"] in held]
    assert load_model().data_hash == train.data_hash(rows)


def test_eval_leaves_unscored_rows_out_of_the_spearman(tmp_path):
    gold = tmp_path / "gold.jsonl"
    rows = [
        {"reply": "We open at 9am.", "customer": "When do you open?", "quality": 2},
        {"reply": "Sorry for any inconvenience.", "customer": "My order never came.", "quality": 1},
        {"reply": "I'm so sorry your order never came; I've resent it.", "quality": 4},
    ]
    gold.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(gold)])
    assert result.exit_code == 0, result.output
    assert "Spearman(score, quality)" in result.output


def _one_label_model(weights: dict[str, float]) -> LearnedModel:
    """A hand-made model that reads remedy from a few words (idf 1), for span choice."""
    return _model({"remedy": weights})


def _model(weights: dict[str, dict[str, float]]) -> LearnedModel:
    """A hand-made model that reads each label from a few words (idf 1), for span choice."""
    from amends.learned import FORMAT

    codes = {"acknowledge": "X102", "explanation": "X105", "remedy": "X106"}
    rows: dict[str, list[list[float]]] = {}
    for index, label in enumerate(weights):
        for word, w in weights[label].items():
            rows.setdefault(word, []).append([index, w])
    return LearnedModel(
        {
            "format": FORMAT,
            "version": "test",
            "data_hash": "test",
            "trained_on": {},
            "labels": [
                {"label": label, "code": codes[label], "bias": -1.0, "threshold": 0.5}
                for label in weights
            ],
            "idf": {word: 1.0 for word in rows},
            "weights": rows,
        }
    )


def _model_spans(model: LearnedModel, reply: str) -> dict[str, str | None]:
    report = Analyzer(Config(), learned=model).analyze(reply)
    return {f.label: f.match for f in report.findings if f.code.startswith("X")}


def test_a_model_finding_never_quotes_a_greeting_or_an_earlier_message_s_fragment():
    # readers rejected "Hi." and "@221415 2/2 your concerns." quoted as the remedy
    model = _one_label_model({"hi": 3.0, "concerns": 3.0, "technician": 2.0, "modem": 2.0})
    assert _model_spans(model, "Hi Sam Smith. The modem gets a look from us today.") == {
        "remedy": "The modem gets a look from us today."
    }
    reply = (
        "@221415 2/2 your concerns. A technician will be alerted about the modem in the "
        "meantime.^gc https://t.co/2rT0l9N9Cu"
    )
    # quoted without the signature and the link that follow the sentence
    assert _model_spans(model, reply) == {
        "remedy": "A technician will be alerted about the modem in the meantime."
    }


def test_a_sentence_cut_after_an_abbreviation_is_quoted_whole():
    model = _one_label_model({"modem": 2.0})
    reply = "Thanks for the note. A new modem ships in approx. two days from our depot."
    assert _model_spans(model, reply) == {
        "remedy": "A new modem ships in approx. two days from our depot."
    }


def test_no_model_finding_when_no_sentence_carries_the_label():
    # the reply as a whole reads as remedy only through a word pair that spans two sentences:
    # no sentence says it, so there is nothing to quote and no finding
    model = _one_label_model({"modem": -1.0, "router": -1.0, "modem router": 6.0})
    report = Analyzer(Config(), learned=model).analyze("Call the modem. Router is on.")
    assert "remedy" not in report.labels
    assert not [f for f in report.findings if f.code.startswith("X")]


def test_two_model_labels_quote_a_sentence_each_when_the_reply_has_enough():
    # readers rejected the acknowledgement's sentence quoted again as the remedy: each label
    # takes a sentence of its own, shared out so the weights add up best (acknowledge's other
    # sentence keeps 80% of its best's weight; remedy's would keep 40%, too little to move)
    model = _model(
        {
            "acknowledge": {"crash": 2.0, "fix": 2.5},
            "remedy": {"fix": 2.5, "crash": 1.0},
        }
    )
    reply = "The tablet crash happens with version 60. A fix ships in version 61 next week."
    assert _model_spans(model, reply) == {
        "acknowledge": "The tablet crash happens with version 60.",
        "remedy": "A fix ships in version 61 next week.",
    }


def test_a_model_finding_quotes_a_statement_rather_than_a_question_or_a_link():
    # readers rejected a question ("What kind of difficulty did you have?") or a pointer to a
    # link quoted as the remedy: a statement that weighs less is the better span
    analyzer = Analyzer(Config(), learned=_one_label_model({"modem": 2.0, "firmware": 3.0}))
    reply = (
        "Is the modem firmware from May? The modem gets a note from us. "
        "Firmware notes: https://example.com/modem"
    )
    found = [f for f in analyzer.analyze(reply).findings if f.code == "X106"]
    assert [f.match for f in found] == ["The modem gets a note from us."]
    only_questions = analyzer.analyze("Is the modem firmware from May? Is the modem on?")
    assert "remedy" in only_questions.labels  # no statement to quote: the label still stands


def test_a_model_finding_never_quotes_a_sentence_the_label_s_rules_rule_out():
    # the fourth review rejected "I've passed your lovely comments on" and "Aggiorna il
    # commento se funziona" (update the review) quoted as the remedy: the remedy rules' exceptions
    # say such sentences are no step, so the model quotes another sentence, or nothing
    model = _one_label_model({"passed": 3.0, "comments": 3.0, "modem": 4.0})
    assert _model_spans(model, "I've passed your lovely comments on. The modem is here.") == {
        "remedy": "The modem is here."
    }
    assert _model_spans(model, "That's great Melissa! I've passed your lovely comments on :)") == {}
    review = _one_label_model({"commento": 3.0, "provato": 4.0})
    reply = "Hai provato con l'ultima versione? Aggiorna il commento se funziona."
    assert _model_spans(review, reply) == {"remedy": "Hai provato con l'ultima versione?"}
