"""The store itself: where it lives, SQLite's settings, and the migrations up and down on
SQLite and (when a server is given) PostgreSQL, run through the library and ``amends db``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from amends.cli import app
from amends.store import StoreError, current, downgrade, ensure_current, head, make_engine, upgrade
from amends.store.db import database_url, session_factory, transaction
from amends.store.migrate import revisions
from amends.store.models import Base, Conversation, Message

runner = CliRunner()
PLAIN = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
CORE = {"conversations", "messages", "analyses"}
LEDGER = {
    "promises",
    "incidents",
    "whys",
    "corrective_actions",
    "failure_categories",
    "incident_conversations",
    "conversation_categories",
}


def tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_the_url_comes_from_the_argument_then_the_environment_then_amends_db(monkeypatch):
    monkeypatch.delenv("AMENDS_DATABASE_URL", raising=False)
    assert str(database_url()) == "sqlite:///amends.db"
    monkeypatch.setenv("AMENDS_DATABASE_URL", "postgresql://me:secret@db.example:5433/cs")
    chosen = database_url()
    assert chosen.drivername == "postgresql+psycopg"  # psycopg 3, not psycopg2
    assert (chosen.host, chosen.port, chosen.database) == ("db.example", 5433, "cs")
    assert str(database_url("sqlite:////tmp/x.db")) == "sqlite:////tmp/x.db"
    with pytest.raises(StoreError, match="not a database URL"):
        database_url("not a url")


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 's.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 30_000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_migrations_are_named_and_chained():
    assert revisions() == [
        "0001_conversations",
        "0002_ledger",
        "0003_promise_ledger",
        "0004_api_keys",
        "0005_practice_attempts",
    ]
    assert head() == "0005_practice_attempts"


def test_migrations_go_up_and_down_and_up_again(store_url):
    engine = make_engine(store_url)
    assert current(engine) is None
    upgrade(engine)
    assert current(engine) == "0005_practice_attempts"
    assert tables(engine) == CORE | LEDGER | {"api_keys", "practice_attempts"}
    downgrade(engine, "0004_api_keys")
    assert current(engine) == "0004_api_keys"
    assert tables(engine) == CORE | LEDGER | {"api_keys"}
    downgrade(engine, "0003_promise_ledger")
    assert tables(engine) == CORE | LEDGER
    downgrade(engine, "0002_ledger")
    assert current(engine) == "0002_ledger"
    assert tables(engine) == CORE | LEDGER
    downgrade(engine, "0001_conversations")
    assert current(engine) == "0001_conversations"
    assert tables(engine) == CORE
    downgrade(engine, "base")
    assert current(engine) is None
    assert tables(engine) == set()
    upgrade(engine, "0001_conversations")
    assert tables(engine) == CORE
    upgrade(engine)
    assert tables(engine) == CORE | LEDGER | {"api_keys", "practice_attempts"}


def test_the_migrations_build_exactly_the_models_tables(store_url):
    engine = make_engine(store_url)
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_times_keep_their_instant_and_come_back_aware(store_url):
    engine = make_engine(store_url)
    upgrade(engine)
    paris = timezone(timedelta(hours=1))
    sent = datetime(2026, 3, 29, 1, 30, tzinfo=paris)
    with transaction(session_factory(engine)) as session:
        conversation = Conversation(source="t", external_id="1", started_at=sent)
        session.add(conversation)
        session.add(
            Message(
                conversation=conversation,
                source="t",
                external_id="m",
                role="agent",
                sent_at=sent,
                text="Sorry.",
            )
        )
    with session_factory(engine)() as session:
        message = session.query(Message).one()
        assert message.sent_at == sent
        assert message.sent_at.tzinfo is not None
        assert message.sent_at.utcoffset() == timedelta(0)
        assert message.sent_at == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)


def test_a_role_other_than_customer_or_agent_is_refused_by_the_database(store_url):
    engine = make_engine(store_url)
    upgrade(engine)
    with pytest.raises(IntegrityError, match=r"(?i)check"), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO conversations (source, external_id, imported_at) "
                "VALUES ('t', '1', CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO messages (conversation_id, source, external_id, role, public, "
                "sent_at, text, imported_at) SELECT id, 't', 'm', 'bot', true, "
                "CURRENT_TIMESTAMP, 'x', CURRENT_TIMESTAMP FROM conversations"
            )
        )


def test_a_new_sqlite_file_is_set_up_by_itself_but_another_database_must_be_upgraded(
    store_url,
):
    engine = make_engine(store_url)
    if engine.url.get_backend_name() == "sqlite":
        ensure_current(engine)
        assert current(engine) == head()
        downgrade(engine, "0001_conversations")
    else:
        with pytest.raises(StoreError, match="run `amends db upgrade` first"):
            ensure_current(engine)
        upgrade(engine, "0001_conversations")
    # behind the newest: upgrading existing data is asked for, not done behind one's back
    with pytest.raises(
        StoreError, match="at revision 0001_conversations, not 0005_practice_attempts"
    ):
        ensure_current(engine)


def amends_db(*args: str):
    return runner.invoke(app, ["db", *args], env=PLAIN)


def test_amends_db_upgrade_current_and_downgrade(store_url):
    done = amends_db("current", "--db", store_url)
    assert done.exit_code == 0, done.output
    assert "at none (empty); newest 0005_practice_attempts (run `amends db upgrade`)" in done.output
    done = amends_db("upgrade", "--db", store_url)
    assert done.exit_code == 0, done.output
    assert done.output.strip().endswith(": at 0005_practice_attempts")
    assert "up to date" in amends_db("current", "--db", store_url).output
    done = amends_db("downgrade", "0001_conversations", "--db", store_url)
    assert done.exit_code == 0, done.output
    assert done.output.strip().endswith(": at 0001_conversations")
    assert tables(make_engine(store_url)) == CORE
    done = amends_db("downgrade", "base", "--db", store_url)
    assert done.output.strip().endswith(": at base (no tables)")


def test_amends_db_names_the_revisions_when_given_one_that_does_not_exist(tmp_path):
    done = amends_db("upgrade", "0009_nothing", "--db", f"sqlite:///{tmp_path / 'a.db'}")
    assert done.exit_code == 2
    assert "0009_nothing" in done.output
    assert (
        "revisions are 0001_conversations, 0002_ledger, 0003_promise_ledger, 0004_api_keys, "
        "0005_practice_attempts, head or base" in done.output
    )


def test_an_unreachable_database_is_a_clear_error_without_the_password(tmp_path):
    done = amends_db("upgrade", "--db", "postgresql://me:hunter2@127.0.0.1:1/amends")
    assert done.exit_code == 2
    assert "cannot reach the database postgresql+psycopg://me:***@127.0.0.1:1/amends" in (
        done.output
    )
    assert "hunter2" not in done.output
    missing = tmp_path / "no" / "such" / "folder" / "a.db"
    done = amends_db("current", "--db", f"sqlite:///{missing}")
    assert done.exit_code == 2
    assert "cannot reach the database" in done.output
    assert "check that the folder exists" in done.output
    assert not missing.parent.exists()
