"""The store's commands: ``amends import`` (a conversation export into the store) and ``amends
db upgrade|downgrade|current``. A thin layer over ``amends.store``, registered on the main app
by ``register``; SQLAlchemy and rich are imported when one of them runs.
"""

from __future__ import annotations

import json
from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from .store import ImportSummary


class ImportFormat(StrEnum):
    twcs = "twcs"
    jsonl = "jsonl"
    csv = "csv"
    zendesk = "zendesk"


class SummaryFormat(StrEnum):
    text = "text"
    json = "json"


DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database",
        "--db",
        help="Database URL (sqlite:///PATH or postgresql://USER@HOST/NAME); default: "
        "$AMENDS_DATABASE_URL, else sqlite:///amends.db.",
        show_default=False,
    ),
]

db_app = typer.Typer(
    name="db",
    help="Set up and migrate the store (SQLite or PostgreSQL).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"amends: {message}", err=True)
    return typer.Exit(2)


def open_store(database: str | None) -> Engine:
    """The store's engine, or exit status 2 saying why (the commands that migrate or check it
    themselves)."""
    from .store import StoreError, make_engine

    try:
        return make_engine(database)
    except StoreError as exc:
        raise _fail(str(exc)) from exc


def current_store(database: str | None) -> Engine:
    """The store, reachable and at the newest revision, or exit status 2 saying why."""
    from .store import StoreError, ensure_current
    from .store.db import check_reachable

    engine = open_store(database)
    try:
        check_reachable(engine)
        ensure_current(engine)
    except StoreError as exc:
        raise _fail(str(exc)) from exc
    return engine


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="The revision to reach.")] = "head",
    database: DatabaseOpt = None,
) -> None:
    """Migrate the store up to REVISION (default: the newest)."""
    from .store import StoreError, current, upgrade

    engine = open_store(database)
    try:
        upgrade(engine, revision)
        typer.echo(f"{engine.url.render_as_string(hide_password=True)}: at {current(engine)}")
    except StoreError as exc:
        raise _fail(str(exc)) from exc


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="The revision to go back to; base: empty.")],
    database: DatabaseOpt = None,
) -> None:
    """Migrate the store down to REVISION (base removes every table amends made)."""
    from .store import StoreError, current, downgrade

    engine = open_store(database)
    try:
        downgrade(engine, revision)
        at = current(engine) or "base (no tables)"
        typer.echo(f"{engine.url.render_as_string(hide_password=True)}: at {at}")
    except StoreError as exc:
        raise _fail(str(exc)) from exc


@db_app.command("current")
def db_current(database: DatabaseOpt = None) -> None:
    """Print the store's revision and the newest this amends knows."""
    from .store import StoreError, current, head

    engine = open_store(database)
    try:
        at = current(engine)
    except StoreError as exc:
        raise _fail(str(exc)) from exc
    latest = head()
    state = "up to date" if at == latest else "run `amends db upgrade`"
    typer.echo(
        f"{engine.url.render_as_string(hide_password=True)}: at {at or 'none (empty)'}; "
        f"newest {latest} ({state})"
    )


def import_command(
    file: Annotated[Path, typer.Argument(help="The export to import.", show_default=False)],
    fmt: Annotated[
        ImportFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="twcs, jsonl, csv or zendesk; default: guessed from the file's name and first "
            "line.",
            show_default=False,
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            help="The namespace of the file's ids (default: the format's: twcs, amends, "
            "zendesk); give exports of different systems different sources.",
            show_default=False,
        ),
    ] = None,
    database: DatabaseOpt = None,
    output: Annotated[
        SummaryFormat, typer.Option("--summary", help="text, or json: the summary as JSON.")
    ] = SummaryFormat.text,
    tz: Annotated[
        str,
        typer.Option(
            "--tz",
            help="The team's or customer's IANA time zone, in which promises' due times are read.",
        ),
    ] = "UTC",
) -> None:
    """Import conversations into the store and analyse every new public agent message.

    Importing a file again adds nothing; a file with new messages adds only those; an import
    that stopped half-way carries on where it stopped. Rows that cannot be read are listed with
    their line and reason, and the rest still import (exit status 1 when any was rejected).
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from .promises import as_zone
    from .store import StoreError, UnknownFormat, import_file

    try:
        as_zone(tz)
    except ValueError as exc:
        raise _fail(f"--tz: {exc}") from exc
    engine = open_store(database)
    console = Console(stderr=True, highlight=False)
    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = bar.add_task(f"importing {file.name}", total=None)

    def show(done: int, total: int) -> None:
        # the bar appears once the file is read and the store reached: an error before that
        # is printed alone
        if not bar.live.is_started:
            bar.start()
        bar.update(task, completed=done, total=total)

    try:
        summary = import_file(
            file, engine, fmt.value if fmt else None, source=source, progress=show, tz=tz
        )
    except (StoreError, UnknownFormat) as exc:
        raise _fail(str(exc)) from exc
    except Exception as exc:  # the database went away mid-import, or a bug: say what is kept
        raise _fail(
            f"the import of {file} stopped: {type(exc).__name__}: {exc}; the batches written "
            "before it are kept, and running the same command again carries on from there"
        ) from exc
    finally:
        bar.stop()
    if output is SummaryFormat.json:
        typer.echo(json.dumps(summary.to_dict(), indent=2))
    else:
        for line in summary_lines(summary, engine):
            typer.echo(line)
    if summary.rejected:
        raise typer.Exit(1)


def summary_lines(summary: ImportSummary, engine: Engine) -> list[str]:
    from .store import counts

    lines = [f"line {r.line}: rejected: {r.reason}" for r in summary.rejected]
    held = counts(engine)
    lines += [
        f"{summary.path} ({summary.format}, source {summary.source!r}): read {summary.read} = "
        f"imported {summary.imported} + skipped (already stored) {summary.skipped} + rejected "
        f"{len(summary.rejected)}",
        f"added {summary.conversations_added} conversations, analysed {summary.analysed} agent "
        f"messages in {summary.seconds:.1f}s",
        f"the store ({engine.url.render_as_string(hide_password=True)}) holds "
        f"{held['conversations']} conversations, {held['messages']} messages, "
        f"{held['analyses']} analyses",
    ]
    kinds = ", ".join(f"{summary.promises.get(k, 0)} {k}" for k in ("dated", "triggered", "vague"))
    by_code = Counter(f"{f.code} {f.name}" for f in summary.ledger_findings)
    found = ", ".join(f"{n} {code}" for code, n in sorted(by_code.items())) or "none"
    lines.append(
        f"promises: added {sum(summary.promises.values())} ({kinds}); {summary.kept} kept by a "
        f"later message; ledger findings: {found}"
        + (" (amends conversation check ID)" if summary.ledger_findings else "")
    )
    return lines


def register(app: typer.Typer) -> None:
    """Add ``import`` and ``db`` to the ``amends`` command line."""
    app.command(name="import")(import_command)
    app.add_typer(db_app)
