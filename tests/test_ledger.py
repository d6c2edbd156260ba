"""The promise ledger: delivery rules (their data examples), statuses, the history checks (P101,
P102), and the store's ledger through the CLI (import, list filters, mark, refresh, conversation
check, idempotent re-import) on SQLite and (when a server is given) PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from amends.cli import app
from amends.datafile import DataError
from amends.ledger import Said, Tracked, check_history, ledger_rules, load_ledger_rules, status_at
from amends.promises import extract_promises
from amends.store import make_engine, upgrade
from amends.store.db import session_factory
from amends.store.models import Promise as PromiseRow

runner = CliRunner()
PLAIN = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb", "AMENDS_DATABASE_URL": None}
DATA = Path(__file__).parent / "data"
LEDGER = DATA / "ledger_conversations.jsonl"
TWCS = Path(__file__).resolve().parents[2] / "shared" / "data" / "corpus" / "twcs_5k.csv"
AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday

EXAMPLES = [
    (rule.name, promise, later, kept)
    for rule in ledger_rules().delivered
    for promise, later, kept in rule.examples
]


@pytest.mark.parametrize(("rule", "promise", "later", "kept"), EXAMPLES)
def test_every_delivery_rule_example_with_only_its_rule(rule, promise, later, kept):
    rules = ledger_rules().only(rule)
    found = extract_promises(promise, AT, "UTC")
    assert found, f"the example promise {promise!r} has no promise in it"
    delivered = [rules.delivery(p, later) for p in found]
    if kept:
        assert any(d and d[0] == rule for d in delivered), (promise, later)
    else:
        assert not any(delivered), (promise, later, delivered)


def test_every_delivery_rule_has_an_example_it_keeps_and_names_are_unique():
    names = [r.name for r in ledger_rules().delivered]
    assert len(names) == len(set(names))
    assert all(any(k for _, _, k in r.examples) for r in ledger_rules().delivered)


def test_a_bad_ledger_file_names_its_line(tmp_path):
    bad = tmp_path / "ledger.yaml"
    text = (Path(__file__).parents[1] / "src/amends/data/ledger.yaml").read_text()
    bad.write_text(text.replace(")* {done}", ")* {finished}", 1))
    with pytest.raises(DataError, match=r"ledger.yaml:\d+.*unknown placeholder \{finished\}"):
        load_ledger_rules(bad)
    bad.write_text(text.replace("actions: [contact, message]", "actions: [contact, telepathy]"))
    with pytest.raises(DataError, match=r"ledger.yaml:\d+.*'telepathy' is not one of"):
        load_ledger_rules(bad)


# -- statuses and checks over plain histories --------------------------------------------------
def _history(*messages: tuple[str, str, int]) -> list[Said]:
    """(role, text, hours after AT) -> messages with ids 0, 1, ..."""
    return [
        Said(i, role, AT + timedelta(hours=h), text) for i, (role, text, h) in enumerate(messages)
    ]


def _tracked(history: list[Said], message: int, **kw) -> list[Tracked]:
    said = history[message]
    return [
        Tracked((message, k), message, p, **kw)
        for k, p in enumerate(extract_promises(said.text, said.sent_at, "UTC"))
    ]


def test_a_dated_promise_is_open_then_broken_and_a_delivery_keeps_it():
    history = _history(
        ("customer", "I was charged twice.", 0),
        ("agent", "I'll refund you by Friday.", 1),  # due Friday 4 December, end of day
        ("agent", "I've refunded the second charge.", 60),
    )
    (promise,) = _tracked(history, 1)
    thursday = datetime(2026, 12, 3, 12, tzinfo=UTC)
    saturday = datetime(2026, 12, 5, 12, tzinfo=UTC)
    assert status_at(promise, history[1].sent_at, history[:2], thursday)[0] == "open"
    assert status_at(promise, history[1].sent_at, history[:2], saturday)[0] == "broken"
    status, by = status_at(promise, history[1].sent_at, history, saturday)
    assert (status, by) == ("kept", history[2])
    # the delivery counts only once it was sent
    assert status_at(promise, history[1].sent_at, history, thursday)[0] == "open"


def test_a_persons_mark_stands_whatever_the_history_says():
    history = _history(("agent", "I'll refund you by Friday.", 0))
    (promise,) = _tracked(history, 0, status="cancelled", status_by="person")
    later = datetime(2027, 1, 1, tzinfo=UTC)
    assert status_at(promise, history[0].sent_at, history, later)[0] == "cancelled"


def test_contact_is_kept_by_an_unprompted_message_not_by_an_answer():
    history = _history(
        ("agent", "We'll be in touch.", 0),
        ("customer", "ok?", 1),
        ("agent", "Could you send your order number?", 2),
    )
    (promise,) = _tracked(history, 0)
    assert status_at(promise, history[0].sent_at, history, AT + timedelta(days=1))[0] == "open"
    unasked = _history(("agent", "We'll be in touch.", 0), ("agent", "Hi again, all sorted.", 5))
    (promise,) = _tracked(unasked, 0)
    assert status_at(promise, unasked[0].sent_at, unasked, AT + timedelta(days=1))[0] == "kept"


def _apology(said: Said) -> tuple[int, int] | None:
    at = said.text.lower().find("sorry")
    return (at, at + 5) if at >= 0 else None


def test_promising_again_what_was_broken_is_p101_at_the_new_promise():
    history = _history(
        ("agent", "I'll refund you by Friday.", 0),
        ("customer", "Still nothing.", 24 * 6),
        ("agent", "I'll refund you by tomorrow.", 24 * 6 + 1),
    )
    promises = _tracked(history, 0) + _tracked(history, 2)
    (finding,) = check_history(history, promises, _apology)  # no P001: both promises are dated
    assert (finding.code, finding.name) == ("P101", "promise-after-broken-promise")
    assert finding.message_id == 2
    assert (
        history[2].text[finding.start : finding.end]
        == finding.match
        == "I'll refund you by tomorrow"
    )
    assert "I'll refund you by Friday" in finding.message
    assert finding.suggestions and finding.why
    # before the first was due, promising again is no finding
    early = _history(
        ("agent", "I'll refund you by Friday.", 0), ("agent", "I'll refund you by Friday.", 2)
    )
    assert check_history(early, _tracked(early, 0) + _tracked(early, 1), _apology) == []


def test_an_apology_that_ignores_an_overdue_promise_is_p102_and_one_that_names_it_is_not():
    history = _history(
        ("agent", "We'll email you by Wednesday with an update.", 0),
        ("agent", "Sorry for the trouble. Please restart your router.", 24 * 4),
    )
    (finding,) = check_history(history, _tracked(history, 0), _apology)
    assert finding.code == "P102" and finding.match == "Sorry" and finding.message_id == 1
    assert "We'll email you by Wednesday" in finding.message
    named = _history(
        ("agent", "We'll email you by Wednesday with an update.", 0),
        ("agent", "Sorry, I promised an update and didn't send it.", 24 * 4),
    )
    assert check_history(named, _tracked(named, 0), _apology) == []
    kept_in_time = _history(
        ("agent", "We'll email you by Wednesday with an update.", 0),
        ("agent", "I've emailed you the details.", 2),
        ("agent", "Sorry for the trouble.", 24 * 4),
    )
    assert check_history(kept_in_time, _tracked(kept_in_time, 0), _apology) == []


def test_a_vague_promise_is_p001_at_its_words():
    history = _history(("agent", "Thanks! We'll be in touch. I'll call you at 5pm.", 0))
    (finding,) = check_history(history, _tracked(history, 0), _apology)
    assert (finding.code, finding.name, finding.match) == (
        "P001",
        "vague-promise",
        "We'll be in touch",
    )
    assert history[0].text[finding.start : finding.end] == finding.match


def test_a_promise_marked_cancelled_is_never_overdue():
    history = _history(
        ("agent", "We'll email you by Wednesday with an update.", 0),
        ("agent", "Sorry for the trouble.", 24 * 4),
    )
    cancelled = _tracked(history, 0, status="cancelled", status_by="person")
    assert check_history(history, cancelled, _apology) == []


# -- the store, through the CLI ----------------------------------------------------------------
@pytest.fixture
def url(store_url: str) -> str:
    if store_url.startswith("postgresql"):
        upgrade(make_engine(store_url))
    return store_url


def _run(*args: str):
    return runner.invoke(app, list(args), env=PLAIN)


def _listed(url: str, *args: str) -> list[dict]:
    done = _run("promises", "list", "--db", url, "--format", "json", *args)
    assert done.exit_code == 0, done.output
    return json.loads(done.output)


def _imported(url: str, tz: str = "America/New_York") -> dict:
    done = _run("import", str(LEDGER), "--db", url, "--tz", tz, "--summary", "json")
    assert done.exit_code == 0, done.output
    return json.loads(done.output)


def test_import_records_promises_once_and_reports_them(url):
    summary = _imported(url)
    assert summary["promises"] == {"dated": 4, "triggered": 1, "vague": 1}
    assert summary["promises_kept"] == 2  # c-3's update (it shipped) and its "be in touch"
    assert {(f["code"], f["match"]) for f in summary["ledger_findings"]} == {
        ("P001", "We'll be in touch"),
        ("P101", "I'll refund you by tomorrow"),
        ("P102", "Sorry"),
    }
    again = _imported(url)
    assert again["promises"] == {"dated": 0, "triggered": 0, "vague": 0}
    with session_factory(make_engine(url))() as session:
        assert session.scalar(select(func.count()).select_from(PromiseRow)) == 6
    text = _run("import", str(LEDGER), "--db", url)
    assert "promises: added 0 (0 dated, 0 triggered, 0 vague)" in text.output


def test_due_times_are_read_in_the_import_time_zone(url):
    _imported(url, tz="America/New_York")
    (call,) = [p for p in _listed(url, "--due", "all") if p["action"] == "call"]
    # "at 5pm today", sent 09:05 UTC = 04:05 in New York: 17:00 New York is 22:00 UTC
    assert call["due"] == "2026-12-05T22:00:00+00:00"
    (call,) = [
        p for p in _listed(url, "--due", "all", "--tz", "America/New_York") if p["action"] == "call"
    ]
    assert call["due"] == "2026-12-05T17:00:00-05:00"


def test_list_filters_by_due_agent_and_team(url):
    _imported(url)
    now = ("--now", "2026-12-05T12:00:00Z")
    overdue = _listed(url, "--due", "overdue", *now)
    assert [(p["conversation"], p["text"]) for p in overdue] == [
        ("c-2", "We'll email you by Wednesday"),
        ("c-1", "I'll refund you by Friday"),
    ]
    assert all(p["status"] == "broken" for p in overdue)
    today = _listed(url, "--due", "today", *now, "--tz", "America/New_York")
    assert [p["text"] for p in today] == ["I'll call you at 5pm today"]
    # c-1's second promise was made on 7 December: not there yet on the 5th
    assert [p["text"] for p in _listed(url, "--due", "open", *now)] == [
        "I'll call you at 5pm today"
    ]
    assert {p["agent"] for p in _listed(url, "--due", "all", "--agent", "ag-1")} == {"ag-1"}
    assert {p["conversation"] for p in _listed(url, "--due", "all", "--team", "support")} == {
        "c-2",
        "c-4",
    }
    later = _listed(url, "--due", "overdue", "--now", "2026-12-10T00:00:00Z")
    assert len(later) == 4  # the call and the second refund are past due too


def test_list_prints_a_table_and_says_when_there_is_nothing(url):
    _imported(url)
    done = _run(
        "promises", "list", "--db", url, "--due", "overdue", "--now", "2026-12-05T12:00:00Z"
    )
    assert done.exit_code == 0
    for word in ("id", "conversation", "agent", "due", "action", "text", "status"):
        assert word in done.output
    assert "We'll email you by Wednesday" in done.output and "broken" in done.output
    none = _run(
        "promises", "list", "--db", url, "--due", "overdue", "--now", "2026-12-01T00:00:00Z"
    )
    assert "no promises (overdue)" in none.output


def test_mark_sets_the_status_and_the_ledger_keeps_it(url):
    _imported(url)
    (refund,) = [
        p for p in _listed(url, "--due", "all") if p["text"] == "I'll refund you by Friday"
    ]
    done = _run("promises", "mark", str(refund["id"]), "kept", "--db", url)
    assert done.exit_code == 0, done.output
    assert (
        f"promise {refund['id']} (refund: “I'll refund you by Friday”) is now kept" in done.output
    )
    now = ("--now", "2026-12-05T12:00:00Z")
    assert "I'll refund you by Friday" not in [
        p["text"] for p in _listed(url, "--due", "overdue", *now)
    ]
    (marked,) = [p for p in _listed(url, "--due", "all", *now) if p["id"] == refund["id"]]
    assert (marked["status"], marked["status_by"]) == ("kept", "person")
    refreshed = _run("promises", "refresh", "--db", url, "--now", "2026-12-20T00:00:00Z")
    assert refreshed.exit_code == 0, refreshed.output
    (still,) = [p for p in _listed(url, "--due", "all") if p["id"] == refund["id"]]
    assert still["status"] == "kept"
    # a person's kept also settles the ledger's check: no P101 on the second refund promise
    check = _run("conversation", "check", "c-1", "--db", url, "--format", "json")
    assert check.exit_code == 0 and json.loads(check.output)["findings"] == []


def test_mark_an_unknown_id_or_status_is_a_clear_error(url):
    _imported(url)
    done = _run("promises", "mark", "999", "kept", "--db", url)
    assert done.exit_code == 2
    assert "no promise has id 999 (ids run from 1 to 6)" in done.output
    wrong = _run("promises", "mark", "1", "done", "--db", url)
    assert wrong.exit_code == 2 and "kept" in wrong.output


def test_refresh_marks_broken_what_is_past_due_and_reopens_when_asked_earlier(url):
    _imported(url)
    first = _run("promises", "refresh", "--db", url, "--now", "2026-12-06T00:00:00Z")
    assert "broken 3" in first.output, first.output  # the email, the first refund, the call
    earlier = _run("promises", "refresh", "--db", url, "--now", "2026-12-02T00:00:00Z")
    assert "reopened 3" in earlier.output, earlier.output
    with session_factory(make_engine(url))() as session:
        statuses = {t: s for t, s in session.execute(select(PromiseRow.text, PromiseRow.status))}
    assert statuses["I'll refund you by Friday"] == "open"
    assert statuses["I'll update you once it ships"] == "kept"


def test_refresh_extracts_promises_of_messages_stored_without_them(url):
    _imported(url)
    with session_factory(make_engine(url)).begin() as session:
        session.query(PromiseRow).delete()
    done = _run("promises", "refresh", "--db", url, "--tz", "America/New_York")
    assert "added 6 promises" in done.output, done.output
    again = _run("promises", "refresh", "--db", url)
    assert "added 0 promises" in again.output


def test_conversation_check_reports_findings_with_span_and_suggestion(url):
    _imported(url)
    done = _run("conversation", "check", "c-2", "--db", url, "--format", "json")
    assert done.exit_code == 1
    report = json.loads(done.output)
    (finding,) = report["findings"]
    assert finding["code"] == "P102" and finding["name"] == "apology-ignores-overdue-promise"
    assert (finding["start"], finding["end"], finding["match"]) == (0, 5, "Sorry")
    assert finding["suggestions"] and "email" in finding["suggestions"][0]
    vague = _run("conversation", "check", "c-3", "--db", url)
    assert "characters 51-68:\n  P001 vague-promise: “We'll be in touch” promises to contact" in (
        vague.output
    )
    # people read the export's message id, its author and time, not the store's row number
    assert re.search(
        r"^message \S+ (by \S+ )?at \d{4}-\d\d-\d\d \d\d:\d\d UTC, ", vague.output, re.M
    )
    clean = _run("conversation", "check", "c-4", "--db", url)
    assert clean.exit_code == 0 and "conversation c-4: no findings" in clean.output
    text = _run("conversation", "check", "c-1", "--db", url)
    assert "P101 promise-after-broken-promise" in text.output and "suggestion:" in text.output
    missing = _run("conversation", "check", "nope", "--db", url)
    assert missing.exit_code == 2 and "no conversation has the id 'nope'" in missing.output


def test_a_bad_time_zone_or_now_is_refused_before_anything_is_written(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    done = _run("import", str(LEDGER), "--db", url, "--tz", "Mars/Olympus")
    assert done.exit_code == 2 and "unknown time zone 'Mars/Olympus'" in done.output
    assert not (tmp_path / "x.db").exists()
    bad = _run("promises", "list", "--db", url, "--now", "yesterday")
    assert bad.exit_code == 2 and "--now 'yesterday' is not an ISO 8601" in bad.output


@pytest.mark.skipif(not TWCS.is_file(), reason=f"the shared corpus is not here ({TWCS})")
def test_twcs_import_then_overdue_promises_end_to_end(tmp_path):
    url = f"sqlite:///{tmp_path / 'twcs.db'}"
    summary = json.loads(_run("import", str(TWCS), "--db", url, "--summary", "json").output)
    assert sum(summary["promises"].values()) > 100
    overdue = _listed(url, "--due", "overdue")
    assert overdue and all(p["status"] == "broken" and p["due"] for p in overdue)
    assert all(datetime.fromisoformat(p["due"]) < datetime.now(UTC) for p in overdue)
    every = _listed(url, "--due", "all")
    assert len(every) == sum(summary["promises"].values())
    assert {p["kind"] for p in every} <= {"dated", "triggered", "vague"}


def test_a_vague_promise_is_reported_once_by_the_conversation_check(url):
    """The analyzer's P001 note is stored with the message's analysis; the conversation check
    reports the ledger's own P001 alone, in the same words, so the promise is named once."""
    from amends.store.models import Analysis, Message

    _imported(url)
    done = _run("conversation", "check", "c-3", "--db", url, "--format", "json")
    found = json.loads(done.output)["findings"]
    assert [(f["code"], f["match"]) for f in found] == [("P001", "We'll be in touch")]
    with session_factory(make_engine(url))() as session:
        stored = session.scalars(
            select(Analysis.report)
            .join(Message, Analysis.message_id == Message.id)
            .where(Message.external_id == "c3-2")
        ).one()
    notes = [f for f in stored["findings"] if f["kind"] == "note"]
    assert [(n["code"], n["start"], n["end"]) for n in notes] == [
        ("P001", found[0]["start"], found[0]["end"])
    ]
    assert notes[0]["message"] == found[0]["message"]
    text = _run("conversation", "check", "c-3", "--db", url)
    assert text.output.count("P001") == 1
