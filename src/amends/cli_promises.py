"""``amends promises``: the promises in agent messages, a sub-command group over
``amends.promises`` (``extract`` today; the ledger's ``list`` and ``mark`` join it here)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import typer

promises_app = typer.Typer(
    name="promises",
    help="The promises in agent messages: what was promised, and by when.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


class PromiseFormat(StrEnum):
    text = "text"
    json = "json"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"amends: {message}", err=True)
    return typer.Exit(2)


def parse_timestamp(value: str) -> datetime:
    """An ISO 8601 timestamp ("2026-03-04T10:00", "2026-03-04T10:00:00+01:00", "...Z")."""
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError(
            f"--at {value!r} is not an ISO 8601 timestamp; write it like 2026-03-04T10:00:00 "
            "or 2026-03-04T10:00:00+00:00"
        ) from exc


@promises_app.command("extract")
def extract_command(
    text: Annotated[str, typer.Argument(help="The agent's message, or - to read it from stdin.")],
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="When the message was sent, ISO 8601 (default: now). Without an offset it is "
            "wall-clock time in --tz.",
        ),
    ] = None,
    tz: Annotated[
        str, typer.Option("--tz", help="The customer's or team's IANA time zone.")
    ] = "UTC",
    fmt: Annotated[
        PromiseFormat, typer.Option("--format", "-f", help="text or json.")
    ] = PromiseFormat.text,
) -> None:
    """Extract the promises in one agent message, each with its due time, trigger or neither.

    JSON: a list of {"text", "start", "end", "kind", "due", "trigger", "action"}; kind is dated,
    triggered or vague; due is ISO 8601 with the zone's offset, or null.
    """
    from .promises import as_zone, extract_promises

    if text == "-":
        raw = sys.stdin.buffer.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _fail(
                f"stdin is not valid UTF-8 (offset {exc.start}); send the text as UTF-8"
            ) from exc
    try:
        zone = as_zone(tz)
        when = parse_timestamp(at) if at is not None else datetime.now(zone)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    found = extract_promises(text, when, zone)
    if fmt is PromiseFormat.json:
        typer.echo(json.dumps([p.to_json() for p in found], ensure_ascii=False, indent=2))
        return
    if not found:
        typer.echo("no promises")
        return
    for p in found:
        when_due = p.due.isoformat() if p.due else f"when {p.trigger}" if p.trigger else "no time"
        typer.echo(f"{p.start}-{p.end} {p.kind} {p.action}: “{p.text}” due {when_due}")


def register(app: typer.Typer) -> None:
    """Add the ``promises`` group to the ``amends`` command line."""
    app.add_typer(promises_app, name="promises")
