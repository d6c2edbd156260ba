"""The situation read from a reply and the customer's message: the first-contact signal (a reply
still asking for what is needed, with no cause, fault or fix yet), its examples as data, and
what it changes in the components a reply is measured against."""

from __future__ import annotations

from pathlib import Path

import pytest

from amends import analyze, get_analyzer
from amends.model import Config, Evidence, Situation
from amends.rules import RuleError
from amends.score import load_weights
from amends.situation import load_situation

ANALYZER = get_analyzer(Config())
MODEL = ANALYZER.situation
SOURCE = Path(__file__).parents[1] / "src" / "amends" / "data" / "situation.yaml"
MATCHES = [(s.signal, s.source, t) for s in MODEL.signals for t in s.matches]
MISSES = [(s.signal, s.source, t) for s in MODEL.signals for t in s.misses]
PARCEL = (
    "@jane Sorry to hear your parcel hasn't arrived. Please DM us your order number and "
    "we'll look into it. ^AB"
)


def signals_read(source: str, text: str) -> set[str]:
    """The signals the model reads from ``text`` as the reply or the customer's message alone."""
    doc = ANALYZER.normalise(text)
    if source == "customer":
        situation = MODEL.infer(ANALYZER.normalise(""), doc, ())
    else:
        situation = MODEL.infer(doc, None, ())
    return {e.signal for e in situation.evidence}


@pytest.mark.parametrize(("signal", "source", "text"), MATCHES, ids=[t[:40] for *_, t in MATCHES])
def test_every_signal_example_is_read(signal, source, text):
    assert signal in signals_read("customer" if source == "customer" else "reply", text)


@pytest.mark.parametrize(("signal", "source", "text"), MISSES, ids=[t[:40] for *_, t in MISSES])
def test_every_signal_counter_example_is_not_read(signal, source, text):
    assert signal not in signals_read("customer" if source == "customer" else "reply", text)


def test_every_first_contact_signal_has_examples_both_ways():
    signals = [s for s in MODEL.signals if s.signal == "first_contact"]
    assert signals
    for signal in signals:
        assert signal.source == "reply", signal.where
        assert signal.matches and signal.misses, signal.where


@pytest.mark.parametrize(
    "reply",
    [
        "sorry, could you send me your order number?",
        PARCEL,
        "Can you tell me which store this was?",
        "Please reply with the email address on your account.",
        "Thanks for flagging this. What's the reference on your booking?",
        "Could you send us a screenshot of the error message?",
    ],
)
def test_a_reply_asking_for_details_is_first_contact(reply):
    situation = analyze(reply).situation
    assert situation.first_contact is True
    assert any(e.signal == "first_contact" and e.source == "reply" for e in situation.evidence)


@pytest.mark.parametrize(
    "reply",
    [
        "Sorry your order was late. I've refunded the delivery fee and it ships today.",
        "Let us know if you need anything else.",
        "Please don't hesitate to contact us if you need anything.",
        "Is there anything else I can help with?",
        "Thank you for contacting us.",
    ],
)
def test_a_reply_that_asks_nothing_is_not_first_contact(reply):
    assert analyze(reply).situation.first_contact is False


@pytest.mark.parametrize(
    ("reply", "label"),
    [
        (
            "I'm sorry, I've refunded the second charge. Could you send me a screenshot of your "
            "statement so I can check it's gone?",
            "remedy",
        ),
        (
            "Sorry, a sorting fault in our warehouse sent it to the wrong depot. Could you "
            "confirm your address?",
            "explanation",
        ),
        ("Sorry, that's on us. Could you DM us your order number?", "responsibility"),
    ],
    ids=["gives-a-fix", "states-the-cause", "owns-the-fault"],
)
def test_a_reply_that_asks_and_settles_something_is_not_first_contact(reply, label):
    report = analyze(reply, "My parcel never arrived.")
    assert label in report.labels
    assert report.situation.first_contact is False
    # the words that asked decided nothing, so they are not the situation's evidence
    assert all(e.signal != "first_contact" for e in report.situation.evidence)


def test_labels_found_decide_whether_the_reply_is_past_first_contact():
    doc = ANALYZER.normalise("Could you DM us your order number?")
    assert MODEL.infer(doc, None, ["apology", "acknowledge"]).first_contact is True
    for label in ("responsibility", "explanation", "remedy", "compensation"):
        assert MODEL.infer(doc, None, iter([label])).first_contact is False, label


def test_labels_found_later_end_a_first_contact():
    asked = Evidence("reply", 0, 5, "DM us", "first_contact")
    waited = Evidence("customer", 0, 4, "late", "wait")
    situation = Situation("ours", True, True, (asked, waited), True)
    assert MODEL.past_first_contact_with(situation, {"apology"}) is situation
    settled = MODEL.past_first_contact_with(situation, {"apology", "remedy"})
    assert settled == Situation("ours", True, True, (waited,), False)


def test_situation_keeps_positional_construction_and_shows_first_contact_in_detail():
    situation = Situation("ours", False, True, ())
    assert situation.first_contact is False
    first = Situation("unknown", False, True, (), True)
    assert first.to_dict() == {"cause": "unknown", "wait": False}
    assert first.to_dict(detail=True)["first_contact"] is True
    assert situation.to_dict(detail=True)["first_contact"] is False


# -- what a first contact is measured against -----------------------------------------------


def test_a_first_contact_is_not_told_to_own_a_fault_or_state_a_cause():
    report = analyze(PARCEL, "my parcel never arrived")
    assert report.situation.first_contact is True
    assert report.missing == ("follow_up",)
    for label in ("responsibility", "explanation", "remedy", "empathy", "compensation"):
        assert label not in report.missing
    lines = {line.label for line in report.breakdown.lines}
    assert lines == {"apology", "acknowledge", "follow_up"}


def test_the_same_reply_without_the_request_is_measured_in_full():
    reply = "@jane Sorry to hear your parcel hasn't arrived. ^AB"
    report = analyze(reply, "my parcel never arrived")
    assert report.situation.first_contact is False
    assert {"responsibility", "explanation", "remedy"} <= set(report.missing)


def test_a_first_contact_still_owes_the_apology_and_names_the_problem():
    report = analyze("Could you DM us your order number?", "You charged me twice!")
    assert report.situation.first_contact is True
    assert report.missing == ("apology", "acknowledge", "follow_up")


def test_weights_measure_a_first_contact_against_its_own_components():
    weights = load_weights()
    first = Situation("ours", False, True, (), True)
    assert weights.expected_for(first) == ("apology", "acknowledge", "follow_up")
    assert weights.expected_for(Situation("ours", False, False, (), True)) == ()
    # the customer's own action is known: no apology is owed for it, asking or not
    customer = Situation("customer", False, True, (), True)
    assert weights.expected_for(customer) == weights.expected["customer"]


def test_weights_need_the_first_contact_components(tmp_path):
    source = Path(__file__).parents[1] / "src" / "amends" / "data" / "weights.yaml"
    text = source.read_text(encoding="utf-8")
    missing = tmp_path / "missing.yaml"
    missing.write_text(text.replace("  first_contact: [apology, acknowledge, follow_up]\n", ""))
    with pytest.raises(RuleError, match=r"expected\.first_contact must list component labels"):
        load_weights(missing)
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text(text.replace("  first_contact:", "  first_kontakt:"))
    with pytest.raises(RuleError, match="first_kontakt is neither a cause"):
        load_weights(unknown)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "past_first_contact: [responsibility,",
            "past_first_contact: [ownership,",
            "past_first_contact must list taxonomy labels",
        ),
        ("    examples:\n      match:", "    examples:\n      hits:", "examples takes `match`"),
        ("  - signal: first_contact", "  - signal: first_kontakt", "signal must be one of"),
    ],
)
def test_bad_situation_data_is_reported(tmp_path, old, new, message):
    text = SOURCE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "situation.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RuleError, match=message):
        load_situation(ANALYZER.lexicons, ANALYZER.engine.negator, path)
