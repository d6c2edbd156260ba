"""The taxonomy's conventions for borderline cases (../shared/taxonomy.md), one test each."""

from __future__ import annotations

import pytest

from amends import analyze


def labels(text: str, customer: str | None = None) -> set[str]:
    return set(analyze(text, customer).labels)


@pytest.mark.parametrize(
    ("reply", "customer"),
    [
        ("Sorry for the wait, Sam.", "My order is a week late."),
        ("Sorry for the late reply!", None),
        ("Sorry you're having problems logging in.", None),
    ],
)
def test_naming_the_kind_of_failure_is_acknowledgment(reply, customer):
    assert "acknowledge" in labels(reply, customer)


@pytest.mark.parametrize(
    "reply",
    [
        "Sorry about the internet issues.",
        "Sorry you're having trouble with Firefox.",
        "Sorry for the delivery troubles.",
    ],
)
def test_an_area_plus_a_stand_in_is_vague_not_acknowledgment(reply):
    found = labels(reply)
    assert "vague_apology" in found
    assert "acknowledge" not in found


@pytest.mark.parametrize(
    "reply", ["Sorry for the frustration.", "Sorry you found the seat uncomfortable."]
)
def test_regret_for_feelings_is_conditional(reply):
    assert "conditional_apology" in labels(reply)


def test_sorry_as_politeness_in_a_request_is_not_an_apology():
    assert "apology" not in labels("Sorry, could you send me your order number?")


def test_a_contact_that_waits_for_details_still_counts_as_follow_up():
    assert "follow_up" in labels("DM us your email and we'll be in touch.")


def test_steps_in_the_reply_are_a_remedy_but_a_link_or_a_report_elsewhere_is_not():
    customer = "The app keeps crashing."
    assert "remedy" in labels("Please clear the cache, then restart the app.", customer)
    assert "remedy" not in labels("Please try the steps here: https://help.example.com", customer)
    assert "remedy" not in labels("Please file a report with the airport's baggage desk.", customer)


def test_sorry_to_disappoint_is_an_apology_not_a_conditional_one():
    found = labels("Sorry to disappoint you.")
    assert "apology" in found
    assert "conditional_apology" not in found


def test_demand_is_explanation_and_excuse_owning_it_is_explanation_and_responsibility():
    blamed = labels("Sorry for the wait; it's due to increased demand.")
    assert {"explanation", "excuse"} <= blamed
    owned = labels("Sorry for the wait: we didn't have enough people on this morning.")
    assert {"explanation", "responsibility"} <= owned
    assert "excuse" not in owned


@pytest.mark.parametrize(
    "reply", ["We always strive to give the best service.", "We do our best to reply quickly."]
)
def test_self_justification_is_defensive(reply):
    assert "defensive" in labels(reply)


def test_regret_for_our_own_inability_is_an_apology():
    assert "apology" in labels("We apologise, but we can't find your account.")


@pytest.mark.parametrize(
    "reply",
    [
        "We were negligent and accept liability.",
        "You have the right to take this to the ombudsman.",
        "Our legal team will contact you.",
    ],
)
def test_legal_risk_marks_any_legal_talk(reply):
    assert "legal_risk" in labels(reply)


@pytest.mark.parametrize(
    ("reply", "absent"),
    [
        ("This was not your fault, and we don't blame the courier either.", "blame_shift"),
        ("Our chatbot kept saying 'sorry, I didn't get that'.", "apology"),
        ("I'm sorry we charged you twice; that's on us.", "blame_shift"),
    ],
)
def test_negation_and_quotes(reply, absent):
    assert absent not in labels(reply)


def test_who_is_the_subject_decides_responsibility_or_blame():
    assert "responsibility" in labels("Our system charged you twice.")
    assert "blame_shift" in labels("The courier lost your parcel, which is out of our hands.")
    assert "blame_shift" in labels("You should have read the terms.")


def test_but_is_an_excuse_only_when_it_justifies():
    assert "excuse" in labels("Sorry about the hold, but we're experiencing high call volumes.")
    assert "excuse" not in labels("I'm sorry to hear that, but hopefully I can help.")


def test_vague_and_dated_follow_ups():
    assert "follow_up" in labels("I'll email you by Friday at noon.")
    assert "follow_up" not in labels("Let us know if you need anything else.")


def test_chat_spelling_british_forms_curly_quotes_emoji_handles_and_signatures():
    found = labels("@12345 soz u were charged twice 😬 we’ve refunded it ^JA")
    assert {"apology", "acknowledge", "compensation"} <= found
    assert "apology" in labels("We apologise for the delay. -Becky")
