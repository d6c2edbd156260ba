"""Promises in one agent message (issue 9): what was promised, and the due time resolved against
the message's timestamp and zone: phrasings, zones, working days, DST, the data file's own
examples, property tests, and the ``amends promises extract`` command."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from amends.cli import app
from amends.datafile import DataError
from amends.promises import (
    KINDS,
    Promise,
    extract_promises,
    load_promise_rules,
    promise_rules,
)

RULES = promise_rules()
DATA = Path(__file__).resolve().parents[1] / "src" / "amends" / "data" / "promises.yaml"
WED = "2026-03-04T10:00:00"  # a Wednesday, before the clocks change (London on GMT)


def when(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def one(text: str, at: str = WED, tz: str = "Europe/London", **kw) -> Promise:
    found = extract_promises(text, when(at), tz, **kw)
    assert len(found) == 1, found
    return found[0]


def due_of(text: str, at: str = WED, tz: str = "Europe/London", **kw) -> str | None:
    p = one(text, at, tz, **kw)
    return p.due.isoformat() if p.due else None


# -- the data file's own examples --------------------------------------------------------------
CUE_EXAMPLES = [(c.name, text, action) for c in RULES.cues for text, action in c.examples]


@pytest.mark.parametrize(("cue", "text", "action"), CUE_EXAMPLES, ids=lambda x: str(x)[:40])
def test_every_cue_example_fires_that_cue_alone(cue, text, action):
    found = RULES.only(cue=cue).extract(text, when(WED), "Europe/London")
    if action is None:
        assert found == []
    else:
        assert [p.action for p in found] == [action]


TIME_EXAMPLES = [(t, *ex) for t in RULES.times for ex in t.examples]


@pytest.mark.parametrize(
    ("rule", "phrase", "at", "tz", "due"), TIME_EXAMPLES, ids=lambda x: getattr(x, "name", x)
)
def test_every_time_example_resolves_to_its_due_time(rule, phrase, at, tz, due):
    assert rule.pattern.search(phrase), f"{rule.name} does not match its example {phrase!r}"
    assert RULES.due(phrase, when(at), tz) == when(due)
    # and the same phrase inside a promise gives the same due time
    assert due_of(f"I'll call you {phrase}.", at, tz) == due


TRIGGER_EXAMPLES = [(t.name, text, trigger) for t in RULES.triggers for text, trigger in t.examples]


@pytest.mark.parametrize(("rule", "text", "trigger"), TRIGGER_EXAMPLES, ids=lambda x: str(x)[:40])
def test_every_trigger_example_gives_its_trigger(rule, text, trigger):
    p = one(text)
    if trigger is None:
        assert (p.kind, p.trigger) == ("vague", None)
    else:
        assert (p.kind, p.due, p.trigger) == ("triggered", None, trigger)


VETO_EXAMPLES = [(v.name, text) for v in RULES.vetoes for text in v.examples]


@pytest.mark.parametrize(("rule", "text"), VETO_EXAMPLES, ids=lambda x: x[:40])
def test_every_not_a_promise_example_gives_no_promise(rule, text):
    assert extract_promises(text, when(WED), "UTC") == []


def test_the_catalogue_is_well_formed():
    for group in (RULES.cues, RULES.times, RULES.triggers, RULES.vetoes):
        names = [x.name for x in group]
        assert len(names) == len(set(names)), f"duplicate names in {names}"
        assert all(x.examples for x in group), "every entry carries examples"
    cue_actions = {a for c in RULES.cues for _, a in c.examples if a}
    defaults = {lv.default for lv in RULES.light_verbs if lv.default}
    assert cue_actions <= {a.name for a in RULES.actions} | defaults
    # every cue has an example that is not a promise, or is a fixed phrase of its own
    for cue in RULES.cues:
        assert cue.then == "fixed" or any(a is None for _, a in cue.examples), cue.name


@pytest.mark.parametrize(
    ("find", "put", "message"),
    [
        ("then: verb\n", "then: verbs\n", "'then' must be one of verb, thing, done, fixed"),
        ("{n: 1, unit: hour}", "{n: 1, units: hour}", "unknown fact 'units'"),
        ("(?P<n>[0-9]+|{num})", "(?P<n>[0-9]+|{nums})", "unknown placeholder {nums}"),
        ('close_of_business: "17:00"', 'close_of_business: "5pm"', "not a time of day"),
        ("    action: refund\n", "    action: refunds\n", "action 'refunds' is not one of"),
        ("pattern: 'first thing", "pattern: '(first thing", "bad pattern"),
        ('  - "will"\n', "", "the cue 'we-will' example 'We will be in touch.' promises"),
    ],
)
def test_a_bad_data_file_names_the_file_and_line(tmp_path, find, put, message):
    text = DATA.read_text(encoding="utf-8")
    assert find in text
    bad = tmp_path / "promises.yaml"
    bad.write_text(text.replace(find, put, 1), encoding="utf-8")
    with pytest.raises(DataError, match=r"promises\.yaml:\d+") as caught:
        load_promise_rules(bad)
    assert message in str(caught.value)


# -- phrasings with exact due times --------------------------------------------------------------
# (text, message time in Europe/London, due). The message time is a Wednesday morning unless said.
DUE_CASES = [
    ("I'll email you by Friday.", WED, "2026-03-06T23:59:59+00:00"),
    ("I'll email you by Friday.", "2026-03-06T09:00:00", "2026-03-06T23:59:59+00:00"),
    ("I'll email you by Friday.", "2026-03-07T09:00:00", "2026-03-13T23:59:59+00:00"),
    ("An engineer will call within 48 hours.", WED, "2026-03-06T10:00:00+00:00"),
    ("We'll call you within 24hrs.", WED, "2026-03-05T10:00:00+00:00"),
    ("Your refund will arrive in 3–5 working days.", "2026-03-06T15:00:00",
     "2026-03-13T23:59:59+00:00"),
    ("Your refund will arrive in 3–5 working days.", "2026-03-07T09:00:00",
     "2026-03-13T23:59:59+00:00"),
    ("Your refund will arrive in 3–5 working days.", WED, "2026-03-11T23:59:59+00:00"),
    ("I'll ring you back at 6pm today.", WED, "2026-03-04T18:00:00+00:00"),
    ("I'll call you tomorrow morning.", WED, "2026-03-05T12:00:00+00:00"),
    ("I'll call you first thing Monday.", WED, "2026-03-09T10:00:00+00:00"),
    ("I'll email you by end of day.", WED, "2026-03-04T17:00:00+00:00"),
    ("I'll email you by end of day.", "2026-03-04T18:30:00", "2026-03-04T23:59:59+00:00"),
    ("Expect a call before the 14th.", WED, "2026-03-14T00:00:00+00:00"),
    ("I'll have it fixed by the end of the week.", WED, "2026-03-06T17:00:00+00:00"),
    ("I'll have it fixed by the end of the week.", "2026-03-06T19:00:00",
     "2026-03-06T23:59:59+00:00"),
    ("I'll have it fixed by the end of the week.", "2026-03-07T19:00:00",
     "2026-03-13T17:00:00+00:00"),
    ("We'll be in touch next week.", WED, "2026-03-13T17:00:00+00:00"),
    ("We'll be in touch next week.", "2026-03-08T12:00:00", "2026-03-13T17:00:00+00:00"),
    ("I'll message you in 10 minutes.", WED, "2026-03-04T10:10:00+00:00"),
    ("Your replacement will arrive by 5 March.", WED, "2026-03-05T23:59:59+00:00"),
    ("Your replacement will arrive on 12/03.", WED, "2026-03-12T23:59:59+00:00"),
    ("I'll call you at 9am today.", WED, "2026-03-04T10:00:00+00:00"),
    ("I'll call you at 6pm.", "2026-03-04T19:00:00", "2026-03-05T18:00:00+00:00"),
    ("I'll email you tonight.", WED, "2026-03-04T23:59:59+00:00"),
    ("I'll call you this afternoon.", WED, "2026-03-04T17:00:00+00:00"),
    ("We'll send a replacement within 7 days.", WED, "2026-03-11T23:59:59+00:00"),
    ("I'll update you in 2 weeks.", WED, "2026-03-18T23:59:59+00:00"),
    ("We'll refund you within a month.", WED, "2026-04-04T23:59:59+01:00"),
    ("We'll refund you within a month.", "2026-01-31T10:00:00", "2026-02-28T23:59:59+00:00"),
    ("I'll call you on Monday at 3pm.", WED, "2026-03-09T15:00:00+00:00"),
    ("I'll call you at 3pm on Monday.", WED, "2026-03-09T15:00:00+00:00"),
    ("I'll get back to you by 5pm on Friday.", WED, "2026-03-06T17:00:00+00:00"),
    ("You'll receive an email within the hour.", WED, "2026-03-04T11:00:00+00:00"),
    ("I'll email you the day after tomorrow.", WED, "2026-03-06T23:59:59+00:00"),
    ("I'll call you next Wednesday.", WED, "2026-03-11T23:59:59+00:00"),
    ("I'll call you on Wednesday.", WED, "2026-03-04T23:59:59+00:00"),
    ("I'll email you by the 2nd.", WED, "2026-04-02T23:59:59+01:00"),
    ("I'll email you by 3rd March.", WED, "2027-03-03T23:59:59+00:00"),
    ("I'll call you on April 1st at noon.", WED, "2026-04-01T12:00:00+01:00"),
    ("We'll refund you in 3 to 5 business days.", "2026-03-05T12:00:00",
     "2026-03-12T23:59:59+00:00"),
    ("We'll fix it in a couple of hours.", WED, "2026-03-04T12:00:00+00:00"),
    ("I'll DM you in a few minutes.", WED, "2026-03-04T10:03:00+00:00"),
    ("I'll call you at 18:30 tomorrow.", WED, "2026-03-05T18:30:00+00:00"),
    ("I'll email you by midnight.", WED, "2026-03-04T23:59:59+00:00"),
    ("I'll call you first thing tomorrow.", WED, "2026-03-05T10:00:00+00:00"),
    ("Our team will contact you within 2-3 working days.", "2026-03-06T16:00:00",
     "2026-03-11T23:59:59+00:00"),
    ("By Friday, I'll have it fixed.", WED, "2026-03-06T23:59:59+00:00"),
    ("Tomorrow I'll call you.", WED, "2026-03-05T23:59:59+00:00"),
    ("We'll call you later this week.", WED, "2026-03-06T17:00:00+00:00"),
    ("I'll email you before Friday.", WED, "2026-03-06T00:00:00+00:00"),
    ("I'll email you on 31/03.", WED, "2026-03-31T23:59:59+01:00"),
    ("I'll email you by 30/02.", WED, None),  # no such day: the promise stays, without a date
    ("You'll hear from us within 5 days.", WED, "2026-03-09T23:59:59+00:00"),
    ("I'll chase this with the courier by Thursday.", WED, "2026-03-05T23:59:59+00:00"),
    ("I\u2019ll call you tomorrow at 9.30am.", WED, "2026-03-05T09:30:00+00:00"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "at", "due"), DUE_CASES, ids=lambda x: str(x)[:45])
def test_due_times_of_many_phrasings(text, at, due):
    assert due_of(text, at) == due


def test_kinds_follow_the_due_time_and_the_trigger():
    p = one("I'll email you by Friday.")
    assert (p.kind, p.action, p.trigger) == ("dated", "email", None)
    assert one("We'll update you once it ships.").kind == "triggered"
    for vague in ("We'll be in touch.", "We'll look into it.", "Someone will get back to you."):
        p = one(vague)
        assert (p.kind, p.due, p.trigger) == ("vague", None, None), vague
    assert {p.kind for p in extract_promises("I'll fix it.", when(WED), "UTC")} <= set(KINDS)


@pytest.mark.parametrize(
    ("text", "action", "trigger"),
    [
        ("We'll update you once it ships.", "update", "it ships"),
        ("I'll let you know as soon as we hear back from the warehouse.", "update",
         "we hear back from the warehouse"),
        ("An engineer will call you when the part arrives.", "call", "the part arrives"),
        ("Once the part arrives, an engineer will call you.", "call", "the part arrives"),
        ("If you email us your order number, we will refund it.", "refund",
         "you email us your order number"),
        ("DM us your email and we'll be in touch.", "contact", "DM us your email"),
        ("We'll call you within an hour of the engineer arriving once it's booked.", "call",
         "it's booked"),
    ],
)  # fmt: skip
def test_triggered_promises_name_their_trigger(text, action, trigger):
    p = one(text)
    assert (p.kind, p.due, p.action, p.trigger) == ("triggered", None, action, trigger)


@pytest.mark.parametrize(
    "text",
    [
        "We'll get back to you as soon as possible.",
        "I'll look into it as soon as I can.",
        "I'll check when it will arrive.",
    ],
)
def test_soon_is_not_a_trigger(text):
    assert one(text).kind == "vague"


@pytest.mark.parametrize(
    "text",
    [
        "I've emailed you the details.",
        "We refunded the charge yesterday.",
        "I have escalated this to the team.",
        "Will you be home tomorrow?",
        "Shall I call you back tomorrow?",
        "Could we call you by Friday?",
        "This will never happen again.",
        "We'll make sure it never happens again.",
        "If you'd like, I'll call you tomorrow.",
        "We won't charge you again.",
        "We will not contact you.",
        "Let us know if you need anything.",
        "Please DM us your order number.",
        "We'll need your account number.",
        "I'll be happy to help.",
        "",
        "   \n  ",
    ],
)
def test_not_promises(text):
    assert extract_promises(text, when(WED), "Europe/London") == []


def test_several_promises_in_one_message_in_order_with_offsets():
    text = (
        "Sorry for the wait! I'll email you by Friday. An engineer will call within 48 hours, "
        "and we'll update you once it ships. Your refund will arrive in 3–5 working days."
    )
    found = extract_promises(text, when(WED), "Europe/London")
    assert [(p.action, p.kind) for p in found] == [
        ("email", "dated"),
        ("call", "dated"),
        ("update", "triggered"),
        ("refund", "dated"),
    ]
    assert [p.text for p in found] == [
        "I'll email you by Friday",
        "An engineer will call within 48 hours",
        "we'll update you once it ships",
        "Your refund will arrive in 3–5 working days",
    ]
    for p in found:
        assert text[p.start : p.end] == p.text


def test_actions_joined_by_and_are_promises_of_their_own_unless_the_same():
    text = "We'll look into your complaint and contact you by Friday."
    found = extract_promises(text, when(WED), "Europe/London")
    assert [(p.text, p.action, p.kind) for p in found] == [
        ("We'll look into", "investigate", "vague"),
        ("contact you by Friday", "contact", "dated"),
    ]
    # a later action without a time of its own is due when the one before it is
    text = "I'll check your speeds on Thursday morning and email you the results."
    found = extract_promises(text, when(WED), "Europe/London")
    assert [(p.text, p.kind) for p in found] == [
        ("I'll check your speeds on Thursday morning", "dated"),
        ("email you", "dated"),
    ]
    assert found[0].due == found[1].due
    text = "I'll be happy to look into the text you received and see what I can do to help."
    found = extract_promises(text, when(WED), "Europe/London")
    assert [(p.text, p.action) for p in found] == [
        ("I'll be happy to look into the text you received and see what I can do", "investigate")
    ]


def test_offsets_are_into_the_original_text_with_curly_quotes_and_emoji():
    text = "🙏 Sorry! I’ll email you by Friday — promise."
    p = one(text)
    assert text[p.start : p.end] == p.text == "I’ll email you by Friday"


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("You'll receive a confirmation email shortly.", "email"),
        ("I'll send you a replacement.", "replace"),
        ("I'll arrange a callback for you.", "call"),
        ("I'll issue a full refund.", "refund"),
        ("I'll pass this on to our billing team.", "escalate"),
        ("I'll check back in with you.", "contact"),
        ("We'll get an engineer out to you.", "visit"),
        ("We'll get that sorted for you.", "fix"),
        ("You'll be contacted by our returns team.", "contact"),
        ("I'll add a £20 credit to your account.", "credit"),
        ("I'll send it out again.", "deliver"),
        ("I'll keep you posted.", "update"),
    ],
)
def test_the_action_is_what_was_promised(text, action):
    assert one(text).action == action


# -- zones, working days, DST ------------------------------------------------------------------
def test_the_same_moment_is_a_different_day_in_different_zones():
    at = "2026-03-06T02:00:00+00:00"  # Thursday evening in California, Friday in Tokyo
    assert due_of("I'll email you tomorrow.", at, "America/Los_Angeles") == (
        "2026-03-06T23:59:59-08:00"
    )
    assert due_of("I'll email you tomorrow.", at, "Asia/Tokyo") == "2026-03-07T23:59:59+09:00"
    assert due_of("I'll email you tomorrow.", at, "UTC") == "2026-03-07T23:59:59+00:00"


def test_a_naive_timestamp_is_wall_clock_time_in_the_zone():
    p = one("I'll call you in 10 minutes.", "2026-07-01T09:00:00", "America/New_York")
    assert p.due.isoformat() == "2026-07-01T09:10:00-04:00"


def test_the_zone_can_be_a_zoneinfo():
    assert due_of("I'll call you at 6pm.", WED, ZoneInfo("Asia/Kolkata")) == (
        "2026-03-04T18:00:00+05:30"
    )


def test_working_days_skip_the_weekend_and_holidays():
    fri = "2026-03-06T12:00:00"
    text = "We'll refund you within 2 working days."
    assert due_of(text, fri) == "2026-03-10T23:59:59+00:00"
    assert due_of(text, fri, holidays={date(2026, 3, 9)}) == "2026-03-11T23:59:59+00:00"
    # a team that works Saturdays
    assert due_of(text, fri, business_days=range(6)) == "2026-03-09T23:59:59+00:00"
    # a message on Sunday counts from Monday
    assert due_of(text, "2026-03-08T12:00:00") == "2026-03-10T23:59:59+00:00"


def test_calendar_days_do_not_skip_the_weekend():
    assert due_of("We'll refund you within 2 days.", "2026-03-06T12:00:00") == (
        "2026-03-08T23:59:59+00:00"
    )


def test_day_month_order_is_day_first_unless_told_or_unambiguous():
    assert due_of("I'll email you on 12/03.") == "2026-03-12T23:59:59+00:00"
    assert due_of("I'll email you on 12/03.", day_first=False) == "2026-12-03T23:59:59+00:00"
    assert due_of("I'll email you on 3/14.") == "2026-03-14T23:59:59+00:00"
    assert due_of("I'll email you on 14/3.", day_first=False) == "2026-03-14T23:59:59+00:00"
    assert due_of("I'll email you by 01/02/2027.") == "2027-02-01T23:59:59+00:00"


DST_CASES = [
    # London springs forward on Sunday 29 March 2026 at 01:00 GMT
    ("We'll call you within 48 hours.", "2026-03-28T12:00:00", "Europe/London",
     "2026-03-30T13:00:00+01:00"),  # 48 real hours: the wall clock moved an hour
    ("I'll call you tomorrow at 1:30am.", "2026-03-28T12:00:00", "Europe/London",
     "2026-03-29T02:30:00+01:00"),  # 01:30 does not exist that night: forward by the gap
    ("I'll email you tomorrow.", "2026-03-28T23:30:00", "Europe/London",
     "2026-03-29T23:59:59+01:00"),
    ("I'll call you first thing Monday.", "2026-03-27T16:00:00", "Europe/London",
     "2026-03-30T10:00:00+01:00"),
    # and falls back on Sunday 25 October 2026 at 02:00 BST
    ("I'll call you at 1:30am on Sunday.", "2026-10-24T12:00:00", "Europe/London",
     "2026-10-25T01:30:00+01:00"),  # 01:30 happens twice: the first, the earlier deadline
    ("We'll call you within 24 hours.", "2026-10-24T12:00:00", "Europe/London",
     "2026-10-25T11:00:00+00:00"),
    ("I'll email you in 2 working days.", "2026-10-23T09:00:00", "Europe/London",
     "2026-10-27T23:59:59+00:00"),
    # New York springs forward on 8 March 2026 and falls back on 1 November 2026
    ("I'll call you within 2 hours.", "2026-03-08T01:30:00", "America/New_York",
     "2026-03-08T04:30:00-04:00"),
    ("I'll call you tomorrow at 2:15am.", "2026-03-07T12:00:00", "America/New_York",
     "2026-03-08T03:15:00-04:00"),
    ("I'll call you at 1:30am tomorrow.", "2026-10-31T12:00:00", "America/New_York",
     "2026-11-01T01:30:00-04:00"),
    ("We'll refund you in 3 working days.", "2026-10-30T12:00:00", "America/New_York",
     "2026-11-04T23:59:59-05:00"),
    ("I'll email you on 3/14.", WED, "America/New_York", "2026-03-14T23:59:59-04:00"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "at", "tz", "due"), DST_CASES, ids=lambda x: str(x)[:40])
def test_dst_edges(text, at, tz, due):
    assert due_of(text, at, tz) == due


def test_a_message_sent_in_the_repeated_hour_resolves_against_its_real_moment():
    # 01:30 EDT (fold 0) and 01:30 EST (fold 1) are an hour apart; "in 10 minutes" follows each
    first = datetime(2026, 11, 1, 1, 30, tzinfo=ZoneInfo("America/New_York"))
    second = first.replace(fold=1)
    assert one("I'll call you in 10 minutes.", first.isoformat(), "America/New_York").due == (
        first + timedelta(minutes=10)
    )
    p = extract_promises("I'll call you in 10 minutes.", second, "America/New_York")[0]
    assert p.due.isoformat() == "2026-11-01T01:40:00-05:00"


# -- properties ----------------------------------------------------------------------------------
CUES = ["I'll", "We'll", "I will", "we are going to", "An engineer will", "Someone will",
        "Our team will", "You'll receive", "Expect", "Your refund will arrive",
        "You'll be"]  # fmt: skip
ACTIONS = ["call you", "email you", "a call", "an email", "refund you", "update you",
           "be in touch", "send a replacement", "contacted", "fix it", "look into it"]  # fmt: skip
TIMES = sorted(
    {phrase for _, phrase, _, _, _ in TIME_EXAMPLES}
    | {phrase for text, _, _ in DUE_CASES for phrase in [text.split(" ", 3)[-1]]}
    | {"at 1:30am tomorrow", "by 11:59pm", "at 12am", "within 1 minute", "before the 31st",
       "on 29/02", "next Sunday", "by the end of the week", "first thing Saturday"}
)  # fmt: skip
ZONES = ["UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu",
         "Pacific/Chatham", "America/St_Johns", "Pacific/Apia", "Europe/Berlin"]  # fmt: skip
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), allow_imaginary=True
)
sentences = st.tuples(st.sampled_from(CUES), st.sampled_from(ACTIONS), st.sampled_from(TIMES)).map(
    " ".join
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(sentences, min_size=1, max_size=4).map(". ".join), moments,
       st.sampled_from(ZONES), st.booleans())  # fmt: skip
def test_due_is_never_before_the_message(text, at, zone, aware):
    tz = ZoneInfo(zone)
    stamp = at.replace(tzinfo=tz) if aware else at
    found = extract_promises(text, stamp, zone)
    moment = stamp if aware else at.replace(tzinfo=tz)
    for p in found:
        assert p.kind in KINDS
        assert text[p.start : p.end] == p.text
        if p.due is not None:
            assert p.kind == "dated"
            assert p.due.tzinfo is not None
            assert p.due >= moment, (p, moment)
        else:
            assert p.kind != "dated"


fragments = st.sampled_from(
    CUES + ACTIONS + TIMES + [",", ".", "?", " and ", " once ", " if ", "\n", "’", "–", "99999999",
                              "31/31", "0/0", "at 99pm", "in 99999999999 days", "😀"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.lists(fragments, max_size=12).map(" ".join)), moments,
       st.sampled_from(ZONES))  # fmt: skip
def test_no_input_crashes_and_offsets_slice_back(text, at, zone):
    for p in extract_promises(text, at, zone):
        assert text[p.start : p.end] == p.text
        assert 0 <= p.start < p.end <= len(text)
        assert p.due is None or p.due >= at.replace(tzinfo=ZoneInfo(zone))


# -- the command -------------------------------------------------------------------------------
def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(app, ["promises", "extract", *args], input=stdin)


def test_extract_prints_json_with_the_documented_keys():
    result = run(
        "I'll ring you back at 6pm today, and your refund will arrive in 3–5 working days. "
        "We'll be in touch once it ships.",
        "--at", "2026-03-27T14:00:00", "--tz", "Europe/London", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows == [
        {"text": "I'll ring you back at 6pm today", "start": 0, "end": 31, "kind": "dated",
         "due": "2026-03-27T18:00:00+00:00", "trigger": None, "action": "call"},
        {"text": "your refund will arrive in 3–5 working days", "start": 37, "end": 80,
         "kind": "dated", "due": "2026-04-03T23:59:59+01:00", "trigger": None, "action": "refund"},
        {"text": "We'll be in touch once it ships", "start": 82, "end": 113, "kind": "triggered",
         "due": None, "trigger": "it ships", "action": "contact"},
    ]  # fmt: skip


def test_extract_defaults_to_utc_and_an_offset_in_at_is_kept():
    result = run("I'll call you in 10 minutes.", "--at", "2026-03-04T10:00:00+02:00", "-f", "json")
    assert json.loads(result.stdout)[0]["due"] == "2026-03-04T08:10:00+00:00"
    result = run("I'll call you in 10 minutes.", "--at", "2026-03-04T10:00:00Z", "--tz",
                 "Asia/Tokyo", "-f", "json")  # fmt: skip
    assert json.loads(result.stdout)[0]["due"] == "2026-03-04T19:10:00+09:00"


def test_extract_without_at_uses_now():
    before = datetime.now(ZoneInfo("UTC"))
    result = run("I'll call you in 10 minutes.", "-f", "json")
    due = datetime.fromisoformat(json.loads(result.stdout)[0]["due"])
    assert before + timedelta(minutes=10) <= due <= before + timedelta(minutes=11)


def test_extract_reads_stdin_and_prints_text():
    result = run("-", "--at", WED, "--tz", "Europe/London", stdin="We'll be in touch.\n")
    assert result.exit_code == 0
    assert result.stdout == "0-17 vague contact: “We'll be in touch” due no time\n"
    result = run("Thanks for waiting!", "--at", WED)
    assert result.stdout == "no promises\n"
    assert json.loads(run("Thanks!", "--at", WED, "-f", "json").stdout) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--at", "next tuesday"], "--at 'next tuesday' is not an ISO 8601 timestamp"),
        (["--at", "2026-13-01T10:00"], "is not an ISO 8601 timestamp"),
        (["--tz", "Mars/Olympus_Mons"], "unknown time zone 'Mars/Olympus_Mons'; use an IANA"),
        (["--tz", "../../etc/passwd"], "unknown time zone"),
        (["--format", "yaml"], "yaml"),
    ],
)
def test_extract_rejects_a_bad_timestamp_or_zone_with_exit_code_2(args, message):
    result = run("I'll call you tomorrow.", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_the_readme_promises_example_is_the_real_output():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    blocks = [
        b for b in re.findall(r"```console\n(.*?)```", readme, re.S)
        if b.startswith("$ amends promises extract ")
    ]  # fmt: skip
    assert blocks, "README.md lost its `amends promises extract` example"
    typed, _, shown = blocks[0].partition("\n")
    result = CliRunner().invoke(app, shlex.split(typed)[2:])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads(shown)


# -- the prefilter ---------------------------------------------------------------------------------
CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "corpus"


def _corpus_replies(limit: int = 3000) -> list[str]:
    import csv

    path = CORPUS / "twcs_5k.csv"
    if not path.is_file():
        pytest.skip(f"{path} is absent: the corpus ships in shared/ next to the repository")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [r["text"] for r in csv.DictReader(handle) if r["inbound"] == "False"]
    return rows[:limit]


def test_the_prefilter_never_changes_what_extraction_finds_on_the_corpus():
    plain = replace(RULES, prefilter=None)
    at, zone = when(WED), ZoneInfo("Europe/London")
    skipped = 0
    for text in _corpus_replies():
        assert RULES.extract(text, at, zone) == plain.extract(text, at, zone), text
        skipped += not RULES.may_promise(text)
    assert skipped > 0  # the prefilter does skip some replies, or it buys nothing


@pytest.mark.parametrize(
    ("text", "may"),
    [
        ("Sorry for the wait, that is not the service we want.", False),
        ("We\u2019ll be in touch.", True),
        ("DM us so we can connect.", True),
        ("Expect a call before the 14th.", True),
        ("WE WILL CALL YOU.", True),
    ],
)
def test_the_prefilter_reads_curly_apostrophes_and_any_case(text, may):
    assert RULES.may_promise(text) is may
    if not may:
        assert extract_promises(text, when(WED), "Europe/London") == []


# -- the cue gate: only speed changes ----------------------------------------------------------


def _every_cue_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """Extraction with the gate switched off: every cue runs on every sentence."""
    from amends.promises import PromiseRules

    monkeypatch.setattr(PromiseRules, "_gate", property(lambda rules: AllCues(rules.cues)))


class AllCues:
    def __init__(self, cues):
        self.cues = cues

    def possible(self, folded):
        return list(self.cues)


def _all_corpus_replies() -> list[str]:
    path = CORPUS / "twcs_5k.csv"
    if not path.is_file():
        pytest.skip(f"{path} is not here (the shared corpus)")
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle) if row["inbound"] == "False"]


def test_the_cue_gate_finds_every_promise_of_the_corpus_replies(monkeypatch):
    texts = _all_corpus_replies()
    at = when(WED)
    gated = [extract_promises(text, at, "UTC") for text in texts]
    assert sum(map(len, gated)) > 200  # the corpus replies do promise things
    _every_cue_everywhere(monkeypatch)
    assert [extract_promises(text, at, "UTC") for text in texts] == gated


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(fragments | st.sampled_from([c.upper() for c in CUES]), max_size=12).map(" ".join))
def test_the_cue_gate_keeps_what_every_cue_finds(monkeypatch, text):
    at = when(WED)
    gated = extract_promises(text, at, "UTC")
    with monkeypatch.context() as patched:
        _every_cue_everywhere(patched)
        assert extract_promises(text, at, "UTC") == gated


def test_a_reply_without_any_cue_words_still_checks_its_zone():
    with pytest.raises(ValueError, match="Mars"):
        extract_promises("Thanks for reaching out!", when(WED), "Mars/Olympus_Mons")
