"""``amends serve``: the HTTP API under uvicorn. A thin layer over ``amends.server``; FastAPI
and uvicorn are imported when it runs (``pip install 'amends[serve]'``)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

APP = "amends.server.app:create_app"


def serve_command(
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="The port to listen on.")] = 8000,
    reload: Annotated[
        bool, typer.Option("--reload", help="Restart when the code changes (development).")
    ] = False,
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            "--db",
            help="The store (default: $AMENDS_DATABASE_URL, else sqlite:///amends.db).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the API over HTTP (OpenAPI at /docs). Limits and CORS come from AMENDS_MAX_BODY_BYTES,
    AMENDS_MAX_BATCH, AMENDS_MAX_CONCURRENT and AMENDS_CORS_ORIGINS."""
    try:
        import uvicorn

        from .server.auth import is_loopback
        from .server.settings import Settings, SettingsError
    except ModuleNotFoundError as exc:
        typer.echo(
            f"amends: serve needs {exc.name}; install it with: pip install 'amends[serve]'",
            err=True,
        )
        raise typer.Exit(2) from exc
    if database:
        # the app is built by uvicorn (in each worker, and again on --reload) from the
        # environment, so the choice is handed on there
        os.environ["AMENDS_DATABASE_URL"] = database
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        typer.echo(f"amends: {exc}", err=True)
        raise typer.Exit(2) from exc
    if not _has_keys(settings.database_url):
        if not is_loopback(host):
            typer.echo(
                f"amends: refusing to listen on {host} with no API key: anyone who can reach "
                "it could read the store. Create keys first (`amends keys create --role admin`), "
                "or listen on 127.0.0.1",
                err=True,
            )
            raise typer.Exit(2)
        typer.echo(
            "amends: no API keys: the API is open to programs on this machine and listens on "
            f"{host} only; `amends keys create` makes keys and closes it",
            err=True,
        )
    typer.echo(f"amends: serving on http://{host}:{port} (API docs at /docs)", err=True)
    uvicorn.run(APP, factory=True, host=host, port=port, reload=reload)


def _has_keys(database: str | None) -> bool:
    from .store import StoreError, ensure_current, make_engine
    from .store.keys import any_active_key

    try:
        engine = make_engine(database)
        ensure_current(engine)
        return any_active_key(engine)
    except StoreError as exc:
        typer.echo(f"amends: {exc}", err=True)
        raise typer.Exit(2) from exc


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the ``amends`` command line."""
    app.command(name="serve")(serve_command)
