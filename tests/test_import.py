"""``amends import``: every format, idempotency, resuming an interrupted import, bad rows, the
errors that write nothing, and two importers at once, on SQLite and (when a server is given)
PostgreSQL."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from amends import analyze
from amends.cli import app
from amends.store import StoreError, UnknownFormat, counts, import_file, make_engine, upgrade
from amends.store.db import session_factory
from amends.store.importers import guess_format
from amends.store.ingest import rules_version
from amends.store.models import Analysis, Conversation, Message

runner = CliRunner()
PLAIN = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb", "AMENDS_DATABASE_URL": None}
DATA = Path(__file__).parent / "data"
JSONL = DATA / "conversations.jsonl"
CSV = DATA / "conversations.csv"
ZENDESK = DATA / "zendesk_tickets.jsonl"
TWCS = Path(__file__).resolve().parents[2] / "shared" / "data" / "corpus" / "twcs_5k.csv"


@pytest.fixture
def url(store_url: str) -> str:
    """An empty store ready for imports: PostgreSQL is upgraded first (SQLite sets itself up
    on first use)."""
    if store_url.startswith("postgresql"):
        upgrade(make_engine(store_url))
    return store_url


def amends_import(*args: str):
    return runner.invoke(app, ["import", *args], env=PLAIN)


def messages(url: str) -> dict[str, Message]:
    with session_factory(make_engine(url))() as session:
        rows = session.scalars(select(Message)).all()
        return {m.external_id: m for m in rows}


def analyses(url: str) -> dict[str, Analysis]:
    """The analyses by the external id of the message they analyse."""
    with session_factory(make_engine(url))() as session:
        rows = session.execute(
            select(Message.external_id, Analysis).join(Message, Analysis.message_id == Message.id)
        ).all()
        return {external: analysis for external, analysis in rows}


def customer_of(url: str, external_id: str) -> str | None:
    analysis = analyses(url)[external_id]
    by_id = {m.id: m.external_id for m in messages(url).values()}
    return by_id.get(analysis.customer_message_id)


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def fixture_rows() -> list[dict]:
    return [json.loads(line) for line in JSONL.read_text(encoding="utf-8").splitlines()]


# -- formats -----------------------------------------------------------------------------------


def test_our_jsonl_format_imports_and_analyses_each_public_agent_message(url):
    done = amends_import(str(JSONL), "--db", url)
    assert done.exit_code == 0, done.output
    assert "read 6 = imported 6 + skipped (already stored) 0 + rejected 0" in done.output
    assert "added 2 conversations, analysed 2 agent messages" in done.output
    stored = messages(url)
    assert {m.role for m in stored.values()} == {"customer", "agent"}
    assert stored["m-2"].agent_id == "ag-12" and stored["m-2"].team == "deliveries"
    assert stored["m-6"].public is False  # an internal note: kept, not analysed
    # 14:03:30 at +01:00 is 13:03:30 UTC, and the offset it was written with is kept
    assert stored["m-5"].sent_at == datetime(2026, 12, 1, 13, 3, 30, tzinfo=UTC)
    assert stored["m-5"].utc_offset_minutes == 60
    found = analyses(url)
    assert set(found) == {"m-2", "m-5"}
    assert customer_of(url, "m-2") == "m-1"
    assert customer_of(url, "m-5") == "m-4"
    rows = {row["message_id"]: row for row in fixture_rows()}
    expected = analyze(rows["m-5"]["text"], customer=rows["m-4"]["text"])
    assert found["m-5"].score == expected.score
    assert found["m-5"].labels == list(expected.labels)
    assert "conditional_apology" in found["m-5"].labels
    assert found["m-5"].report["findings"] == expected.to_dict(detail=True)["findings"]
    assert found["m-5"].rules_version == rules_version()
    with session_factory(make_engine(url))() as session:
        conversation = session.scalars(
            select(Conversation).where(Conversation.external_id == "c-1001")
        ).one()
        assert (conversation.subject, conversation.customer_id, conversation.channel) == (
            "Parcel never arrived",
            "cust-77",
            "email",
        )


def test_the_csv_form_of_the_same_conversations_is_the_same_messages(url):
    done = amends_import(str(CSV), "--db", url)
    assert done.exit_code == 0, done.output
    from_csv = {k: (m.role, m.text, m.sent_at, m.public) for k, m in messages(url).items()}
    again = amends_import(str(JSONL), "--db", url)
    assert "read 6 = imported 0 + skipped (already stored) 6 + rejected 0" in again.output
    rows = fixture_rows()
    assert from_csv == {
        r["message_id"]: (
            r["role"],
            r["text"],
            datetime.fromisoformat(r["timestamp"]),
            r.get("public", True),
        )
        for r in rows
    }


def test_a_zendesk_export_imports_tickets_comments_roles_and_internal_notes(url):
    done = amends_import(str(ZENDESK), "--db", url)
    assert done.exit_code == 0, done.output
    assert "(zendesk, source 'zendesk')" in done.output
    assert "read 7 = imported 7 + skipped (already stored) 0 + rejected 0" in done.output
    stored = messages(url)
    assert stored["101"].role == "customer" and stored["101"].author == "Alice Moreno"
    assert stored["102"].role == "agent" and stored["102"].public is False
    assert stored["202"].role == "agent"  # an admin answering is the agent's side
    assert stored["203"].agent_id == "381626103" and stored["203"].team == "360002002"
    assert stored["103"].channel == "web" and stored["101"].channel == "email"
    assert set(analyses(url)) == {"103", "202", "203"}
    # the internal note between them is the agent's: the reply answers the customer's comment
    assert customer_of(url, "103") == "101"
    assert customer_of(url, "203") == "201"
    with session_factory(make_engine(url))() as session:
        subjects = set(session.scalars(select(Conversation.subject)))
    assert subjects == {"Order #8812 arrived damaged", "Can't log in after password reset"}


def test_a_zendesk_comment_without_a_known_author_is_rejected_and_the_rest_imported(
    tmp_path,
):
    ticket = json.loads(ZENDESK.read_text(encoding="utf-8").splitlines()[0])
    ticket["comments"][2]["author_id"] = 999
    ticket["comments"][3]["created_at"] = "yesterday"
    path = write_jsonl(tmp_path / "tickets.jsonl", [ticket, {"id": 5, "subject": "no comments"}])
    summary = import_file(path, make_engine(f"sqlite:///{tmp_path / 'a.db'}"), "zendesk")
    assert [str(r) for r in summary.rejected] == [
        "line 1: ticket 35436, comment 3: author 999 is neither in 'users' nor the requester "
        "or assignee, so their role is unknown",
        "line 1: ticket 35436, comment 4: 'created_at' is 'yesterday', not an ISO 8601 time "
        "such as 2026-12-01T09:30:00+01:00",
        "line 2: ticket 5 has no 'comments' list",
    ]
    assert (summary.read, summary.imported) == (5, 2)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "a.csv",
            "tweet_id,author_id,inbound,created_at,text,response_tweet_id,"
            "in_response_to_tweet_id\n",
            "twcs",
        ),
        ("a.csv", "conversation_id,message_id,role,timestamp,text\n", "csv"),
        ("export.txt", "conversation_id;message_id;role;timestamp;text\n", "csv"),
        ("a.jsonl", '{"conversation_id": "1", "text": "x"}\n', "jsonl"),
        ("a.json", '{"id": 1, "requester_id": 2, "comments": []}\n', "zendesk"),
    ],
)
def test_the_format_is_guessed_from_the_name_and_first_line(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert guess_format(path) == expected


def test_threads_of_tweets_are_rebuilt_and_continued_by_a_later_export(tmp_path):
    header = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id"
    first = [
        "10,555,True,Tue Oct 31 10:00:00 +0000 2017,@acme my order never came,11,",
        "11,acme,False,Tue Oct 31 10:05:00 +0000 2017,@555 Sorry about that! DM us ^JK,12,10",
        "12,555,True,Tue Oct 31 10:20:00 +0000 2017,@acme done. Still nothing,13,11",
        "20,777,True,Tue Oct 31 11:00:00 +0000 2017,@acme app crashes,,",
    ]
    later = [
        "13,acme,False,Tue Oct 31 10:30:00 +0000 2017,@555 We're sorry. A new one ships today,,12",
    ]
    url = f"sqlite:///{tmp_path / 'a.db'}"
    engine = make_engine(url)
    (tmp_path / "one.csv").write_text("\n".join([header, *first]) + "\n", encoding="utf-8")
    (tmp_path / "two.csv").write_text("\n".join([header, *later]) + "\n", encoding="utf-8")
    summary = import_file(tmp_path / "one.csv", engine)
    assert (summary.format, summary.conversations_added, summary.analysed) == ("twcs", 2, 1)
    stored = messages(url)
    assert stored["11"].role == "agent" and stored["11"].team == "acme"
    assert stored["11"].agent_id == "acme/JK"  # the initials the brand signs with
    assert (
        stored["10"].conversation_id == stored["11"].conversation_id == stored["12"].conversation_id
    )
    assert stored["20"].conversation_id != stored["10"].conversation_id
    summary = import_file(tmp_path / "two.csv", engine)
    assert (summary.imported, summary.conversations_added) == (1, 0)
    stored = messages(url)
    assert stored["13"].conversation_id == stored["10"].conversation_id
    assert customer_of(url, "13") == "12"  # answered across the two files


@pytest.mark.skipif(not TWCS.is_file(), reason=f"the shared corpus is not here ({TWCS})")
def test_twcs_5k_end_to_end_and_again_adds_nothing(url):
    with TWCS.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    agents = sum(row["inbound"] == "False" for row in rows)
    done = amends_import(str(TWCS), "--db", url, "--summary", "json")
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    assert summary["read"] == len(rows) == summary["imported"]
    assert summary["analysed"] == agents
    held = counts(make_engine(url))
    assert held["messages"] == len(rows) and held["analyses"] == agents
    # every stored conversation is one thread: its tweets answer tweets of the same conversation
    stored = messages(url)
    for message in stored.values():
        parent = stored.get(message.in_reply_to or "")
        if parent is not None:
            assert parent.conversation_id == message.conversation_id
    assert held["conversations"] == len({m.conversation_id for m in stored.values()})
    again = json.loads(amends_import(str(TWCS), "--db", url, "--summary", "json").output)
    assert (again["imported"], again["skipped"], again["analysed"]) == (0, len(rows), 0)
    assert counts(make_engine(url)) == held


# -- idempotency and resuming ------------------------------------------------------------------


def test_a_reimport_with_new_messages_adds_only_those(url, tmp_path):
    rows = fixture_rows()
    early = write_jsonl(tmp_path / "early.jsonl", rows[:4])
    engine = make_engine(url)
    first = import_file(early, engine)
    assert (first.imported, first.analysed) == (4, 1)
    later = [
        *rows,
        {
            "conversation_id": "c-1001",
            "message_id": "m-7",
            "role": "agent",
            "author": "Priya",
            "text": "I'm sorry, the link failed to send. Here it is: track.example/8812",
            "timestamp": "2026-11-30T18:20:00Z",
        },
    ]
    second = import_file(write_jsonl(tmp_path / "later.jsonl", later), engine)
    assert (second.read, second.imported, second.skipped) == (7, 3, 4)
    assert (second.conversations_added, second.analysed) == (0, 2)
    assert customer_of(url, "m-7") == "m-3"  # the customer's message stored earlier
    assert customer_of(url, "m-5") == "m-4"
    assert counts(engine) == {"conversations": 2, "messages": 7, "analyses": 3}


class Breaks:
    """An analyzer that fails on its Nth reply, as a crash or a lost connection would."""

    def __init__(self, after: int):
        from amends import get_analyzer

        self.inner = get_analyzer()
        self.left = after

    def analyze(self, text, customer=None):
        self.left -= 1
        if self.left < 0:
            raise RuntimeError("interrupted")
        return self.inner.analyze(text, customer)


def many_conversations(count: int, prefix: str = "c") -> list[dict]:
    rows = []
    for n in range(count):
        rows += [
            {
                "conversation_id": f"{prefix}{n}",
                "message_id": f"{prefix}{n}-q",
                "role": "customer",
                "text": f"Order {n} is late.",
                "timestamp": "2026-12-01T09:00:00Z",
            },
            {
                "conversation_id": f"{prefix}{n}",
                "message_id": f"{prefix}{n}-a",
                "role": "agent",
                "text": f"I'm sorry order {n} is late; it ships today.",
                "timestamp": "2026-12-01T09:05:00Z",
            },
        ]
    return rows


def test_an_interrupted_import_keeps_whole_batches_and_resumes_without_duplicates(url, tmp_path):
    path = write_jsonl(tmp_path / "many.jsonl", many_conversations(12))
    engine = make_engine(url)
    with pytest.raises(RuntimeError, match="interrupted"):
        import_file(path, engine, batch_messages=4, analyzer=Breaks(after=7))
    # batches of two conversations: three whole batches went in, the fourth not at all
    assert counts(engine) == {"conversations": 6, "messages": 12, "analyses": 6}
    resumed = import_file(path, engine, batch_messages=4)
    assert (resumed.imported, resumed.skipped, resumed.analysed) == (12, 12, 6)
    assert counts(engine) == {"conversations": 12, "messages": 24, "analyses": 12}
    with session_factory(engine)() as session:
        distinct = session.scalar(select(func.count(func.distinct(Message.external_id))))
        analysed = session.scalar(select(func.count(func.distinct(Analysis.message_id))))
    assert (distinct, analysed) == (24, 12)


# -- bad input ---------------------------------------------------------------------------------


def test_bad_rows_are_reported_with_line_and_reason_and_the_rest_import(tmp_path):
    good = fixture_rows()[:2]
    lines = [json.dumps(good[0]), "{not json", json.dumps(good[1])]
    bad = [
        {**good[1], "message_id": "x1", "role": "bot"},
        {**good[1], "message_id": "x2", "timestamp": "next Tuesday"},
        {**good[1], "message_id": "x3", "text": "   "},
        {k: v for k, v in good[1].items() if k != "conversation_id"} | {"message_id": "x4"},
        good[1],
    ]
    lines += [json.dumps(row) for row in bad]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "a.db"
    done = amends_import(str(path), "--db", f"sqlite:///{db}")
    assert done.exit_code == 1
    output = done.output
    assert "line 2: rejected: not valid JSON" in output
    assert "line 4: rejected: 'role' is 'bot'; give customer or agent" in output
    assert "line 5: rejected: 'timestamp' is 'next Tuesday', not an ISO 8601 time" in output
    assert "line 6: rejected: 'text' is empty" in output
    assert "line 7: rejected: missing required field 'conversation_id'" in output
    assert "line 8: rejected: message id 'm-2' was already given on line 3" in output
    assert "read 8 = imported 2 + skipped (already stored) 0 + rejected 6" in output
    assert counts(make_engine(f"sqlite:///{db}"))["messages"] == 2


def test_a_twcs_row_with_a_bad_date_is_rejected_with_its_line(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
        '1,111,True,Tue Oct 31 10:00:00 +0000 2017,"two\nlines",,\n'
        "2,acme,False,31/10/2017,@111 sorry,,1\n",
        encoding="utf-8",
    )
    summary = import_file(path, make_engine(f"sqlite:///{tmp_path / 'a.db'}"))
    assert [str(r) for r in summary.rejected] == [
        "line 4: 'created_at' is '31/10/2017', not a time like 'Tue Oct 31 22:10:47 +0000 2017'"
    ]
    assert (summary.read, summary.imported) == (2, 1)


def test_unknown_format_unreadable_file_and_unreachable_database_write_nothing(tmp_path):
    db = tmp_path / "a.db"
    url = f"sqlite:///{db}"
    prose = tmp_path / "notes.txt"
    prose.write_text("just some words\n", encoding="utf-8")
    done = amends_import(str(prose), "--db", url)
    assert done.exit_code == 2
    assert "cannot tell its format from its name and first line; pass --format" in done.output
    done = amends_import(str(JSONL), "--db", url, "--format", "xml")
    assert done.exit_code == 2
    assert "xml" in done.output
    done = amends_import(str(tmp_path / "missing.jsonl"), "--db", url)
    assert done.exit_code == 2
    assert "missing.jsonl: cannot read it (No such file or directory)" in done.output
    zipped = tmp_path / "export.csv"
    zipped.write_bytes(b"PK\x03\x04" + bytes(200))
    done = amends_import(str(zipped), "--db", url)
    assert done.exit_code == 2
    assert "not a text file" in done.output and "zip archive" in done.output
    assert not db.exists()  # none of these created the store
    done = amends_import(str(JSONL), "--db", "postgresql://u@127.0.0.1:1/amends")
    assert done.exit_code == 2
    assert "cannot reach the database postgresql+psycopg://u@127.0.0.1:1/amends" in done.output
    with pytest.raises(UnknownFormat, match="unknown format 'xml'"):
        import_file(JSONL, make_engine(url), "xml")
    with pytest.raises(StoreError, match="cannot reach"):
        import_file(JSONL, make_engine(f"sqlite:///{tmp_path / 'no' / 'dir' / 'a.db'}"))
    assert not db.exists()


def test_a_store_behind_the_newest_schema_is_not_imported_into(store_url):
    engine = make_engine(store_url)
    if store_url.startswith("postgresql"):
        # only a new SQLite file is set up by itself
        done = amends_import(str(JSONL), "--db", store_url)
        assert done.exit_code == 2
        assert (
            "at revision none (empty), not 0005_practice_attempts; run `amends db upgrade` first"
            in (done.output)
        )
    upgrade(engine, "0001_conversations")
    done = amends_import(str(JSONL), "--db", store_url)
    assert done.exit_code == 2
    assert (
        "at revision 0001_conversations, not 0005_practice_attempts; run `amends db upgrade` first"
        in (done.output)
    )
    assert counts(engine)["messages"] == 0


# -- two writers -------------------------------------------------------------------------------


def test_two_processes_importing_into_one_new_sqlite_file_both_succeed(tmp_path):
    files = [
        write_jsonl(tmp_path / f"{side}.jsonl", many_conversations(600, side))
        for side in ("left", "right")
    ]
    db = tmp_path / "shared.db"
    env = {**os.environ, "AMENDS_DATABASE_URL": f"sqlite:///{db}", "COLUMNS": "120"}
    code = "from amends.cli import app; app()"
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", code, "import", str(path), "--summary", "json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for path in files
    ]
    results = [run.communicate(timeout=300) for run in runs]
    for run, (out, err) in zip(runs, results, strict=True):
        assert run.returncode == 0, err
        summary = json.loads(out)
        assert (summary["imported"], summary["analysed"]) == (1200, 600)
    assert counts(make_engine(f"sqlite:///{db}")) == {
        "conversations": 1200,
        "messages": 2400,
        "analyses": 1200,
    }
