"""``amends keys create|list|revoke``: API keys for ``amends serve``. A thin layer over
``amends.store.keys``; the secret of a new key is printed once and kept nowhere."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from .cli_store import DatabaseOpt, current_store
from .cli_store import SummaryFormat as OutFormat

if TYPE_CHECKING:
    pass

keys_app = typer.Typer(
    name="keys",
    help="API keys for `amends serve`: make, list and revoke them.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


class Role(StrEnum):
    agent = "agent"
    lead = "lead"
    admin = "admin"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"amends: {message}", err=True)
    return typer.Exit(2)


@keys_app.command("create")
def create_command(
    role: Annotated[Role, typer.Option("--role", help="agent, lead or admin.")],
    team: Annotated[
        str | None, typer.Option("--team", help="The team (required but for an admin).")
    ] = None,
    agent: Annotated[
        str | None, typer.Option("--agent", help="The agent's id, for an agent's key.")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="What the key is for.")] = None,
    database: DatabaseOpt = None,
    fmt: Annotated[
        OutFormat, typer.Option("--format", "-f", help="text or json.")
    ] = OutFormat.text,
) -> None:
    """Make a key and print it once: the store keeps only its hash."""
    from .store.keys import ApiKeyError, create_key

    try:
        info, secret = create_key(current_store(database), role.value, team, agent, note)
    except ApiKeyError as exc:
        raise _fail(str(exc)) from exc
    if fmt is OutFormat.json:
        typer.echo(json.dumps({"key": info.to_dict(), "secret": secret}, indent=2))
        return
    typer.echo(secret)
    typer.echo(
        f"key {info.id} ({info.prefix}): {info.role}, team {info.team or 'every team'}"
        + (f", agent {info.agent_id}" if info.agent_id else "")
        + "; shown once, keep it somewhere safe",
        err=True,
    )


@keys_app.command("list")
def list_command(
    database: DatabaseOpt = None,
    fmt: Annotated[
        OutFormat, typer.Option("--format", "-f", help="text or json.")
    ] = OutFormat.text,
) -> None:
    """List the keys (never their secrets): id, prefix, role, team, agent, made, revoked."""
    from .store.keys import list_keys

    keys = list_keys(current_store(database))
    if fmt is OutFormat.json:
        typer.echo(json.dumps([k.to_dict() for k in keys], indent=2))
        return
    rows = [("id", "prefix", "role", "team", "agent", "created", "revoked")]
    rows += [
        (
            str(k.id),
            k.prefix,
            k.role,
            k.team or "*",
            k.agent_id or "-",
            k.created_at.strftime("%Y-%m-%d %H:%M"),
            k.revoked_at.strftime("%Y-%m-%d %H:%M") if k.revoked_at else "-",
        )
        for k in keys
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        typer.echo("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    typer.echo(f"{len(keys)} key(s), {sum(k.active for k in keys)} in force")


@keys_app.command("revoke")
def revoke_command(
    key: Annotated[str, typer.Argument(help="The key's id or prefix (see `amends keys list`).")],
    database: DatabaseOpt = None,
) -> None:
    """Revoke a key: requests with it are refused from now on."""
    from .store.keys import ApiKeyError, revoke_key

    try:
        info = revoke_key(current_store(database), key)
    except ApiKeyError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"revoked key {info.id} ({info.prefix}, {info.role}, team {info.team or '*'})")


def register(app: typer.Typer) -> None:
    """Add ``keys`` to the ``amends`` command line."""
    app.add_typer(keys_app)
