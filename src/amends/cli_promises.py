"""``amends promises``: the promises in agent messages (``extract``, over ``amends.promises``) and
the ledger of promises in the store (``list``, ``mark``, ``refresh``, over
``amends.store.ledger``); and ``amends conversation check``, the ledger's checks on one stored
conversation. SQLAlchemy and rich are imported when a store command runs."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from .cli_store import DatabaseOpt, open_store
from .cli_store import SummaryFormat as OutFormat  # text or json, as every store command

if TYPE_CHECKING:
    from .store.ledger import LedgerEntry

promises_app = typer.Typer(
    name="promises",
    help="The promises in agent messages: what was promised, and by when.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


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
        OutFormat, typer.Option("--format", "-f", help="text or json.")
    ] = OutFormat.text,
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
    if fmt is OutFormat.json:
        typer.echo(json.dumps([p.to_json() for p in found], ensure_ascii=False, indent=2))
        return
    if not found:
        typer.echo("no promises")
        return
    for p in found:
        when_due = p.due.isoformat() if p.due else f"when {p.trigger}" if p.trigger else "no time"
        typer.echo(f"{p.start}-{p.end} {p.kind} {p.action}: “{p.text}” due {when_due}")


class DueFilter(StrEnum):
    today = "today"
    overdue = "overdue"
    open = "open"
    all = "all"


class Mark(StrEnum):
    kept = "kept"
    broken = "broken"
    cancelled = "cancelled"


NowOpt = Annotated[
    str | None,
    typer.Option(
        "--now",
        help="The moment to work statuses out at, ISO 8601 (default: the current time); "
        "without an offset it is UTC.",
        show_default=False,
    ),
]
TzOpt = Annotated[
    str, typer.Option("--tz", help="The IANA time zone due times are shown (and today) in.")
]


def _now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise _fail(
            f"--now {value!r} is not an ISO 8601 timestamp; write it like 2026-03-04T10:00:00 "
            "or 2026-03-04T10:00:00+00:00"
        ) from exc


@promises_app.command("list")
def list_command(
    due: Annotated[
        DueFilter,
        typer.Option(
            "--due",
            help="overdue: due and not delivered; today: due today (in --tz); open: not yet "
            "due or with no due time; all.",
        ),
    ] = DueFilter.open,
    agent: Annotated[
        str | None, typer.Option("--agent", help="Only this agent (agent id or author).")
    ] = None,
    team: Annotated[str | None, typer.Option("--team", help="Only this team.")] = None,
    fmt: Annotated[
        OutFormat, typer.Option("--format", "-f", help="text (a table) or json.")
    ] = OutFormat.text,
    database: DatabaseOpt = None,
    now: NowOpt = None,
    tz: TzOpt = "UTC",
) -> None:
    """List the ledger's promises: id, conversation, agent, due, action, text and status.

    Statuses are worked out at --now: kept when a later agent message delivered the promise,
    broken when its due time passed with nothing, else open; a person's mark always stands.
    """
    from .store import StoreError
    from .store.ledger import list_promises

    when = _now(now)
    engine = open_store(database)
    try:
        entries = list_promises(engine, due.value, agent=agent, team=team, now=when, tz=tz)
    except (StoreError, ValueError) as exc:
        raise _fail(str(exc)) from exc
    if fmt is OutFormat.json:
        typer.echo(json.dumps([e.to_dict() for e in entries], ensure_ascii=False, indent=2))
        return
    _print_table(entries, due.value)


def _print_table(entries: list[LedgerEntry], due: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, width=max(120, Console().width))
    if not entries:
        console.print(f"no promises ({due})")
        return
    table = Table(title=f"promises ({due}): {len(entries)}", title_justify="left")
    for name in ("id", "conversation", "agent", "due", "action", "text", "status"):
        table.add_column(name, overflow="fold")
    for e in entries:
        row = e.to_dict()
        shown_due = (
            row["due"][:16].replace("T", " ") if row["due"]
            else f"when {e.trigger}" if e.trigger else "no time"
        )  # fmt: skip
        status = e.status + (" (marked)" if e.status_by == "person" else "")
        table.add_row(
            str(e.id), e.conversation, e.agent or "", shown_due, e.action or "", e.text, status
        )
    console.print(table)


@promises_app.command("mark")
def mark_command(
    promise_id: Annotated[int, typer.Argument(metavar="ID", help="The promise's id (see list).")],
    status: Annotated[Mark, typer.Argument(help="kept, broken or cancelled.")],
    database: DatabaseOpt = None,
) -> None:
    """Mark a promise kept, broken or cancelled by hand; the ledger keeps the mark."""
    from .store import StoreError
    from .store.ledger import mark

    engine = open_store(database)
    try:
        entry = mark(engine, promise_id, status.value)
    except StoreError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"promise {entry.id} ({entry.action}: “{entry.text}”) is now {entry.status}")


@promises_app.command("refresh")
def refresh_command(
    database: DatabaseOpt = None,
    now: NowOpt = None,
    tz: Annotated[
        str,
        typer.Option(
            "--tz", help="The IANA zone to read due times in, for messages with no promises yet."
        ),
    ] = "UTC",
) -> None:
    """Bring the ledger up to date at --now: extract the promises of agent messages stored
    before the ledger, mark kept what later messages delivered, broken what is past due."""
    from .store import StoreError
    from .store.ledger import refresh

    when = _now(now)
    engine = open_store(database)
    try:
        done = refresh(engine, when, tz)
    except (StoreError, ValueError) as exc:
        raise _fail(str(exc)) from exc
    typer.echo(
        f"read {done.messages_read} agent messages without promises, added "
        f"{done.promises_added} promises; kept {done.kept}, broken {done.broken}, reopened "
        f"{done.reopened}"
    )


conversation_app = typer.Typer(
    name="conversation",
    help="One stored conversation: the checks that need its history.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@conversation_app.command("check")
def conversation_check(
    conversation: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="The conversation's id in its export, or the store's number as #N."
        ),
    ],
    fmt: Annotated[
        OutFormat, typer.Option("--format", "-f", help="text or json.")
    ] = OutFormat.text,
    database: DatabaseOpt = None,
) -> None:
    """Check a stored conversation against its promise ledger: a reply that promises again
    what was promised and broken (P101), an apology that ignores an overdue promise (P102).

    Exit status 1 when there are findings."""
    from .store import StoreError
    from .store.ledger import check_conversation, message_names

    engine = open_store(database)
    try:
        name, findings = check_conversation(engine, conversation)
    except StoreError as exc:
        raise _fail(str(exc)) from exc
    if fmt is OutFormat.json:
        typer.echo(
            json.dumps(
                {"conversation": name, "findings": [f.to_dict() for f in findings]},
                ensure_ascii=False,
                indent=2,
            )
        )
    elif not findings:
        typer.echo(f"conversation {name}: no findings")
    else:
        names = message_names(engine, [f.message_id for f in findings])
        for f in findings:
            typer.echo(
                f"message {names.get(f.message_id, f.message_id)}, characters {f.start}-{f.end}:"
            )
            typer.echo(f"  {f.code} {f.name}: {f.message}")
            for s in f.suggestions:
                typer.echo(f"  suggestion: {s}")
    if findings:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ``promises`` and ``conversation`` groups to the ``amends`` command line."""
    app.add_typer(promises_app, name="promises")
    app.add_typer(conversation_app, name="conversation")
