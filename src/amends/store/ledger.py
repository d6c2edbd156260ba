"""The promise ledger in the store: the promises of agent messages, their status, and the
checks that need a conversation's history.

``record_promises`` and ``settle`` run inside an import's transaction; ``refresh``,
``list_promises``, ``mark`` and ``check_conversation`` are what the CLI's ``amends promises``
and ``amends conversation`` commands call. The reasoning (what delivers a promise, when it is
broken, the checks) is ``amends.ledger``'s; this module reads and writes rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ..ledger import LedgerFinding, Said, Tracked, check_history, ledger_rules, status_at
from ..promises import Promise, as_zone, extract_promises
from .db import StoreError, session_factory, transaction
from .migrate import ensure_current
from .models import Analysis, Conversation, Message
from .models import Promise as PromiseRow

DUE_FILTERS = ("today", "overdue", "open", "all")
MARKS = ("kept", "broken", "cancelled")
# the statuses (at the moment asked about) each --due filter lists
_WANTED = {
    "today": ("open", "broken"),
    "overdue": ("broken",),
    "open": ("open",),
    "all": ("open", "kept", "broken", "cancelled"),
}
_CHUNK = 500


class UnknownPromise(StoreError):
    """No promise has that id."""


class UnknownConversation(StoreError):
    """No conversation has that id."""


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """A promise as the ledger lists it, with its status at the moment asked about."""

    id: int
    conversation: str  # the conversation's external id
    conversation_id: int
    message: str  # the message's external id
    agent: str | None
    team: str | None
    made_at: datetime
    kind: str
    action: str | None
    due_at: datetime | None
    trigger: str | None
    text: str
    status: str
    status_by: str | None
    tz: str

    def to_dict(self) -> dict[str, Any]:
        zone = as_zone(self.tz)
        return {
            "id": self.id,
            "conversation": self.conversation,
            "message": self.message,
            "agent": self.agent,
            "team": self.team,
            "made_at": self.made_at.astimezone(zone).isoformat(),
            "kind": self.kind,
            "action": self.action,
            "due": self.due_at.astimezone(zone).isoformat() if self.due_at else None,
            "trigger": self.trigger,
            "text": self.text,
            "status": self.status,
            "status_by": self.status_by,
        }


@dataclass(frozen=True, slots=True)
class RefreshSummary:
    messages_read: int
    promises_added: int
    kept: int
    broken: int
    reopened: int

    def to_dict(self) -> dict[str, int]:
        return {
            "messages_read": self.messages_read,
            "promises_added": self.promises_added,
            "kept": self.kept,
            "broken": self.broken,
            "reopened": self.reopened,
        }


# -- inside an import ---------------------------------------------------------------------------
def extractor_version() -> str:
    """The version of the rules that extracted a promise (the import's rules version)."""
    from .ingest import rules_version  # ingest imports this module

    return rules_version()


def record_promises(session: Session, replies: Iterable[Message], tz: str) -> Counter[str]:
    """Extract the promises of ``replies`` (public agent messages, flushed) in zone ``tz`` and add
    those not stored yet (a promise is known by its message and span). Returns the added, by
    kind."""
    zone = as_zone(tz)
    replies = [r for r in replies if r.role == "agent" and r.public]
    stored: set[tuple[int, int | None, int | None]] = set()
    for chunk in _chunks([r.id for r in replies]):
        stored.update(
            session.execute(
                select(PromiseRow.message_id, PromiseRow.start, PromiseRow.end).where(
                    PromiseRow.message_id.in_(chunk)
                )
            )
        )
    added: Counter[str] = Counter()
    version = extractor_version()
    for reply in replies:
        for p in extract_promises(reply.text, reply.sent_at, zone):
            if (reply.id, p.start, p.end) in stored:
                continue
            stored.add((reply.id, p.start, p.end))
            session.add(
                PromiseRow(
                    message_id=reply.id,
                    conversation_id=reply.conversation_id,
                    text=p.text,
                    start=p.start,
                    end=p.end,
                    kind=p.kind,
                    action=p.action,
                    due_at=p.due,
                    trigger=p.trigger,
                    tz=zone.key,
                    status="open",
                    extractor_version=version,
                )
            )
            added[p.kind] += 1
    session.flush()
    return added


def settle(session: Session, conversation_ids: Iterable[int]) -> int:
    """Mark kept the open promises of these conversations that a later agent message delivers
    (the message is recorded); returns how many. Marks a person set are left alone."""
    rules = ledger_rules()
    kept = 0
    for chunk in _chunks(sorted(set(conversation_ids))):
        open_rows = session.scalars(
            select(PromiseRow).where(
                PromiseRow.conversation_id.in_(chunk),
                PromiseRow.status.in_(("open", "broken")),
                (PromiseRow.status_by.is_(None)) | (PromiseRow.status_by == "ledger"),
            )
        ).all()
        if not open_rows:
            continue
        histories = _histories(session, {r.conversation_id for r in open_rows if r.conversation_id})
        for row in open_rows:
            history, by_id = histories[row.conversation_id]
            made = by_id.get(row.message_id)
            if made is None:
                continue
            found = rules.find_delivery(_promise(row), made.sent_at, history)
            if found:
                row.status = "kept"
                row.status_by = "ledger"
                row.kept_by_message_id = found[0].id
                row.status_changed_at = found[0].sent_at
                kept += 1
    session.flush()
    return kept


# -- commands -----------------------------------------------------------------------------------
def refresh(engine: Engine, now: datetime | None = None, tz: str = "UTC") -> RefreshSummary:
    """Bring the ledger up to date at ``now`` (default: the current time): extract the promises of
    every public agent message that has none stored (messages imported before the ledger, in
    zone ``tz``), mark kept what later messages delivered, mark broken the dated promises due
    before ``now`` with nothing delivering them, and reopen those the ledger had marked broken
    whose due time is after ``now``. A person's marks stay."""
    now = _aware(now)
    ensure_current(engine)
    with transaction(session_factory(engine)) as session:
        with_promises = select(PromiseRow.message_id).where(PromiseRow.message_id.is_not(None))
        replies = session.scalars(
            select(Message).where(
                Message.role == "agent", Message.public.is_(True), Message.id.not_in(with_promises)
            )
        ).all()
        added = record_promises(session, replies, tz)
        conversation_ids = session.scalars(
            select(PromiseRow.conversation_id).where(PromiseRow.status.in_(("open", "broken")))
            .distinct()
        ).all()  # fmt: skip
        kept = settle(session, [c for c in conversation_ids if c is not None])
        broken = reopened = 0
        for row in session.scalars(
            select(PromiseRow).where(
                PromiseRow.status.in_(("open", "broken")),
                PromiseRow.due_at.is_not(None),
                (PromiseRow.status_by.is_(None)) | (PromiseRow.status_by == "ledger"),
            )
        ):
            assert row.due_at is not None
            if row.status == "open" and row.due_at < now:
                row.status, row.status_by, row.status_changed_at = "broken", "ledger", row.due_at
                broken += 1
            elif row.status == "broken" and row.due_at >= now:
                row.status, row.status_by, row.status_changed_at = "open", "ledger", now
                reopened += 1
    return RefreshSummary(len(replies), sum(added.values()), kept, broken, reopened)


def list_promises(
    engine: Engine,
    due: str = "open",
    *,
    agent: str | None = None,
    team: str | None = None,
    now: datetime | None = None,
    tz: str = "UTC",
) -> list[LedgerEntry]:
    """The promises ``due`` asks for, their status worked out at ``now`` (default: the current
    time), soonest due first:

    - ``overdue``: due before ``now`` and neither kept nor cancelled (broken, whether the ledger
      or a person said so);
    - ``today``: due on ``now``'s date in zone ``tz`` and neither kept nor cancelled;
    - ``open``: open at ``now`` (not yet due, or with no due time);
    - ``all``: every promise.

    ``agent`` matches the message's agent id or author, ``team`` the message's team or the
    conversation's.
    """
    if due not in DUE_FILTERS:
        raise ValueError(f"--due {due!r}: expected one of {', '.join(DUE_FILTERS)}")
    now = _aware(now)
    zone = as_zone(tz)
    ensure_current(engine)
    query = (
        select(PromiseRow, Message, Conversation)
        .join(Message, PromiseRow.message_id == Message.id)
        .join(Conversation, Message.conversation_id == Conversation.id)
    )
    if agent is not None:
        query = query.where((Message.agent_id == agent) | (Message.author == agent))
    if team is not None:
        query = query.where((Message.team == team) | (Conversation.team == team))
    if due in ("overdue", "today"):
        query = query.where(PromiseRow.due_at.is_not(None))
    if due == "today":
        start = datetime.combine(now.astimezone(zone).date(), time(0), zone)
        query = query.where(
            PromiseRow.due_at >= start, PromiseRow.due_at < start + timedelta(days=1)
        )
    with session_factory(engine)() as session:
        rows = session.execute(query).all()
        histories = _histories(session, {m.conversation_id for _, m, _ in rows})
    out = []
    for row, message, conversation in rows:
        if message.sent_at > now:
            continue  # not made yet at the moment asked about
        history, _ = histories[conversation.id]
        status, _ = status_at(_tracked(row), message.sent_at, history, now)
        entry = LedgerEntry(
            id=row.id,
            conversation=conversation.external_id,
            conversation_id=conversation.id,
            message=message.external_id,
            agent=message.agent_id or message.author,
            team=message.team or conversation.team,
            made_at=message.sent_at,
            kind=row.kind,
            action=row.action,
            due_at=row.due_at,
            trigger=row.trigger,
            text=row.text,
            status=status,
            status_by=row.status_by,
            tz=zone.key,
        )
        if status in _WANTED[due]:
            out.append(entry)
    far = datetime.max.replace(tzinfo=UTC)
    out.sort(key=lambda e: (e.due_at or far, e.made_at, e.id))
    return out


def mark(engine: Engine, promise_id: int, status: str, now: datetime | None = None) -> LedgerEntry:
    """Set a promise's status by hand (``kept``, ``broken`` or ``cancelled``); the ledger keeps a
    person's mark from then on. ``UnknownPromise`` when no promise has that id."""
    if status not in MARKS:
        raise ValueError(f"status {status!r}: expected one of {', '.join(MARKS)}")
    ensure_current(engine)
    with transaction(session_factory(engine)) as session:
        row = session.get(PromiseRow, promise_id)
        if row is None:
            highest = session.scalar(select(PromiseRow.id).order_by(PromiseRow.id.desc()).limit(1))
            known = f"ids run from 1 to {highest}" if highest else "the ledger holds no promises"
            raise UnknownPromise(
                f"no promise has id {promise_id} ({known}); `amends promises list --due all` "
                "lists them"
            )
        row.status, row.status_by, row.status_changed_at = status, "person", _aware(now)
        if status != "kept":
            row.kept_by_message_id = None
        message = session.get(Message, row.message_id) if row.message_id else None
        conversation = (
            session.get(Conversation, row.conversation_id) if row.conversation_id else None
        )
        return LedgerEntry(
            id=row.id,
            conversation=conversation.external_id if conversation else "",
            conversation_id=row.conversation_id or 0,
            message=message.external_id if message else "",
            agent=(message.agent_id or message.author) if message else None,
            team=(message.team if message else None)
            or (conversation.team if conversation else None),
            made_at=message.sent_at if message else row.created_at,
            kind=row.kind,
            action=row.action,
            due_at=row.due_at,
            trigger=row.trigger,
            text=row.text,
            status=status,
            status_by="person",
            tz=row.tz or "UTC",
        )


def find_conversation(session: Session, conversation: str) -> Conversation:
    """A conversation by its external id (any source), or by the store's number as ``#12``."""
    if conversation.startswith("#") and conversation[1:].isdigit():
        found = session.get(Conversation, int(conversation[1:]))
        if found:
            return found
    else:
        rows = session.scalars(
            select(Conversation).where(Conversation.external_id == conversation)
        ).all()
        if len(rows) == 1:
            return rows[0]
        if len(rows) > 1:
            sources = ", ".join(sorted(r.source for r in rows))
            raise UnknownConversation(
                f"{len(rows)} conversations have the id {conversation!r} (sources {sources}); "
                f"give the store's number instead, e.g. #{rows[0].id}"
            )
    raise UnknownConversation(
        f"no conversation has the id {conversation!r}; give the id the export used (a TWCS "
        "thread's first tweet id) or the store's number as #N"
    )


def check_conversation(engine: Engine, conversation: str) -> tuple[str, list[LedgerFinding]]:
    """The ledger's checks (P001, P101, P102) over a stored conversation: its external id and the
    findings, oldest first. Apologies are read from the stored analyses."""
    ensure_current(engine)
    with session_factory(engine)() as session:
        found = find_conversation(session, conversation)
        return found.external_id, _check(session, [found.id])[found.id]


def message_names(engine: Engine, message_ids: Iterable[int]) -> dict[int, str]:
    """How a person knows these stored messages: the export's message id, its author and time
    ("m-7 by @AmazonHelp at 2026-12-01 09:30 UTC"), for findings printed to people."""
    names: dict[int, str] = {}
    with session_factory(engine)() as session:
        for chunk in _chunks(sorted(set(message_ids))):
            for row in session.scalars(select(Message).where(Message.id.in_(chunk))):
                by = f" by {row.author}" if row.author else ""
                at = row.sent_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
                names[row.id] = f"{row.external_id}{by} at {at}"
    return names


def check_conversations(session: Session, conversation_ids: Iterable[int]) -> list[LedgerFinding]:
    """The ledger's checks over these conversations, for an import's summary. Only
    conversations with a promise can have findings."""
    ids = sorted(set(conversation_ids))
    candidates: set[int] = set()
    for chunk in _chunks(ids):
        candidates.update(
            c
            for c in session.scalars(
                select(PromiseRow.conversation_id)
                .where(PromiseRow.conversation_id.in_(chunk))
                .distinct()
            )
            if c is not None
        )
    found = _check(session, sorted(candidates)) if candidates else {}
    return [f for c in sorted(found) for f in found[c]]


def _check(session: Session, conversation_ids: Sequence[int]) -> dict[int, list[LedgerFinding]]:
    histories = _histories(session, conversation_ids)
    out: dict[int, list[LedgerFinding]] = {}
    for chunk in _chunks(list(conversation_ids)):
        rows = session.scalars(
            select(PromiseRow).where(PromiseRow.conversation_id.in_(chunk))
        ).all()
        spans = _apology_spans(session, [m for c in chunk for m in histories[c][1]])
        for conversation_id in chunk:
            history, _ = histories[conversation_id]
            tracked = [_tracked(r) for r in rows if r.conversation_id == conversation_id]
            out[conversation_id] = check_history(
                history, tracked, lambda said, found=spans: found.get(said.id)
            )
    return out


def _apology_spans(session: Session, message_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """The first apology of each analysed message, from its newest stored analysis."""
    spans: dict[int, tuple[int, int]] = {}
    for chunk in _chunks(list(message_ids)):
        for message_id, report in session.execute(
            select(Analysis.message_id, Analysis.report)
            .where(Analysis.message_id.in_(chunk))
            .order_by(Analysis.id)
        ):
            span = next(
                (
                    (f["start"], f["end"])
                    for f in report.get("findings", [])
                    if f.get("label") == "apology" and f.get("start") is not None
                ),
                None,
            )
            if span is not None:
                spans[message_id] = span
            else:
                spans.pop(message_id, None)
    return spans


# -- helpers ----------------------------------------------------------------------------------
def _histories(
    session: Session, conversation_ids: Iterable[int | None]
) -> dict[int, tuple[list[Said], dict[int, Said]]]:
    out: dict[int, tuple[list[Said], dict[int, Said]]] = {}
    ids = sorted({c for c in conversation_ids if c is not None})
    for chunk in _chunks(ids):
        for m in session.scalars(
            select(Message)
            .where(Message.conversation_id.in_(chunk))
            .order_by(Message.conversation_id, Message.sent_at, Message.id)
        ):
            history, by_id = out.setdefault(m.conversation_id, ([], {}))
            said = Said(m.id, m.role, m.sent_at, m.text, m.public)
            history.append(said)
            by_id[m.id] = said
    for c in ids:
        out.setdefault(c, ([], {}))
    return out


def _promise(row: PromiseRow) -> Promise:
    """The stored promise as the extractor gave it: its due time in the zone it was read in."""
    return Promise(
        text=row.text,
        start=row.start or 0,
        end=row.end or 0,
        kind=row.kind,
        due=row.due_at.astimezone(as_zone(row.tz or "UTC")) if row.due_at else None,
        trigger=row.trigger,
        action=row.action or "",
    )


def _tracked(row: PromiseRow) -> Tracked:
    return Tracked(row.id, row.message_id, _promise(row), row.status, row.status_by,
                   row.kept_by_message_id)  # fmt: skip


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def _chunks(items: list[Any], size: int = _CHUNK) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


__all__ = [
    "DUE_FILTERS",
    "MARKS",
    "LedgerEntry",
    "RefreshSummary",
    "UnknownConversation",
    "UnknownPromise",
    "check_conversation",
    "check_conversations",
    "list_promises",
    "mark",
    "message_names",
    "record_promises",
    "refresh",
    "settle",
]
