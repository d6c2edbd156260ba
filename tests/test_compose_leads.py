"""``compose`` drafts a contact-centre lead would send: one group of tests per kind of failure a
blind review of drafts found (a known cause left out, broken sentences from phrase grammar,
"as a precaution" on ordinary requests, stock follow-ups, owning an unknown fault, "sorry to
hear" on news we give, a refund called a gesture, emotion words that do not fit, an unused fact
with no warning, no apology where one was due, and input a real user writes). The incidents are
written for these tests; every draft is also read back by the analyzer."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from amends.analyzer import get_analyzer
from amends.cli import app
from amends.compose import compose, compose_data, parse_incident
from amends.incident import IncidentError
from amends.model import Config

CHANNELS = ("chat", "email", "social")
SEEDS = range(4)
ANALYZER = get_analyzer(Config())
DATA = compose_data()


def drafts(incident: dict, channels=CHANNELS, seeds=SEEDS):
    for channel in channels:
        for seed in seeds:
            yield compose(incident, channel, seed=seed)


def full(draft) -> str:
    """Everything the customer reads: the posts, or the private message that carries the facts."""
    return "\n".join(filter(None, [draft.text, draft.private]))


def clean(draft) -> None:
    assert not draft.report.mistakes, (draft.text, draft.report.mistakes)
    if draft.private:
        assert not ANALYZER.analyze(draft.private).mistakes, draft.private


# -- 1. a known cause and the customer's facts are never silently left out ------------------

DELETED = {
    "problem": "your Q3 project has disappeared from the dashboard",
    "cause": "customer",
    "cause_detail": "the project was deleted from your admin account at 10:14 on Tuesday",
    "steps": ["restored the project from last night's backup"],
    "customer_actions": ["re-enter any changes made after 11pm on Monday"],
    "follow_up": {"when": "tomorrow", "how": "email"},
}
STRANDED = {
    "problem": "your ferry to Bilbao was cancelled",
    "cause": "outside",
    "cause_detail": "gale-force winds closed the port at Portsmouth",
    "steps": ["moved you to Thursday's sailing"],
    "customer_actions": ["keep your hotel receipts for tonight"],
}
SUITCASE = {
    "problem": "your suitcase arrived with two items missing",
    "cause": "unknown",
    "cause_detail": "the lock was opened somewhere between Madrid and Leeds",
    "steps": ["opened a search with the baggage team"],
    "customer_actions": ["list what was in the missing items' bag"],
    "follow_up": {"when": "within 5 working days", "how": "email with what the search finds"},
}


@pytest.mark.parametrize("incident", [DELETED, STRANDED, SUITCASE], ids=lambda i: i["cause"])
def test_a_known_cause_and_what_the_customer_should_do_are_always_said(incident):
    for draft in drafts(incident):
        clean(draft)
        said = full(draft)
        assert incident["cause_detail"] in said, said
        for action in incident["customer_actions"]:
            assert action in said, said


def test_a_customer_caused_case_says_the_cause_without_blame_and_helps():
    for draft in drafts(DELETED):
        said = full(draft)
        assert not draft.report.has("blame_shift")
        assert not re.search(r"\byou (?:deleted|should have)\b", said), said
        assert "restored the project" in said


def test_legal_review_holds_the_cause_back_with_a_warning_not_silently():
    incident = {
        "problem": "you were hurt when a display stand fell in our Bristol store",
        "cause": "ours",
        "legal": True,
        "cause_detail": "a bracket on the stand gave way",
        "compensation": "a £50 gift card",
        "follow_up": {"when": "tomorrow", "how": "phone"},
    }
    for draft in drafts(incident):
        assert "a bracket on the stand gave way" not in full(draft)
        held = [w for w in draft.warnings if w.startswith("held back")]
        assert any("a bracket on the stand gave way" in w for w in held), draft.warnings
        assert any("a £50 gift card" in w for w in held), draft.warnings


# -- 2. each phrase shape makes a sentence ---------------------------------------------------

BASE = {
    "problem": "the heating in your room did not work last night",
    "cause": "ours",
    "cause_detail": "a valve on your floor had failed",
}
SHAPES = [
    # (field, phrase, what the draft says, what it must never say)
    (
        "steps",
        "had maintenance repair the unit in room 412",
        "I've had maintenance repair",
        "I'll had",
    ),
    ("steps", "checked your room is warm again", "I've checked your room", "Checked your room"),
    (
        "steps",
        "took the night's charge off your bill",
        "I've taken the night's charge",
        "I've took",
    ),
    ("steps", "will move you to a quieter room tonight", "I'll move you to", "I'll will"),
    ("steps", "refund the night's stay", "I'll refund the night's stay", "I've refund"),
    ("steps", "looking at every valve on your floor", "We're looking at every valve", "I'll look"),
    ("steps", "a heater is in your room now", "A heater is in your room now", "I'll a heater"),
    (
        "steps",
        "an engineer checked the boiler this morning",
        "An engineer checked the boiler",
        "I'll an",
    ),
    (
        "customer_actions",
        "payments can still be made by card",
        "Payments can still be made",
        "Please payments",
    ),
    (
        "customer_actions",
        "reset the thermostat to 21",
        "reset the thermostat to 21",
        "You've reset",
    ),
    ("losses", "took two days off work to wait in", "you took two days off work", "cost you took"),
    ("losses", "a night's sleep", "this cost you a night's sleep", "you you"),
    ("losses", "pay £30 for a heater", "you had to pay £30 for a heater", "cost you pay"),
]


@pytest.mark.parametrize(("field", "phrase", "said", "never"), SHAPES)
def test_each_phrase_shape_is_said_as_a_sentence(field, phrase, said, never):
    incident = {**BASE, field: [phrase]}
    channels = ("chat", "email") if field != "losses" else ("email",)
    for draft in drafts(incident, channels):
        clean(draft)
        assert said in draft.text, draft.text
        assert never not in draft.text, draft.text


def test_a_loss_said_in_a_short_social_post_is_kept():
    incident = {**BASE, "losses": ["a night's sleep"]}
    for draft in drafts(incident, ("social",)):
        assert "a night's sleep" in full(draft), draft.text


@pytest.mark.parametrize(
    ("when", "said"),
    [
        ("if anything changes", "if anything changes"),
        ("Friday", "by Friday"),
        ("once the part arrives", "once the part arrives"),
    ],
)
def test_a_follow_up_when_reads_whatever_it_starts_with(when, said):
    incident = {**BASE, "follow_up": {"when": when, "how": "phone"}}
    for draft in drafts(incident, ("chat", "email")):
        assert "by if" not in draft.text and "by once" not in draft.text
        assert said.lower() in draft.text.lower() and "call you" in draft.text, draft.text


def test_a_cause_or_problem_given_as_a_noun_phrase_still_reads():
    incident = {
        "problem": "a double charge on your card",
        "cause": "ours",
        "cause_detail": "a rounding error in our statement system",
        "steps": ["refunded the second charge"],
    }
    for draft in drafts(incident, ("chat", "email")):
        clean(draft)
        assert "because a rounding error" not in draft.text
        assert "caused by a rounding error" in draft.text, draft.text
        assert "there was a double charge on your card" in draft.text, draft.text


def test_a_problem_whose_subject_holds_a_preposition_is_a_clause_not_a_noun_phrase():
    incident = {"problem": "a £300 payment to your landlord was returned", "cause": "unknown"}
    for draft in drafts(incident, ("chat", "email")):
        assert "a £300 payment to your landlord was returned" in draft.text, draft.text
        assert "there was" not in draft.text


# -- 3. only a breach or a safety action is a precaution -------------------------------------

ORDINARY = [
    "send us the receipts for the taxi",
    "retry the payment from the app",
    "claim Delay Repay on our website",
]


@pytest.mark.parametrize("action", ORDINARY)
def test_an_ordinary_request_gets_a_neutral_frame(action):
    incident = {**BASE, "customer_actions": [action]}
    for draft in drafts(incident):
        said = full(draft)
        assert action in said
        assert not re.search(r"(?i)precaution|keep your account safe|protect yourself", said), said


def test_a_breach_action_is_a_precaution():
    breach = next(e.incident for e in DATA.examples if e.incident.data_involved)
    frames = {
        bool(re.search(r"(?i)precaution|keep your account safe|protect yourself", full(d)))
        for d in drafts(breach, ("chat", "email"), range(6))
    }
    assert frames == {True}


# -- 4. a specific follow-up says what it brings, and keeps who makes it ---------------------


def test_a_follow_up_that_brings_something_says_it_with_no_stock_purpose():
    incident = {**BASE, "follow_up": {"when": "tonight", "how": "email with the new booking"}}
    for draft in drafts(incident):
        said = full(draft)
        assert "email you with the new booking" in said, said
        assert not re.search(r"everything is sorted|fully resolved|to confirm", said), said


@pytest.mark.parametrize(
    ("how", "said"),
    [
        ("the claims handler will call", "The claims handler will call you within two days"),
        ("our duty manager will ring you", "Our duty manager will ring you within two days"),
    ],
)
def test_a_follow_up_by_someone_else_keeps_the_person(how, said):
    incident = {**BASE, "follow_up": {"when": "within two days", "how": how}}
    for draft in drafts(incident):
        assert said in full(draft), full(draft)
        assert "I'll call" not in full(draft) and "I'll update you by" not in full(draft)


# -- 5. an unknown cause is never owned ------------------------------------------------------

OWNING = re.compile(r"(?i)on us\b|our mistake|we got this wrong|let you down")


@pytest.mark.parametrize("prior", [0, 2])
def test_an_unknown_cause_is_regret_and_what_happens_next_never_ownership(prior):
    incident = {**SUITCASE, "prior_failures": prior}
    for draft in drafts(incident):
        clean(draft)
        assert not draft.report.has("responsibility"), draft.text
        assert not OWNING.search(full(draft)), full(draft)
        assert draft.report.has("apology") or ANALYZER.analyze(draft.private or "").has("apology")
        if not prior:
            assert draft.posture == "first_contact"


# -- 6. news we give is told, not "sorry to hear" --------------------------------------------

PROACTIVE_BREACH = {
    "problem": "an email with your order details was sent to another customer",
    "cause": "ours",
    "noticed": False,
    "legal": True,
    "kind": "data_breach",
    "data_involved": "your name, delivery address and order number",
    "steps": ["asked the other customer to delete the email"],
    "customer_actions": ["watch for emails that mention your order"],
    "follow_up": {"when": "by Friday", "how": "email"},
}


def test_a_proactive_notice_tells_the_customer_and_says_what_data_and_what_to_do():
    for draft in drafts(PROACTIVE_BREACH):
        clean(draft)
        said = full(draft)
        assert not re.search(r"(?i)sorry to hear|has been\b|what you've been through", said), said
        assert "your name, delivery address and order number" in said
        assert "watch for emails that mention your order" in said
        assert "asked the other customer to delete the email" in said


# -- 7. the customer's own money back is not a gesture ---------------------------------------


@pytest.mark.parametrize(
    "money",
    ["refunded the second £42 charge", "the £220 statutory compensation you're owed"],
)
def test_money_owed_is_said_as_what_it_is(money):
    incident = {**BASE, "compensation": money}
    for draft in drafts(incident):
        said = full(draft)
        assert money.split()[-2] in said  # the amount's words are kept
        assert not re.search(r"(?i)make up for|making up|goodwill", said), said


def test_extra_money_may_still_be_a_gesture():
    incident = {**BASE, "compensation": "added a £15 credit to your account"}
    texts = [full(d) for d in drafts(incident, ("chat", "email"), range(8))]
    assert all("I've added a £15 credit to your account" in t for t in texts)
    assert any(re.search(r"(?i)make up for|making up", t) for t in texts)


# -- 8. emotion words fit what the customer is worried about ---------------------------------


@pytest.mark.parametrize(
    ("problem", "allowed"),
    [
        (
            "your refund of £650 has not arrived and your rent is due on Friday",
            {"worrying", "stressful"},
        ),
        ("your insulin delivery did not arrive", {"worrying", "upsetting"}),
        ("you were stranded at the airport overnight", {"stressful", "upsetting"}),
    ],
)
def test_emotion_words_fit_the_concern(problem, allowed):
    incident = {"problem": problem, "cause": "ours", "steps": ["sent it by courier today"]}
    words = {"frustrating", "disappointing", "worrying", "stressful", "frightening"}
    words |= {"distressing", "exhausting", "upsetting"}
    for draft in drafts(incident, ("chat", "email")):
        used = {w for w in words if w in draft.text}
        assert used <= allowed, (used, draft.text)


# -- 9. a fact the draft does not use is named in the warnings -------------------------------


def test_a_fact_left_out_is_named_in_the_warnings():
    from amends.compose import _unsaid

    incident = parse_incident({**BASE, "losses": ["a night's sleep"], "steps": ["moved rooms"]})
    text = "I'm sorry the heating did not work. I've moved rooms for you."
    assert _unsaid(incident, incident.cause_detail, text) == [
        ("cause_detail", "a valve on your floor had failed"),
        ("losses", "a night's sleep"),
    ]


# -- 10. an apology wherever one is due ------------------------------------------------------

DUE = [
    DELETED,
    STRANDED,
    SUITCASE,
    PROACTIVE_BREACH,
    {**BASE, "prior_failures": 1, "compensation": "a £20 credit"},
    {**BASE, "steps": ["fixed the valve"]},
]


@pytest.mark.parametrize("incident", DUE, ids=lambda i: i["cause"] + str(i.get("noticed", "")))
def test_every_posture_where_something_failed_has_an_apology(incident):
    for draft in drafts(incident):
        body = full(draft)  # a private message follows the public post's apology
        assert ANALYZER.analyze(body).has("apology"), body


# -- 11. input a real user writes ------------------------------------------------------------


def test_a_single_string_is_one_phrase_and_critical_is_high():
    incident = parse_incident(
        {
            "problem": "your train was cancelled",
            "cause": "outside",
            "severity": "critical",
            "steps": "a replacement bus runs every 20 minutes",
            "customer_actions": "claim Delay Repay on our website",
            "losses": "a missed hospital appointment",
        }
    )
    assert incident.severity == "high"
    assert incident.steps == ("a replacement bus runs every 20 minutes",)
    assert incident.customer_actions == ("claim Delay Repay on our website",)
    assert incident.losses == ("a missed hospital appointment",)


def test_a_plain_question_gets_an_answer_with_no_apology():
    question = {
        "cause": "none",
        "steps": ["the walnut desk ships to Norway in 5 to 7 days"],
        "customer_actions": ["choose Norway at checkout"],
    }
    for draft in drafts(question):
        clean(draft)
        assert draft.posture == "no_apology_needed"
        assert "The walnut desk ships to Norway in 5 to 7 days." in draft.text
        assert "choose Norway at checkout" in draft.text
        assert not draft.report.has("apology"), draft.text


def test_an_outside_event_that_does_not_affect_the_customer_needs_no_problem():
    event = {
        "cause": "outside",
        "affected": False,
        "cause_detail": "a storm is forecast for the weekend",
        "steps": ["we're keeping all deliveries running"],
    }
    for draft in drafts(event):
        clean(draft)
        assert draft.posture == "inform_and_update"
        assert not draft.report.has("apology")
        assert "keeping all deliveries running" in draft.text


@pytest.mark.parametrize(
    ("incident", "message"),
    [
        ({"cause": "ours"}, r"`problem` is required unless nothing failed"),
        ({"problem": "x", "cause": "nobody"}, r"or none when nothing failed"),
        ({"problem": "x", "cause": "ours", "severity": "apocalyptic"}, r"critical, read as high"),
    ],
)
def test_what_is_still_refused_says_what_to_write(incident, message):
    with pytest.raises(IncidentError, match=message):
        parse_incident(incident)


def test_the_cli_composes_a_plain_question_and_string_lists(tmp_path):
    path = tmp_path / "question.json"
    path.write_text(
        json.dumps(
            {"cause": "none", "steps": "we ship to Norway", "customer_actions": "pick Norway"}
        )
    )
    result = CliRunner().invoke(
        app,
        ["compose", "--incident", str(path), "--format", "json", "--seed", "3"],
        env={"COLUMNS": "200", "NO_COLOR": "1", "AMENDS_LLM_URL": None},
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["posture"] == "no_apology_needed"
    assert "We ship to Norway." in data["text"] and "pick Norway" in data["text"]


# -- the same seed gives the same draft; every fact survives generated shapes ---------------


def test_the_same_seed_gives_the_same_draft():
    for incident in (DELETED, SUITCASE, PROACTIVE_BREACH, STRANDED):
        for channel in CHANNELS:
            assert compose(incident, channel, seed=11) == compose(incident, channel, seed=11)


STEP_SHAPES = [
    "refunded the delivery fee",
    "took the charge off your bill",
    "had our engineer replace the router",
    "rebook the visit for Monday",
    "will send a new card today",
    "a replacement ships today",
    "chasing the courier every morning",
    "an engineer checked the line",
]
ACTION_SHAPES = [
    "send us a photo of the label",
    "payments can still be made by card",
    "reset your router",
    "your order number",
]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(STEP_SHAPES), min_size=1, max_size=3, unique=True),
    st.lists(st.sampled_from(ACTION_SHAPES), max_size=2, unique=True),
    st.sampled_from(["ours", "outside", "unknown", "customer"]),
    st.sampled_from(CHANNELS),
    st.integers(0, 1000),
)
def test_every_step_and_action_of_any_shape_is_said_and_reads_cleanly(
    steps, actions, cause, channel, seed
):
    incident = {
        "problem": "your broadband has been down since Monday",
        "cause": cause,
        "steps": steps,
        "customer_actions": actions,
        "follow_up": {"when": "Friday", "how": "text"},
    }
    if cause != "unknown":
        incident["cause_detail"] = "a storm damaged the cabinet on your street"
    draft = compose(incident, channel, seed=seed)
    clean(draft)
    said = full(draft)
    for phrase in [*steps, *actions]:
        # the words after the first (a verb may be said as a participle: took -> taken)
        tail = phrase.removeprefix("will ").split(" ", 1)[-1]
        assert tail in said, (phrase, said)
    assert not re.search(r"I'll (?:had|took|will|a |an )|Please (?:payments|your)\b", said), said
    if cause == "unknown":
        assert not OWNING.search(said), said
