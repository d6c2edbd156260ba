"""``advise``: the posture for a case, its reasons and principles, compensation advice and the
long-wait technique; the decision data and its validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from amends import MISTAKES
from amends.advise import (
    POSTURES,
    Case,
    CaseError,
    PastContact,
    advice_data,
    advise,
    infer_facts,
    load_advice,
)
from amends.datafile import DataError
from amends.model import COMPONENTS

DATA = advice_data()
EXAMPLES = [(r.code, e) for r in DATA.rules for e in r.examples]


@pytest.mark.parametrize(
    ("code", "example"), EXAMPLES, ids=[f"{c}-{i}" for i, (c, _) in enumerate(EXAMPLES)]
)
def test_every_rule_example_gets_its_posture(code, example):
    advice = advise(example.case)
    assert advice.posture == example.posture, example.case
    assert advice.reasons[0].code == code


def test_every_posture_is_reachable_and_every_rule_has_examples():
    assert {r.posture for r in DATA.rules} == set(POSTURES)
    for rule in DATA.rules:
        assert rule.examples, rule.code
        assert rule.principle and rule.reason


# -- the hard cases --------------------------------------------------------------------------


def test_a_storm_gets_regret_without_blame_and_no_compensation():
    advice = advise(
        "The storm knocked out power to our street and my fridge full of food is ruined. "
        "When will it be back?"
    )
    assert advice.posture == "regret_without_blame"
    assert "responsibility" in advice.omit
    assert {"apology", "empathy", "explanation", "follow_up"} <= set(advice.required)
    assert "blame_shift" in advice.avoid
    assert advice.compensation.offer is False
    assert "outside cause" in advice.compensation.why
    assert "storm" in advice.reasons[0].reason


def test_a_supplier_failure_gets_regret_without_blame():
    advice = advise(
        Case(customer="My sofa is three weeks late and you say your supplier's factory had a fire?")
    )
    assert advice.posture == "regret_without_blame"
    assert advice.facts is not None and advice.facts.cause == "outside"
    assert "responsibility" not in advice.required


def test_an_injury_claim_gets_legal_review():
    advice = advise(
        "I slipped on a wet floor in your Leeds store, broke my wrist and I'm speaking to my "
        "solicitor."
    )
    assert advice.posture == "legal_review"
    assert "legal_risk" in advice.avoid
    assert "responsibility" in advice.omit and "explanation" in advice.omit
    assert set(advice.required) == {"apology", "empathy", "follow_up"}
    assert advice.compensation.offer is False
    assert "legal" in advice.compensation.why
    assert "solicitor" in advice.reasons[0].reason
    assert "liability" in advice.reasons[0].principle


def test_a_third_failure_for_the_same_customer_escalates_and_compensates():
    advice = advise(
        Case(
            customer="The engineer has cancelled my installation on the day again.",
            prior_failures=2,
        )
    )
    assert advice.posture == "repeat_failure"
    assert "compensation" in advice.required and "remedy" in advice.required
    assert advice.compensation.offer is True
    assert "repeated" in advice.compensation.why
    assert "empty_promise" in advice.avoid
    assert "let down twice before" in advice.reasons[0].reason
    assert "Maxham & Netemeyer" in advice.reasons[0].principle


def test_a_third_failure_is_inferred_from_the_message():
    advice = advise("Third time this year the engineer has cancelled my smart meter installation.")
    assert advice.posture == "repeat_failure"
    assert advice.facts is not None and advice.facts.prior_failures == 2
    assert "prior_failures" in advice.facts.inferred


def test_history_counts_as_earlier_failures():
    history = (PastContact("late delivery"), PastContact("late delivery", compensated=True))
    advice = advise(Case(customer="My order is late.", history=history))
    assert advice.posture == "repeat_failure"
    assert advice.facts is not None and advice.facts.prior_failures == 2


def test_a_two_minute_delay_nobody_noticed_needs_no_apology():
    advice = advise(Case(cause="ours", wait_minutes=2, noticed=False))
    assert advice.posture == "no_apology_needed"
    assert "apology" in advice.omit
    assert "over_apology" in advice.avoid
    assert advice.required == ()
    assert advice.technique == ()
    assert "2 minutes" in advice.reasons[0].reason
    assert advice.compensation.offer is False


def test_a_question_about_an_outside_event_gets_facts_and_updates():
    advice = advise("Is there an outage in my area after the earthquake? When will it be fixed?")
    assert advice.posture == "inform_and_update"
    assert set(advice.required) == {"explanation", "follow_up"}
    assert "apology" in advice.omit


def test_a_road_closure_question_is_inform_and_update():
    advice = advise("Are deliveries to Leeds affected by the road closure on the A64?")
    assert advice.posture == "inform_and_update"


def test_our_failure_gets_a_full_apology():
    advice = advise("You charged me twice for the same order!")
    assert advice.posture == "full_apology"
    assert advice.required == (
        "apology",
        "acknowledge",
        "responsibility",
        "empathy",
        "explanation",
        "remedy",
        "follow_up",
    )
    assert advice.compensation.offer is False


def test_a_severe_failure_of_ours_gets_compensation():
    advice = advise(Case(customer="You charged me twice!", severity="high"))
    assert advice.posture == "full_apology"
    assert advice.compensation.offer is True
    assert "compensation" in advice.required


def test_severity_is_inferred_from_the_stakes():
    facts = infer_facts(
        Case(customer="You sent my bill to collections and now my credit score is hit")
    )
    assert facts.severity == "high"
    assert "severity" in facts.inferred


def test_nothing_went_wrong():
    advice = advise("Do you ship the walnut desk to Norway?")
    assert advice.posture == "no_apology_needed"
    assert advice.required == ()


def test_the_customers_own_mistake():
    advice = advise("I booked the wrong dates by mistake, can you help?")
    assert advice.posture == "no_apology_needed"
    assert set(advice.required) == {"acknowledge", "empathy", "remedy"}


def test_explicit_facts_override_the_message():
    advice = advise(Case(customer="The storm cancelled my flight.", cause="ours"))
    assert advice.posture == "full_apology"
    assert advice.facts is not None and "cause" not in advice.facts.inferred


# -- long waits ------------------------------------------------------------------------------


def test_a_long_wait_gets_the_wait_technique_and_gratitude():
    advice = advise("I've been on hold for 55 minutes trying to cancel my contract. Ridiculous.")
    assert advice.posture == "full_apology"
    assert advice.facts is not None and advice.facts.wait_minutes == 55
    assert "gratitude" in advice.required
    assert advice.reasons[-1].code == "P201"
    assert "55 minutes" in advice.reasons[-1].reason
    steps = " ".join(advice.technique)
    assert "55 minutes" in steps and "patience" in steps and "callback" in steps
    assert "Maister" in advice.reasons[-1].principle


def test_an_explicit_long_wait_gets_the_technique():
    advice = advise(Case(cause="ours", wait_minutes=90, noticed=True))
    assert advice.technique and "90 minutes" in advice.technique[0]


def test_a_short_noticed_wait_gets_no_technique():
    advice = advise(Case(cause="ours", wait_minutes=4, noticed=True))
    assert advice.posture == "full_apology"
    assert advice.technique == ()


def test_wait_is_read_in_other_units_and_in_capitals():
    facts = infer_facts(Case(customer="WHERE IS MY FOOD. 90 MINUTES. I'M STARVING."))
    assert facts.wait_minutes == 90
    facts = infer_facts(Case(customer="Still waiting after two hours on hold"))
    assert facts.wait_minutes == 120


# -- the result ------------------------------------------------------------------------------


def test_json_shape():
    data = advise("You charged me twice!").to_dict()
    assert list(data)[:5] == ["posture", "reasons", "required", "avoid", "compensation"]
    assert data["posture"] in POSTURES
    assert set(data["compensation"]) == {"offer", "why"}
    assert all(set(r) == {"code", "name", "reason", "principle"} for r in data["reasons"])
    assert set(data["required"]) <= set(COMPONENTS)
    assert set(data["avoid"]) <= set(MISTAKES)


def test_every_reason_cites_a_principle():
    for customer in ("You charged me twice!", "The storm cancelled my flight.", ""):
        for reason in advise(customer).reasons:
            assert len(reason.principle) > 60


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"cause": "aliens"}, "cause must be one of"),
        ({"severity": "huge"}, "severity must be one of"),
        ({"prior_failures": -1}, "prior_failures"),
        ({"wait_minutes": -5}, "wait_minutes"),
        ({"legal": "yes"}, "legal must be"),
    ],
)
def test_case_errors_say_what_is_wrong(fields, message):
    with pytest.raises(CaseError, match=message):
        Case(**fields)


# -- first contact: the agent's reply is still asking for details ---------------------------
ASKS = "Sorry to hear your parcel hasn't arrived. Please DM us your order number and we'll look."


def test_a_reply_asking_for_details_gets_first_contact():
    advice = advise(Case(customer="My parcel never arrived.", reply=ASKS))
    assert advice.posture == "first_contact"
    assert advice.reasons[0].code == "P110"
    assert "“DM us”" in advice.reasons[0].reason
    assert advice.required == ("apology", "acknowledge", "follow_up")
    assert set(advice.omit) == {"responsibility", "explanation", "compensation"}
    assert advice.avoid == DATA.postures["full_apology"].avoid
    assert advice.compensation.offer is False
    assert advice.facts is not None and advice.facts.first_contact is True
    assert "first_contact" in advice.facts.inferred
    assert advice.facts.to_dict()["first_contact"] is True


def test_without_a_reply_the_case_is_not_a_first_contact():
    advice = advise(Case(customer="My parcel never arrived."))
    assert advice.posture == "full_apology"
    assert advice.facts is not None and advice.facts.first_contact is False
    assert "first_contact" not in advice.facts.inferred


def test_a_reply_that_asks_and_gives_a_fix_is_not_first_contact():
    reply = "Sorry it's late: I've sent a replacement today. Could you confirm your address?"
    advice = advise(Case(customer="My parcel never arrived.", reply=reply))
    assert advice.posture == "full_apology"


def test_first_contact_offers_no_compensation_even_when_severe():
    advice = advise(Case(customer="My parcel never arrived.", reply=ASKS, severity="high"))
    assert advice.posture == "first_contact"
    assert advice.compensation.offer is False
    assert "compensation" not in advice.required


@pytest.mark.parametrize(
    ("customer", "posture"),
    [
        ("I fell on your wet floor and I'm calling my solicitor.", "legal_review"),
        ("Third time this month my parcel has not arrived.", "repeat_failure"),
        ("I typed the wrong address by mistake and my parcel never arrived.", "no_apology_needed"),
        ("Do you deliver to Norway?", "no_apology_needed"),
    ],
    ids=["legal", "repeat", "customers-own-action", "nothing-went-wrong"],
)
def test_legal_repeat_and_the_customers_own_action_win_over_first_contact(customer, posture):
    advice = advise(Case(customer=customer, reply=ASKS))
    assert advice.posture == posture


def test_the_first_contact_fact_can_be_given():
    assert advise(Case(customer="You charged me twice!", first_contact=True)).posture == (
        "first_contact"
    )
    given = advise(Case(customer="You charged me twice!", reply=ASKS, first_contact=False))
    assert given.posture == "full_apology"


@pytest.mark.parametrize(
    ("fields", "message"),
    [({"reply": 3}, "reply must be a string"), ({"first_contact": "yes"}, "first_contact must")],
)
def test_case_errors_name_the_reply_fields(fields, message):
    with pytest.raises(CaseError, match=message):
        Case(**fields)


# -- the data --------------------------------------------------------------------------------


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    source = Path(__file__).parents[1] / "src" / "amends" / "data" / "advice.yaml"
    text = source.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "advice.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("when: {legal: true}", "when: {legel: true}", "unknown fact 'legel'"),
        ("posture: legal_review\n    when", "posture: lawyer_up\n    when", "posture"),
        ("code: P102", "code: P101", "'P101' is already used"),
        ("required: [explanation, follow_up]", "required: [explanation, folow_up]", "folow_up"),
        ("avoid: [legal_risk,", "avoid: [legal_trouble,", "not a mistake label"),
        ("when: {cause: customer}", "when: {cause: martians}", "cannot be 'martians'"),
    ],
)
def test_bad_data_is_reported_with_file_and_line(tmp_path, old, new, message):
    with pytest.raises(DataError, match=message) as info:
        load_advice(_broken(tmp_path, old, new))
    assert "advice.yaml" in str(info.value)
