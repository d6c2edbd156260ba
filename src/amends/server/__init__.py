"""amends over HTTP: a FastAPI app (``create_app``) that is a thin layer over the library and
the store, with the CLI's JSON as its wire schema (schema_version 1).

``settings`` (what an operator can set), ``errors`` (the JSON error shape and its handlers),
``schemas`` (request and response models), ``api/`` (one router per area) and ``app`` (the
factory that puts them together; ``uvicorn amends.server.app:create_app --factory``).
"""

from __future__ import annotations

from .app import create_app
from .settings import Settings

__all__ = ["Settings", "create_app"]
