"""Import a conversation export into the store, analysing every new agent message.

Idempotent: a message is known by (source, external id), so importing a file again adds
nothing and a file with new messages adds only those. Conversations are written in batches,
each in one transaction with its analyses: an import that stops half-way keeps whole batches
only, and running it again carries on where it stopped.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from ..analyzer import Analyzer, get_analyzer
from ..batch import NotText
from ..ledger import LedgerFinding
from ..model import SCHEMA_VERSION, Report
from ..promises import KINDS, as_zone
from .categorize import categorize_stored
from .db import StoreError, check_reachable, session_factory, transaction
from .importers import (
    DEFAULT_SOURCES,
    Incoming,
    IncomingMessage,
    Parsed,
    Rejected,
    UnknownFormat,
    guess_format,
    reader,
)
from .ledger import check_conversations, record_promises, settle
from .migrate import ensure_current
from .models import Analysis, Conversation, Message
from .version import rules_version

BATCH_MESSAGES = 500
_RETRIES = 3  # a batch that collides with another importer's is read again and retried


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import did. ``read == imported + skipped + len(rejected)``."""

    path: str
    format: str
    source: str
    read: int
    imported: int
    skipped: int  # already in the store
    rejected: tuple[Rejected, ...]
    conversations_added: int
    analysed: int
    seconds: float
    promises: Mapping[str, int] = field(default_factory=dict)  # added, by kind
    kept: int = 0  # promises a later message in the file delivered
    ledger_findings: tuple[LedgerFinding, ...] = ()
    categorized: int = 0  # conversations whose failure categories were (re)assigned

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "format": self.format,
            "source": self.source,
            "read": self.read,
            "imported": self.imported,
            "skipped": self.skipped,
            "rejected": len(self.rejected),
            "rejections": [{"line": r.line, "reason": r.reason} for r in self.rejected],
            "conversations_added": self.conversations_added,
            "analysed": self.analysed,
            "promises": {kind: self.promises.get(kind, 0) for kind in KINDS},
            "promises_kept": self.kept,
            "ledger_findings": [f.to_dict() for f in self.ledger_findings],
            "categorized": self.categorized,
            "seconds": round(self.seconds, 3),
        }


@dataclass(slots=True)
class _Tally:
    imported: int = 0
    skipped: int = 0
    conversations: int = 0
    analysed: int = 0
    promises: Counter[str] = field(default_factory=Counter)
    kept: int = 0
    findings: list[LedgerFinding] = field(default_factory=list)
    categorized: int = 0


def model_version(report: Report) -> str:
    return f"{report.model[0]}+{report.model[1][:12]}" if report.model else ""


def read_file(path: Path, fmt: str | None = None) -> tuple[str, Parsed]:
    """The format (given or guessed) and what the file holds. Raises ``UnknownFormat`` or
    ``StoreError`` (unreadable, not text) before anything is written."""
    try:
        chosen = fmt or guess_format(path)
        parse = reader(chosen)
        with path.open("rb") as stream:
            return chosen, parse(stream)
    except UnknownFormat:
        raise
    except NotText as exc:
        raise StoreError(f"{path}: {exc}") from exc
    except OSError as exc:
        raise StoreError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise StoreError(f"{path}: cannot read it as {fmt or 'its format'}: {exc}") from exc


def _batches(conversations: list[Incoming], size: int) -> Iterator[list[Incoming]]:
    batch: list[Incoming] = []
    count = 0
    for conversation in conversations:
        if batch and count + len(conversation.messages) > size:
            yield batch
            batch, count = [], 0
        batch.append(conversation)
        count += len(conversation.messages)
    if batch:
        yield batch


def _chunks(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def import_file(
    path: str | Path,
    engine: Engine,
    fmt: str | None = None,
    *,
    source: str | None = None,
    analyzer: Analyzer | None = None,
    batch_messages: int = BATCH_MESSAGES,
    progress: Callable[[int, int], None] | None = None,
    tz: str = "UTC",
) -> ImportSummary:
    """Import ``path`` (format given, or guessed from its name and first line) into the store
    behind ``engine``, set up first if it is a new SQLite file. ``progress(done, total)`` is
    called after each batch, counting messages. The promises of new agent messages go into the
    ledger, their due times read in ``tz`` (the team's or customer's IANA zone)."""
    started = time.perf_counter()
    path = Path(path)
    zone = as_zone(tz).key
    chosen, parsed = read_file(path, fmt)
    check_reachable(engine)
    ensure_current(engine)
    namespace = source or DEFAULT_SOURCES[chosen]
    analyzer = analyzer or get_analyzer()
    factory = session_factory(engine)
    total, done = parsed.messages, 0
    tally = _Tally()
    if progress:
        progress(0, total)
    for batch in _batches(parsed.conversations, batch_messages):
        for attempt in range(1, _RETRIES + 1):
            try:
                with transaction(factory) as session:
                    counted = _write_batch(session, batch, namespace, analyzer, zone)
                break
            except (IntegrityError, OperationalError):
                # another importer wrote some of these messages (or held the lock too long)
                # since they were looked up: look again
                if attempt == _RETRIES:
                    raise
        tally.imported += counted.imported
        tally.skipped += counted.skipped
        tally.conversations += counted.conversations
        tally.analysed += counted.analysed
        tally.promises += counted.promises
        tally.kept += counted.kept
        tally.findings += counted.findings
        tally.categorized += counted.categorized
        done += sum(len(c.messages) for c in batch)
        if progress:
            progress(done, total)
    rejected = tuple(parsed.rejected)
    return ImportSummary(
        path=str(path),
        format=chosen,
        source=namespace,
        read=total + len(rejected),
        imported=tally.imported,
        skipped=tally.skipped,
        rejected=rejected,
        conversations_added=tally.conversations,
        analysed=tally.analysed,
        seconds=time.perf_counter() - started,
        promises=dict(tally.promises),
        kept=tally.kept,
        ledger_findings=tuple(tally.findings),
        categorized=tally.categorized,
    )


def store_conversations(
    engine: Engine,
    conversations: list[Incoming],
    source: str,
    *,
    analyzer: Analyzer | None = None,
    tz: str = "UTC",
) -> tuple[int, int]:
    """Store conversations read some other way than from a file (a helpdesk's webhook) as an
    import stores them: new messages added, replies analysed, their promises in the ledger.
    Returns (messages imported, messages already stored)."""
    zone = as_zone(tz).key
    ensure_current(engine)
    analyzer = analyzer or get_analyzer()
    factory = session_factory(engine)
    for attempt in range(1, _RETRIES + 1):
        try:
            with transaction(factory) as session:
                tally = _write_batch(session, conversations, source, analyzer, zone)
            return tally.imported, tally.skipped
        except (IntegrityError, OperationalError):
            if attempt == _RETRIES:  # another writer stored the same messages meanwhile
                raise
    raise AssertionError("unreachable")


def _write_batch(
    session: Session, batch: list[Incoming], source: str, analyzer: Analyzer, tz: str
) -> _Tally:
    tally = _Tally()
    ids = [m.external_id for c in batch for m in c.messages]
    stored: set[str] = set()
    for chunk in _chunks(ids):
        stored.update(
            session.scalars(
                select(Message.external_id).where(
                    Message.source == source, Message.external_id.in_(chunk)
                )
            )
        )
    conversations = _conversations(session, batch, source)
    new: list[tuple[Message, IncomingMessage]] = []
    touched: list[Conversation] = []
    for incoming in batch:
        conversation = conversations.get(incoming.external_id)
        fresh = [m for m in incoming.messages if m.external_id not in stored]
        tally.skipped += len(incoming.messages) - len(fresh)
        if not fresh:
            continue
        if conversation is None:
            conversation = Conversation(
                source=source,
                external_id=incoming.external_id,
                channel=incoming.channel,
                customer_id=incoming.customer_id,
                team=incoming.team,
                subject=incoming.subject,
                started_at=incoming.messages[0].sent_at,
            )
            session.add(conversation)
            conversations[incoming.external_id] = conversation
            tally.conversations += 1
        touched.append(conversation)
        for message in fresh:
            row = Message(
                conversation=conversation,
                source=source,
                external_id=message.external_id,
                in_reply_to=message.in_reply_to,
                role=message.role,
                author=message.author,
                agent_id=message.agent_id,
                team=message.team,
                channel=message.channel,
                public=message.public,
                sent_at=message.sent_at,
                utc_offset_minutes=_offset_minutes(message),
                text=message.text,
            )
            session.add(row)
            new.append((row, message))
    tally.imported = len(new)
    session.flush()
    replies = [row for row, _ in new if row.role == "agent" and row.public]
    if replies:
        tally.analysed = _analyse(session, replies, analyzer)
        session.flush()
        # the ledger: the new replies' promises, then what the new messages delivered, then the
        # checks that need history (on the conversations that grew)
        tally.promises = record_promises(session, replies, tz)
        grown = {row.conversation_id for row, _ in new}
        tally.kept = settle(session, grown)
        tally.findings = check_conversations(session, grown)
    session.flush()
    # a conversation's categories read all its messages, earlier imports' included
    tally.categorized = len({c.id for c in touched})
    categorize_stored(session, [c.id for c in touched])
    return tally


def _offset_minutes(message: IncomingMessage) -> int | None:
    offset = message.sent_at.utcoffset()
    return None if offset is None else int(offset.total_seconds() // 60)


def _conversations(session: Session, batch: list[Incoming], source: str) -> dict[str, Conversation]:
    """The batch's conversations already stored, by external id. A conversation of the file
    whose first message answers a stored message of another conversation (a thread continued
    in a later export) joins that conversation."""
    names = [c.external_id for c in batch]
    found: dict[str, Conversation] = {}
    for chunk in _chunks(names):
        for conversation in session.scalars(
            select(Conversation).where(
                Conversation.source == source, Conversation.external_id.in_(chunk)
            )
        ):
            found[conversation.external_id] = conversation
    answered = {
        c.messages[0].in_reply_to: c.external_id
        for c in batch
        if c.external_id not in found and c.messages[0].in_reply_to
    }
    for chunk in _chunks(list(answered)):
        rows = session.execute(
            select(Message.external_id, Conversation)
            .join(Conversation, Message.conversation_id == Conversation.id)
            .where(Message.source == source, Message.external_id.in_(chunk))
        )
        for parent, conversation in rows:
            found[answered[parent]] = conversation
    return found


def _analyse(session: Session, replies: list[Message], analyzer: Analyzer) -> int:
    """Analyse each reply against the customer message it answers: the nearest customer
    message up its ``in_reply_to`` chain when the source links messages, else the last
    customer message sent before it in its conversation."""
    conversation_ids = sorted({r.conversation_id for r in replies})
    threads: dict[int, list[Message]] = {}
    for chunk in _chunks(conversation_ids):
        for message in session.scalars(
            select(Message)
            .where(Message.conversation_id.in_(chunk))
            .order_by(Message.conversation_id, Message.sent_at, Message.id)
        ):
            threads.setdefault(message.conversation_id, []).append(message)
    rules = rules_version()
    for reply in replies:
        customer = _customer_message(reply, threads[reply.conversation_id])
        report = analyzer.analyze(reply.text, customer.text if customer else None)
        session.add(
            Analysis(
                message_id=reply.id,
                customer_message_id=customer.id if customer else None,
                schema_version=SCHEMA_VERSION,
                rules_version=rules,
                model_version=model_version(report),
                score=report.score,
                quality=report.quality,
                labels=list(report.labels),
                report=report.to_dict(detail=True),
            )
        )
    return len(replies)


def _customer_message(reply: Message, thread: list[Message]) -> Message | None:
    if reply.in_reply_to is not None:
        by_id = {m.external_id: m for m in thread}
        seen = set()
        current = by_id.get(reply.in_reply_to)
        while current is not None and current.external_id not in seen:
            if current.role == "customer":
                return current
            seen.add(current.external_id)
            current = by_id.get(current.in_reply_to) if current.in_reply_to else None
        return None
    before = None
    for message in thread:
        if message.id == reply.id:
            return before
        if message.role == "customer":
            before = message
    return before


def counts(engine: Engine) -> dict[str, int]:
    """How many conversations, messages and analyses the store holds."""
    with session_factory(engine)() as session:
        return {
            name: session.scalar(select(func.count()).select_from(model)) or 0
            for name, model in (
                ("conversations", Conversation),
                ("messages", Message),
                ("analyses", Analysis),
            )
        }


__all__ = ["ImportSummary", "counts", "import_file", "read_file", "rules_version"]
