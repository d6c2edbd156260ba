"""The store's tests run on SQLite always and on PostgreSQL when ``AMENDS_TEST_POSTGRES_URL``
names a server (``.ci/run`` starts one); without it the PostgreSQL cases skip and say why."""

from __future__ import annotations

import os

import pytest

POSTGRES_VARIABLE = "AMENDS_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", "postgresql")


def _empty_postgres(url: str) -> None:
    """Drop what earlier tests left: every table amends made, and Alembic's record."""
    from sqlalchemy import text

    from amends.store.db import UnreachableDatabase, check_reachable, make_engine
    from amends.store.models import Base

    engine = make_engine(url)
    try:
        check_reachable(engine)
    except UnreachableDatabase as exc:
        pytest.fail(f"{POSTGRES_VARIABLE} is set but the server cannot be reached: {exc}")
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path) -> str:
    """A database URL for an empty store: a new SQLite file, or the PostgreSQL test database
    emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'amends.db'}"
    url = os.environ.get(POSTGRES_VARIABLE)
    if not url:
        pytest.skip(
            f"PostgreSQL store tests need a server: set {POSTGRES_VARIABLE} "
            "(e.g. postgresql://postgres@127.0.0.1:5432/amends_test); .ci/run starts one"
        )
    _empty_postgres(url)
    return url
