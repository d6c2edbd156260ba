"""Incidents (5 Whys, corrective actions as promises, links), failure categories, recurrence
and advise's repeat posture, through the CLI on SQLite and (when a server is given)
PostgreSQL, with unit tests of the category data and the apology sentences."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from amends.categories import NONE, OTHER, categorize, category_data, load_categories
from amends.cli import app
from amends.datafile import DataError
from amends.store import import_file, make_engine, upgrade
from amends.store.db import session_factory
from amends.store.models import (
    Conversation,
    ConversationCategory,
    FailureCategory,
    Promise,
)
from amends.store.recurrence import normalise_sentence

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "recurrence.jsonl"
runner = CliRunner()


def amends(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def as_json(*args: str) -> dict:
    code, out, err = amends(*args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


# -- the category data ---------------------------------------------------------------------
EXAMPLES = [
    (rule.name, text, hit)
    for rule in category_data().rules
    for hits, texts in ((True, rule.matches), (False, rule.misses))
    for text in texts
    for hit in (hits,)
]


@pytest.mark.parametrize(("name", "text", "hit"), EXAMPLES)
def test_every_category_example(name, text, hit):
    found = {c.name for c in categorize([text])}
    assert (name in found) is hit, f"{name} {'missed' if hit else 'fired on'}: {text!r}"


def test_every_category_has_examples_both_ways_and_a_description():
    data = category_data()
    assert len(data.rules) >= 10
    for rule in data.rules:
        assert rule.matches and rule.misses and rule.description, rule.name
    assert data.names[-2:] == (OTHER, NONE)


def test_a_conversation_always_gets_a_category():
    assert [c.name for c in categorize(["Do you ship to Norway?"])] == [NONE]
    other = categorize(["Hmm, not great."], ["Sorry about that."], apologised=True)
    assert [(c.name, c.assigned_by) for c in other] == [(OTHER, OTHER)]


def test_the_analyzers_signals_and_the_replies_count_but_weaker_than_the_customer():
    by_signal = categorize(["Three days and counting."], [], {"wait", "failure"})
    assert [(c.name, c.assigned_by) for c in by_signal] == [("wait", "signal")]
    # a late parcel is a delivery failure, not a wait, even though the analyzer reads a wait
    parcel = categorize(["My parcel is 3 days late."], [], {"wait", "failure"})
    assert [c.name for c in parcel] == ["delivery"]
    by_reply = categorize(["Help!"], ["Sorry for the wait, we're on it."])
    assert [(c.name, c.assigned_by) for c in by_reply] == [("wait", "reply")]
    assert by_reply[0].confidence < parcel[0].confidence


def test_a_bad_category_file_names_the_file_and_line(tmp_path):
    bad = tmp_path / "categories.yaml"
    bad.write_text(
        "confidence: {customer: 0.9, reply: 0.6, signal: 0.5, other: 0.4, none: 0.5}\n"
        "categories:\n"
        "  - name: billing\n"
        "    description: money\n"
        "    customer: {phrases: [charged]}\n"
        "    unless: [nowhere]\n"
        "    examples: {match: [charged], miss: [hi]}\n"
    )
    with pytest.raises(DataError, match=r"categories.yaml:3.*unknown category 'nowhere'"):
        load_categories(bad)


def test_apology_sentences_are_compared_without_names_handles_and_signatures():
    assert normalise_sentence("@jo123 I'm sorry for the trouble with your bill, Ann! ^AB") == (
        normalise_sentence("I'm SORRY for the trouble with your bill, Bob.")
    )
    assert normalise_sentence("Sorry for the 2 hour wait") == "sorry for the # hour wait"


# -- the store -----------------------------------------------------------------------------
@pytest.fixture
def store(store_url) -> str:
    engine = make_engine(store_url)
    upgrade(engine)
    import_file(FIXTURE, engine)
    return store_url


def categories_of(url: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    with session_factory(make_engine(url))() as session:
        for external_id, name in session.execute(
            select(Conversation.external_id, FailureCategory.name)
            .join(ConversationCategory, ConversationCategory.conversation_id == Conversation.id)
            .join(FailureCategory, FailureCategory.id == ConversationCategory.category_id)
        ):
            out.setdefault(external_id, set()).add(name)
    return out


def test_import_assigns_categories_and_categorize_keeps_a_persons(store):
    found = categories_of(store)
    assert found == {
        "b-1": {"billing"},
        "b-2": {"billing"},
        "b-3": {"billing"},
        "d-1": {"delivery"},
        "o-1": {"outage"},
        "o-2": {"outage"},
        "o-3": {"outage"},
        "o-4": {"outage"},
        "q-1": {NONE},
    }
    engine = make_engine(store)
    with session_factory(engine)() as session, session.begin():
        conversation = session.scalar(select(Conversation).where(Conversation.external_id == "q-1"))
        billing = session.scalar(select(FailureCategory).where(FailureCategory.name == "billing"))
        session.add(
            ConversationCategory(
                conversation_id=conversation.id,
                category_id=billing.id,
                assigned_by="person",
                confidence=1.0,
            )
        )
    counts = as_json("categorize", "--db", store)
    assert counts["outage"] == 4 and counts["billing"] == 4 and counts[NONE] == 1
    assert categories_of(store)["q-1"] == {NONE, "billing"}


def test_the_five_whys_actions_and_links_through_the_cli(store):
    incident = as_json(
        "incident",
        "new",
        "Logins failing after the 2.3 release",
        "--when",
        "2026-11-09T08:00:00+01:00",
        "--severity",
        "high",
        "--cause",
        "ours",
        "--category",
        "outage",
        "--db",
        store,
    )
    number = str(incident["id"])
    assert incident["started_at"] == "2026-11-09T07:00:00+00:00"
    assert incident["warnings"][0].startswith("no whys yet")

    first = as_json(
        "incident", "why", number, "Because the session service rejected tokens", "--db", store
    )
    assert (first["position"], first["question"], first["root_cause"]) == (1, None, False)
    second = as_json("incident", "why", number, "Because the token format changed", "--db", store)
    assert second["question"] == "Why because the session service rejected tokens?"
    code, out, _ = amends("incident", "show", number, "--db", store)
    assert code == 0
    assert "  1. Because the session service rejected tokens\n  2. Because the token format" in out
    assert "warning: the chain stops at why 2 before a root cause" in out

    root = as_json(
        "incident", "why", number, "Because no test covered old tokens", "--root", "--db", store
    )
    assert (root["position"], root["root_cause"]) == (3, True)
    code, _, err = amends("incident", "why", number, "Because of something else", "--db", store)
    assert code == 2 and "already ends in a root cause at why 3" in err

    action = as_json(
        "incident",
        "act",
        number,
        "Add old-token cases to the release tests",
        "--owner",
        "identity team",
        "--due",
        "2026-11-20",
        "--db",
        store,
    )
    with session_factory(make_engine(store))() as session:
        promise = session.get(Promise, action["promise_id"])
        assert (promise.action, promise.status, promise.kind) == (
            "corrective action",
            "open",
            "dated",
        )
        assert promise.due_at.isoformat() == "2026-11-20T00:00:00+00:00"
        assert promise.text == "Add old-token cases to the release tests"

    linked = as_json("incident", "link", number, "o-3", "o-4", "--db", store)
    assert [c["external_id"] for c in linked["linked"]] == ["o-3", "o-4"]
    store_id = str(linked["linked"][0]["id"])
    assert (
        as_json("incident", "link", number, store_id, "--db", store)["linked"][0]["external_id"]
        == "o-3"
    )

    shown = as_json("incident", "show", number, "--at", "2026-12-01", "--db", store)
    assert shown["root_cause"] == "Because no test covered old tokens"
    assert [w["position"] for w in shown["whys"]] == [1, 2, 3]
    assert shown["actions"][0] | {"id": 0, "promise_id": 0} == {
        "id": 0,
        "promise_id": 0,
        "action": "Add old-token cases to the release tests",
        "owner": "identity team",
        "due_at": "2026-11-20T00:00:00+00:00",
        "status": "open",
        "overdue": True,
    }
    assert [c["external_id"] for c in shown["conversations"]] == ["o-3", "o-4"]
    assert shown["warnings"] == ["1 corrective action(s) overdue"]
    early = as_json("incident", "show", number, "--at", "2026-11-15", "--db", store)
    assert early["actions"][0]["overdue"] is False and early["warnings"] == []

    resolved = as_json(
        "incident", "resolve", number, "Release rolled back, tests added", "--db", store
    )
    assert resolved["status"] == "resolved"
    assert [
        i["id"] for i in as_json("incident", "list", "--status", "resolved", "--db", store)
    ] == [incident["id"]]
    assert as_json("incident", "list", "--status", "open", "--db", store) == []
    code, out, _ = amends("incident", "list", "--db", store)
    assert code == 0 and "resolved\thigh\tours\toutage\twhys 3 (root)\tactions 1" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("incident", "show", "42"), "no incident 42: there are no incidents yet"),
        (("incident", "why", "7", "because"), "no incident 7"),
        (("incident", "new", "x", "--cause", "theirs"), "cause must be one of ours, outside"),
        (("incident", "new", "x", "--severity", "huge"), "severity must be one of low"),
        (("incident", "new", "x", "--category", "weather"), "unknown category 'weather'"),
        (("incident", "new", "x", "--when", "yesterday"), "--when 'yesterday' is not an ISO 8601"),
        (("recurring", "--window", "a month"), "window 'a month' is not a length of time"),
    ],
)
def test_errors_say_what_and_exit_2(store, args, message):
    code, _, err = amends(*args, "--db", store)
    assert code == 2
    assert message in err


def test_a_bad_due_date_and_an_unknown_conversation_exit_2(store):
    number = str(as_json("incident", "new", "Site down", "--db", store)["id"])
    code, _, err = amends("incident", "act", number, "fix", "--due", "31/12/2026", "--db", store)
    assert code == 2 and "--due '31/12/2026' is not an ISO 8601 date" in err
    code, _, err = amends("incident", "link", number, "nope", "--db", store)
    assert code == 2 and "no conversation 'nope'" in err


def test_recurrence_finds_the_fixtures_known_answers(store):
    found = as_json(
        "recurring",
        "--min",
        "2",
        "--min-weeks",
        "2",
        "--min-apologies",
        "3",
        "--share",
        "0.5",
        "--db",
        store,
    )
    assert found["until"] == "2026-11-17T10:05:00+00:00"
    assert [(c["customer_id"], c["category"], c["apologies"]) for c in found["customers"]] == [
        ("cust-1", "billing", 3)
    ]
    assert found["customers"][0]["conversations"] == ["amends:b-1", "amends:b-2", "amends:b-3"]
    assert [(f["kind"], f["name"], f["total"], f["weeks"]) for f in found["failures"]] == [
        ("category", "outage", 4, {"2026-11-02": 2, "2026-11-09": 2})
    ]
    # ag-1 says the same sentence three times (to the same name); ag-3 says sorry four ways
    assert [(a["agent_id"], a["repeats"], a["apologies"]) for a in found["agents"]] == [
        ("ag-1", 3, 3)
    ]
    assert found["agents"][0]["sentence"] == "I'm sorry for the trouble with your bill, Ann."

    stricter = as_json("recurring", "--min", "3", "--min-apologies", "4", "--db", store)
    assert stricter["failures"] == [] and stricter["agents"] == []
    assert [c["customer_id"] for c in stricter["customers"]] == ["cust-1"]
    short = as_json("recurring", "--window", "5d", "--min", "2", "--db", store)
    assert short["customers"] == [] and short["failures"] == []


def test_a_root_cause_that_several_incidents_end_in_recurs(store):
    for when in ("2026-11-02T09:00", "2026-11-10T09:00"):
        number = str(
            as_json("incident", "new", "Checkout down", "--when", when, "--db", store)["id"]
        )
        amends(
            "incident",
            "why",
            number,
            "Because the deploy skipped the smoke tests.",
            "--root",
            "--db",
            store,
        )
    found = as_json("recurring", "--db", store)
    roots = [f for f in found["failures"] if f["kind"] == "root_cause"]
    assert [(f["name"], f["total"], f["ids"]) for f in roots] == [
        ("because the deploy skipped the smoke tests", 2, ["#1", "#2"])
    ]
    code, out, _ = amends("recurring", "--db", store)
    assert code == 0
    assert "root_cause because the deploy skipped the smoke tests: 2" in out


def test_advise_uses_the_store_for_a_repeat_failure(store):
    # the customer's earlier billing failures make the third a repeat
    advice = as_json("advise", "--conversation", "b-3", "--db", store)
    assert advice["posture"] == "repeat_failure"
    assert advice["reasons"][0]["code"] == "P102"
    assert [h["when"] for h in advice["store"]["history"]] == [
        "amends:b-1 2026-11-03",
        "amends:b-2 2026-11-10",
    ]
    assert advice["compensation"]["offer"] is True
    # a first outage for this customer is a known, recurring one once an incident is open
    before = as_json("advise", "--conversation", "o-4", "--db", store)
    assert before["posture"] != "repeat_failure"
    as_json(
        "incident", "new", "App down", "--when", "2026-11-02", "--category", "outage", "--db", store
    )
    after = as_json("advise", "--conversation", "o-4", "--db", store)
    assert after["posture"] == "repeat_failure"
    assert after["reasons"][0]["code"] == "P111"
    assert "incident #1 (outage): App down" in after["reasons"][0]["reason"]
    assert "compensation" in after["required"]
    code, out, _ = amends("advise", "--customer-id", "cust-1", "--db", store)
    assert code == 0 and "posture: repeat_failure" in out and "3 earlier failure(s)" in out
    code, _, err = amends("advise", "--customer-id", "nobody", "--db", store)
    assert code == 2 and "no conversation of customer 'nobody'" in err
