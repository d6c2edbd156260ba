"""Alembic's environment for the store: run on the connection the caller passes in
(``config.attributes["connection"]``), or on the URL amends would use."""

from __future__ import annotations

from alembic import context

from amends.store.db import make_engine
from amends.store.models import Base

config = context.config
target_metadata = Base.metadata


def run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite alters a table by copying it: batch mode does that for migrations
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or None)
    with engine.begin() as fresh:
        run(fresh)
