"""The store: conversations, messages and their analyses, and the ledger of promises and
incidents, in SQLite (``amends.db`` by default) or PostgreSQL. Optional: analysing a reply
never needs it.

``db`` (URL, engine, sessions), ``models`` (tables), ``migrate`` (Alembic revisions),
``importers`` (one module per file format) and ``ingest`` (importing a file).
"""

from __future__ import annotations

from .db import StoreError, UnreachableDatabase, database_url, make_engine
from .importers import FORMATS, Rejected, UnknownFormat
from .ingest import ImportSummary, counts, import_file, rules_version
from .migrate import current, downgrade, ensure_current, head, upgrade

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
