"""Where the store lives and how to reach it: the database URL, the engine, sessions, and a
clear error when the database cannot be reached.

SQLite (the default, ``amends.db`` in the working directory) runs in WAL mode with a busy
timeout, and every transaction takes the write lock when it begins (``BEGIN IMMEDIATE``): two
processes importing at once then queue for the lock instead of one failing with "database is
locked" when it tries to turn a read into a write. PostgreSQL is reached through psycopg 3.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

URL_VARIABLE = "AMENDS_DATABASE_URL"
DEFAULT_URL = "sqlite:///amends.db"
BUSY_TIMEOUT_SECONDS = 60


class StoreError(Exception):
    """The store cannot do what was asked; the message says what and what to do."""


class UnreachableDatabase(StoreError):
    """The database cannot be opened or reached."""


def database_url(url: str | None = None) -> URL:
    """``url``, else ``$AMENDS_DATABASE_URL``, else ``sqlite:///amends.db``; a bare
    ``postgresql://`` URL is given the psycopg 3 driver."""
    raw = url or os.environ.get(URL_VARIABLE) or DEFAULT_URL
    try:
        parsed = make_url(raw)
    except ArgumentError as exc:
        raise StoreError(
            f"{raw!r} is not a database URL; give sqlite:///PATH or "
            f"postgresql://USER@HOST:PORT/NAME (in {URL_VARIABLE} or --database)"
        ) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def shown(url: URL) -> str:
    """The URL as it may be printed: without its password."""
    return url.render_as_string(hide_password=True)


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def make_engine(url: str | URL | None = None) -> Engine:
    """An engine for ``url`` (see ``database_url``). Nothing is connected yet."""
    parsed = url if isinstance(url, URL) else database_url(url)
    kwargs: dict[str, Any] = {}
    if is_sqlite(parsed):
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_SECONDS}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise StoreError(
            f"no driver for {shown(parsed)} ({exc}); for PostgreSQL install psycopg: "
            "pip install 'amends[postgres]'"
        ) from exc
    if is_sqlite(parsed):
        _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # the driver's own transaction handling is switched off so that ours (below) is used
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
        if engine.url.database not in (None, "", ":memory:"):
            _use_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _use_wal(cursor: Any) -> None:
    """Switch a file to WAL mode, which it then keeps. Switching needs the file to itself and
    does not wait for the busy timeout, so two processes opening a new file at once take
    turns here."""
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def check_reachable(engine: Engine) -> None:
    """Connect once; raise ``UnreachableDatabase`` saying which database and why not."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        hint = (
            "check that the folder exists and can be written"
            if is_sqlite(engine.url)
            else "check that the server is running and the URL is right"
        )
        raise UnreachableDatabase(
            f"cannot reach the database {shown(engine.url)}: {reason}; {hint} "
            f"({URL_VARIABLE} or --database)"
        ) from exc


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed together at the end, or not at all."""
    with factory() as session, session.begin():
        yield session
