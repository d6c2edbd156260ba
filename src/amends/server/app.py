"""The app factory: ``create_app(settings)`` puts the routers, the error handlers and the
limits together. ``uvicorn amends.server.app:create_app --factory`` builds it from the
environment (``Settings.from_env``), as ``amends serve`` does."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from .. import __version__
from . import errors, limits, web
from .api import agent, conversations, health, hooks, keys, ledger, reports
from .schemas import ErrorOut
from .settings import Settings
from .state import State

DESCRIPTION = """Check, score and coach customer-service apologies over HTTP.

Responses are the command line's JSON (schema_version 1). Every error is
`{"error": {"code", "message", "where"?}}`."""


# what any endpoint may answer, whatever it does
COMMON: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorOut, "description": "The body cannot be read (not UTF-8, say)."},
    413: {"model": ErrorOut, "description": "The body is over the size limit."},
    500: {"model": ErrorOut, "description": "A failure inside, logged; no details given."},
    503: {"model": ErrorOut, "description": "Over the concurrency limit: retry after a moment."},
}


def create_app(settings: Settings | None = None) -> FastAPI:
    """The amends API. ``settings`` default to the environment's (``Settings.from_env``)."""
    settings = settings if settings is not None else Settings.from_env()
    app = FastAPI(
        title="amends",
        version=__version__,
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.amends = State(settings)
    errors.install(app)
    limits.install(app, settings.max_body_bytes, settings.max_concurrent, settings.cors_origins)
    app.include_router(health.router, responses=COMMON)
    for area in (agent, conversations, ledger, reports, hooks, keys):
        app.include_router(area.router, responses=COMMON)
    web.install(app)
    _publish_limits(app, settings)
    return app


def _publish_limits(app: FastAPI, settings: Settings) -> None:
    """Put the configured batch limit into the OpenAPI schema (``maxItems``), so that clients
    and schema-based tools know it before they send."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            items = schema["components"]["schemas"]["BatchRequest"]["properties"]["items"]
            items["maxItems"] = settings.max_batch
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
