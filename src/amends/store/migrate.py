"""Migrations: the store's schema moves up and down by named Alembic revisions, shipped in the
package (``amends/store/migrations``), so an installed amends can migrate without a checkout."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from .db import StoreError, check_reachable, is_sqlite, shown


def _config(engine: Engine | None = None) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(resources.files("amends.store") / "migrations"))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", shown(engine.url).replace("%", "%%"))
    return config


def revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def head() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current(engine: Engine) -> str | None:
    """The revision the database is at; None for a database amends has not set up."""
    check_reachable(engine)
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _run(engine: Engine, action: str, revision: str) -> None:
    check_reachable(engine)
    config = _config(engine)
    # one transaction: on SQLite it holds the write lock, so a second process upgrading the same
    # new file waits, then finds it up to date
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            getattr(command, action)(config, revision)
    except CommandError as exc:
        raise StoreError(
            f"{action} to {revision!r}: {exc}; revisions are {', '.join(revisions())}, head or base"
        ) from exc
    except DBAPIError as exc:
        raise StoreError(f"{action} to {revision!r} failed on {shown(engine.url)}: {exc}") from exc


def upgrade(engine: Engine, revision: str = "head") -> None:
    _run(engine, "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, "downgrade", revision)


def ensure_current(engine: Engine) -> None:
    """Make the schema usable: a new SQLite database is set up here and now; any other database
    behind the installed schema is an error that says to run ``amends db upgrade``."""
    at = current(engine)
    latest = head()
    if at == latest:
        return
    if at is None and is_sqlite(engine.url):
        upgrade(engine)
        return
    if at is not None and at not in revisions():
        raise StoreError(
            f"the database {shown(engine.url)} is at revision {at!r}, which this amends does not "
            "know; it was made by a newer amends: upgrade amends"
        )
    raise StoreError(
        f"the database {shown(engine.url)} is at revision {at or 'none (empty)'}, not {latest}; "
        "run `amends db upgrade` first"
    )
