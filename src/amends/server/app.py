"""The app factory: ``create_app(settings)`` puts the routers, the error handlers and the
limits together. ``uvicorn amends.server.app:create_app --factory`` builds it from the
environment (``Settings.from_env``), as ``amends serve`` does."""

from __future__ import annotations

from fastapi import FastAPI

from .. import __version__
from . import errors, web
from .api import agent, health
from .settings import Settings
from .state import State

DESCRIPTION = """Check, score and coach customer-service apologies over HTTP.

Responses are the command line's JSON (schema_version 1). Every error is
`{"error": {"code", "message", "where"?}}`."""


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
    app.include_router(health.router)
    app.include_router(agent.router)
    web.install(app)
    return app
