"""``amends incident new|why|act|link|resolve|show|list``, ``amends categorize`` and ``amends
recurring``: a thin layer over ``amends.store.incidents``, ``amends.store.categorize`` and
``amends.store.recurrence``. Every command prints text or, with ``--format json``, JSON; errors
(an unknown id, a bad date, a bad cause) exit with status 2 and say what to do.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .cli_store import DatabaseOpt, current_store
from .cli_store import SummaryFormat as OutFormat  # text or json, as every store command

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .store.incidents import IncidentView
    from .store.recurrence import CaseContext, Recurrence

incident_app = typer.Typer(
    name="incident",
    help="Incidents: what failed, its 5 Whys, corrective actions, linked conversations.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


class Status(StrEnum):
    open = "open"
    resolved = "resolved"
    all = "all"


FormatOpt = Annotated[OutFormat, typer.Option("--format", "-f", help="text or json.")]
IdArg = Annotated[int, typer.Argument(help="The incident's id (`amends incident list`).")]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"amends: {message}", err=True)
    return typer.Exit(2)


@contextmanager
def _session(database: str | None, write: bool = True) -> Iterator[Session]:
    """A session on the store, committed when the command succeeds; the incident's errors
    (and bad values) become exit status 2."""
    from .store import StoreError
    from .store.db import session_factory, transaction
    from .store.incidents import IncidentError

    factory = session_factory(current_store(database))
    try:
        if write:
            with transaction(factory) as session:
                yield session
        else:
            with factory() as session:
                yield session
    except (StoreError, IncidentError, ValueError) as exc:
        raise _fail(str(exc)) from exc


def _when(value: str | None, name: str) -> Any:
    from .store.incidents import IncidentError, parse_when

    if value is None:
        return None
    try:
        return parse_when(value, name)
    except IncidentError as exc:
        raise _fail(str(exc)) from exc


def _emit(fmt: OutFormat, data: Any, text: Callable[[], list[str]]) -> None:
    if fmt is OutFormat.json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for line in text():
            typer.echo(line)


@incident_app.command("new")
def incident_new(
    what: Annotated[str, typer.Argument(help='What failed: "card payments declined".')],
    when: Annotated[
        str | None, typer.Option("--when", help="When it started, ISO 8601 (default: now).")
    ] = None,
    severity: Annotated[str, typer.Option(help="low, medium, high or critical.")] = "medium",
    cause: Annotated[str, typer.Option(help="ours, outside, customer or unknown.")] = "unknown",
    category: Annotated[
        str | None, typer.Option(help="A failure category (`amends categorize --list`).")
    ] = None,
    database: DatabaseOpt = None,
    fmt: FormatOpt = OutFormat.text,
) -> None:
    """Record an incident."""
    from datetime import UTC, datetime

    from .store.incidents import incident_view, new_incident

    started = _when(when, "--when") or datetime.now(UTC)
    with _session(database) as session:
        incident = new_incident(
            session, what, started_at=started, severity=severity, cause=cause, category=category
        )
        view = incident_view(session, incident.id)
    _emit(fmt, view.to_dict(), lambda: [f"incident {view.id}: {view.what}"])


@incident_app.command("why")
def incident_why(
    incident_id: IdArg,
    answer: Annotated[str, typer.Argument(help='The answer to "why?": "because ...".')],
    root: Annotated[
        bool, typer.Option("--root", help="This answer is the root cause: it ends the chain.")
    ] = False,
    database: DatabaseOpt = None,
    fmt: FormatOpt = OutFormat.text,
) -> None:
    """Add the next why of the incident's 5 Whys (--root on the last one)."""
    from .store.incidents import add_why

    with _session(database) as session:
        why = add_why(session, incident_id, answer, root=root)
        data = {
            "incident": incident_id,
            "position": why.position,
            "question": why.question,
            "answer": why.answer,
            "root_cause": why.root_cause,
        }
    mark = " (root cause)" if data["root_cause"] else ""
    _emit(
        fmt,
        data,
        lambda: [f"incident {incident_id} why {data['position']}{mark}: {data['answer']}"],
    )


@incident_app.command("act")
def incident_act(
    incident_id: IdArg,
    action: Annotated[str, typer.Argument(help="What will be done.")],
    owner: Annotated[str | None, typer.Option(help="Who does it.")] = None,
    due: Annotated[
        str | None, typer.Option("--due", help="When it is due, ISO 8601 (2026-12-20).")
    ] = None,
    database: DatabaseOpt = None,
    fmt: FormatOpt = OutFormat.text,
) -> None:
    """Add a corrective action; it is tracked as an open promise of the ledger."""
    from .store.incidents import add_action

    due_at = _when(due, "--due")
    with _session(database) as session:
        row = add_action(session, incident_id, action, owner=owner, due_at=due_at)
        data = {
            "incident": incident_id,
            "id": row.id,
            "action": row.action,
            "owner": row.owner,
            "due_at": row.due_at.isoformat() if row.due_at else None,
            "promise_id": row.promise_id,
            "status": "open",
        }
    _emit(
        fmt,
        data,
        lambda: [
            f"incident {incident_id} action {data['id']}: {data['action']} "
            f"(owner {data['owner'] or '-'}, due {data['due_at'] or '-'}, promise "
            f"{data['promise_id']}, open)"
        ],
    )


@incident_app.command("link")
def incident_link(
    incident_id: IdArg,
    conversations: Annotated[
        list[str], typer.Argument(help="Conversations: store ids or external ids.")
    ],
    source: Annotated[
        str | None, typer.Option(help="The source of the external ids, when two collide.")
    ] = None,
    database: DatabaseOpt = None,
    fmt: FormatOpt = OutFormat.text,
) -> None:
    """Link conversations to the incident."""
    from .store.incidents import link_conversation

    with _session(database) as session:
        linked = [link_conversation(session, incident_id, ref, source) for ref in conversations]
        data = {
            "incident": incident_id,
            "linked": [
                {"id": c.id, "source": c.source, "external_id": c.external_id} for c in linked
            ],
        }
    _emit(
        fmt,
        data,
        lambda: [
            f"incident {incident_id}: linked conversation {c['id']} "
            f"({c['source']}:{c['external_id']})"
            for c in data["linked"]
        ],
    )


@incident_app.command("resolve")
def incident_resolve(
    incident_id: IdArg,
    resolution: Annotated[str, typer.Argument(help="How it was resolved.")],
    when: Annotated[
        str | None, typer.Option("--when", help="When, ISO 8601 (default: now).")
    ] = None,
    database: DatabaseOpt = None,
    fmt: FormatOpt = OutFormat.text,
) -> None:
    """Mark the incident resolved."""
    from .store.incidents import incident_view, resolve_incident

    at = _when(when, "--when")
    with _session(database) as session:
        resolve_incident(session, incident_id, resolution, at)
        view = incident_view(session, incident_id)
    _emit(fmt, view.to_dict(), lambda: [f"incident {incident_id} resolved: {view.resolution}"])


@incident_app.command("show")
def incident_show(
    incident_id: IdArg,
    at: Annotated[
        str | None, typer.Option("--at", help="Judge overdue actions as of this time.")
    ] = None,
    database: DatabaseOpt = None,
    fmt: FormatOpt = OutFormat.text,
) -> None:
    """The incident, its whys as a chain, its actions (status, overdue) and conversations."""
    from .store.incidents import incident_view

    now = _when(at, "--at")
    with _session(database, write=False) as session:
        view = incident_view(session, incident_id, now)
    _emit(fmt, view.to_dict(), lambda: show_lines(view))


def show_lines(view: IncidentView) -> list[str]:
    status = f"resolved {view.resolved_at:%Y-%m-%d %H:%M}" if view.resolved_at else "open"
    lines = [
        f"incident {view.id}: {view.what}",
        f"  started {view.started_at:%Y-%m-%d %H:%M} UTC, severity {view.severity}, "
        f"cause {view.cause}, category {view.category or '-'}, {status}"
        if view.started_at
        else f"  severity {view.severity}, cause {view.cause}, {status}",
    ]
    if view.resolution:
        lines.append(f"  resolution: {view.resolution}")
    lines.append("5 whys:")
    for why in view.whys:
        mark = "  <- root cause" if why.root_cause else ""
        lines.append(f"  {why.position}. {why.answer}{mark}")
    if not view.whys:
        lines.append("  (none)")
    lines.append("corrective actions:")
    for a in view.actions:
        due = f"due {a.due_at:%Y-%m-%d}" if a.due_at else "no due date"
        late = ", OVERDUE" if a.overdue else ""
        lines.append(
            f"  [{a.id}] {a.action} (owner {a.owner or '-'}, {due}, {a.status}{late}, "
            f"promise {a.promise_id})"
        )
    if not view.actions:
        lines.append("  (none)")
    lines.append("conversations:")
    for c in view.conversations:
        lines.append(f"  {c.id} {c.source}:{c.external_id} customer {c.customer_id or '-'}")
    if not view.conversations:
        lines.append("  (none)")
    lines += [f"warning: {w}" for w in view.warnings]
    return lines


@incident_app.command("list")
def incident_list(
    status: Annotated[Status, typer.Option(help="open, resolved or all.")] = Status.all,
    database: DatabaseOpt = None,
    fmt: FormatOpt = OutFormat.text,
) -> None:
    """Incidents, newest first."""
    from .store.incidents import list_incidents

    with _session(database, write=False) as session:
        views = list_incidents(session, status.value)

    def text() -> list[str]:
        if not views:
            return ["no incidents"]
        return [
            f"{v.id}\t{'resolved' if v.resolved_at else 'open'}\t{v.severity}\t{v.cause}\t"
            f"{v.category or '-'}\twhys {len(v.whys)}{' (root)' if v.root_cause else ''}\t"
            f"actions {len(v.actions)}\t{v.what}"
            for v in views
        ]

    _emit(fmt, [v.to_dict() for v in views], text)


def categorize_command(
    database: DatabaseOpt = None,
    listing: Annotated[
        bool, typer.Option("--list", help="List the categories and what each means; no store.")
    ] = False,
    fmt: FormatOpt = OutFormat.text,
) -> None:
    """Assign failure categories to every stored conversation again (import assigns them to
    new conversations by itself); categories a person assigned are kept."""
    from .categories import category_data

    data = category_data()
    if listing:
        rows = [{"category": n, "description": data.description(n)} for n in data.names]
        _emit(fmt, rows, lambda: [f"{r['category']:18} {r['description']}" for r in rows])
        return
    from .store.categorize import categorize_store, category_counts

    engine = current_store(database)
    categorize_store(engine)
    counts = category_counts(engine)
    _emit(
        fmt,
        counts,
        lambda: (
            [f"{name:18} {count}" for name, count in counts.items()]
            + [f"conversations per category in {engine.url.render_as_string(hide_password=True)}"]
        ),
    )


def recurring_command(
    window: Annotated[str, typer.Option(help="How far back: 30d, 4w, 12h.")] = "30d",
    until: Annotated[
        str | None,
        typer.Option(help="The window's end, ISO 8601 (default: the newest stored message)."),
    ] = None,
    min_count: Annotated[
        int,
        typer.Option(
            "--min",
            min=1,
            help="Apologies to one customer for one category; conversations of a category in "
            "one week.",
        ),
    ] = 3,
    min_weeks: Annotated[
        int, typer.Option(min=1, help="Weeks with --min conversations for a category to recur.")
    ] = 2,
    min_incidents: Annotated[
        int, typer.Option(min=1, help="Incidents sharing a root cause or category.")
    ] = 2,
    share: Annotated[
        float,
        typer.Option(
            min=0.0, max=1.0, help="An agent repeats one apology sentence in more than this share."
        ),
    ] = 0.4,
    min_apologies: Annotated[
        int, typer.Option(min=1, help="Apologies an agent needs before their words are judged.")
    ] = 5,
    database: DatabaseOpt = None,
    fmt: FormatOpt = OutFormat.text,
) -> None:
    """Recurrence and apology fatigue: customers apologised to for the same category again and
    again, categories and root causes that keep coming back, agents who apologise in the same
    words."""
    from .store.recurrence import find_recurring, parse_window

    try:
        length = parse_window(window)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    end = _when(until, "--until")
    with _session(database, write=False) as session:
        found = find_recurring(
            session,
            length,
            until=end,
            min_count=min_count,
            min_weeks=min_weeks,
            min_incidents=min_incidents,
            share=share,
            min_apologies=min_apologies,
        )
    _emit(fmt, found.to_dict(), lambda: recurring_lines(found))


def recurring_lines(found: Recurrence) -> list[str]:
    s = found.settings
    lines = [f"window {found.since:%Y-%m-%d %H:%M} to {found.until:%Y-%m-%d %H:%M} UTC"]
    lines.append(
        f"customers apologised to {s['min']}+ times for one category: {len(found.customers)}"
    )
    for c in found.customers:
        lines.append(
            f"  {c.customer_id} {c.category}: {c.apologies} apologies in "
            f"{', '.join(c.conversations)}; last: “{c.example}”"
        )
    lines.append(
        f"recurring failures ({s['min']}+ a week in {s['min_weeks']}+ weeks; root causes and "
        f"incident categories in {s['min_incidents']}+ incidents): {len(found.failures)}"
    )
    for f in found.failures:
        weeks = ", ".join(f"{w}: {n}" for w, n in f.weeks)
        lines.append(f"  {f.kind} {f.name}: {f.total} ({weeks}); e.g. {', '.join(f.ids[:5])}")
    lines.append(
        f"agents repeating one apology sentence in more than {s['share']:.0%} of "
        f"{s['min_apologies']}+ apologies: {len(found.agents)}"
    )
    for a in found.agents:
        lines.append(
            f"  {a.agent_id}: {a.repeats} of {a.apologies} ({a.share:.0%}) “{a.sentence}”; "
            f"e.g. {', '.join(a.messages[:3])}"
        )
    return lines


def store_context(
    database: str | None, customer_id: str | None, conversation: str | None
) -> CaseContext:
    """What the store knows for ``advise``: exit status 2 for an unknown conversation or a
    customer the store has never seen."""
    from sqlalchemy import select

    from .store.incidents import IncidentError, find_conversation
    from .store.models import Conversation
    from .store.recurrence import case_context

    with _session(database, write=False) as session:
        found = find_conversation(session, conversation) if conversation else None
        if found is None and customer_id is not None:
            seen = session.scalar(
                select(Conversation.id).where(Conversation.customer_id == customer_id).limit(1)
            )
            if seen is None:
                raise IncidentError(
                    f"no conversation of customer {customer_id!r} in the store; check the id "
                    "or import their conversations first"
                )
        return case_context(session, customer_id=customer_id, conversation=found)


def register(app: typer.Typer) -> None:
    """Add ``incident``, ``categorize`` and ``recurring`` to the ``amends`` command line."""
    app.add_typer(incident_app)
    app.command(name="categorize")(categorize_command)
    app.command(name="recurring")(recurring_command)
