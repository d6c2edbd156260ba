"""The store: conversations, messages and their analyses, and the ledger of promises and
incidents, in SQLite (``amends.db`` by default) or PostgreSQL. Optional: analysing a reply
never needs it.

``db`` (URL, engine, sessions), ``models`` (tables), ``migrate`` (Alembic revisions),
``importers`` (one module per file format) and ``ingest`` (importing a file).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .db import StoreError, UnreachableDatabase, database_url, make_engine
    from .importers import FORMATS, Rejected, UnknownFormat
    from .ingest import ImportSummary, counts, import_file, rules_version
    from .migrate import current, downgrade, ensure_current, head, upgrade

# Loaded on first use (PEP 562): ``amends score`` reads files with the importers and runs its
# workers without a database, and importing SQLAlchemy and Alembic cost each process seconds.
_FROM = {
    **dict.fromkeys(("StoreError", "UnreachableDatabase", "database_url", "make_engine"), "db"),
    **dict.fromkeys(("FORMATS", "Rejected", "UnknownFormat"), "importers"),
    **dict.fromkeys(("ImportSummary", "counts", "import_file", "rules_version"), "ingest"),
    **dict.fromkeys(("current", "downgrade", "ensure_current", "head", "upgrade"), "migrate"),
}


def __getattr__(name: str) -> Any:
    if name not in _FROM:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{_FROM[name]}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "FORMATS",
    "ImportSummary",
    "Rejected",
    "StoreError",
    "UnknownFormat",
    "UnreachableDatabase",
    "counts",
    "current",
    "database_url",
    "downgrade",
    "ensure_current",
    "head",
    "import_file",
    "make_engine",
    "rules_version",
    "upgrade",
]
