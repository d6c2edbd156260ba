"""The inputs of ``amends score``, streamed: each reader yields one ``Item`` per agent reply
(or per row it had to reject, with the reason), in file order, never holding the file in memory.

Formats: ``jsonl`` and ``csv`` (a reply per row, the columns of ``Fields``), ``parquet`` (the
same columns, read a row group batch at a time), ``twcs`` (the Customer Support on Twitter CSV:
the brand's tweets are the replies, each scored against the customer tweet it answers) and
``zendesk`` (a ticket per line: each public agent comment is a reply, scored against the last
customer comment before it). Customer messages and internal notes of the last two are read as
context, not scored: ``Reading.context`` counts them.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from ..analyzer import MAX_CHARS
from ..store.importers import check_text, parse_time
from . import Columns, NotText, Row, open_rows

FORMATS = ("jsonl", "csv", "parquet", "twcs", "zendesk")
# The metadata columns copied to the output when the input has them (under these names).
META_FIELDS = ("conversation_id", "company", "agent", "team", "channel", "timestamp")


@dataclass(frozen=True, slots=True)
class Fields:
    """The input's columns (JSONL keys, CSV header names, Parquet columns)."""

    text: str = "text"
    customer: str | None = "customer"  # None: the input has no customer messages
    id: str = "id"
    timestamp: str = "timestamp"


@dataclass(frozen=True, slots=True)
class Item:
    """One reply to score (``text``, ``customer`` and the output's metadata) or one rejected
    input row (``error``). ``row`` is the 1-based line (JSONL, CSV, Zendesk), row (Parquet)."""

    row: int
    text: str | None = None
    customer: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass(slots=True)
class Reading:
    """A reader's items, with how far into the input it is (``done`` of ``total`` units:
    bytes, or rows for Parquet) and how many messages it read as context only."""

    items: Iterator[Item]
    total: int
    position: Callable[[], int]
    context: int = 0


class InputError(ValueError):
    """The input cannot be read at all (not text, an unknown format, a broken Parquet file)."""


def _customer(value: Any) -> str | None:
    """The customer's message: a string, or the last customer message of a dialog (a list of
    ``{"role", "text"}`` objects, as the TweetCare corpus gives)."""
    if value is None or isinstance(value, str):
        return value or None
    if isinstance(value, list):
        said = [
            m.get("text")
            for m in value
            if isinstance(m, dict)
            and m.get("role") == "customer"
            and isinstance(m.get("text"), str)
        ]
        return said[-1] if said else None
    raise TypeError(type(value).__name__)


def _time(value: Any, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return parse_time(value, name)


def item_from(row: int, data: dict[str, Any], fields: Fields, where: str) -> Item:
    """The item of one input record (a JSONL object, a CSV row, a Parquet row): the reply, or
    why it cannot be scored. ``where`` names the row in messages ("line 3", "row 3")."""
    # a rejected row keeps its id, so the rejects file says which reply it was
    meta: dict[str, Any] = {} if data.get(fields.id) is None else {"id": data[fields.id]}

    def rejected(problem: str) -> Item:
        return Item(row, meta=meta, error=f"{where}: {problem}")

    text = data.get(fields.text)
    if text is None:
        hint = "" if fields.text in data else " (name the reply's column with --text-col)"
        return rejected(f"missing required field {fields.text!r}{hint}")
    problem = check_text(text, fields.text)
    if problem:
        return rejected(problem)
    try:
        customer = _customer(data.get(fields.customer) if fields.customer else None)
    except TypeError as exc:
        return rejected(f"{fields.customer!r} must be a string or a dialog, got {exc}")
    if customer is not None and len(customer) > MAX_CHARS:
        return rejected(f"{fields.customer!r} is over {MAX_CHARS:,} characters")
    try:
        at = _time(data.get(fields.timestamp), fields.timestamp)
    except ValueError as exc:
        return rejected(str(exc))
    meta.update((name, data[name]) for name in META_FIELDS[:-1] if data.get(name) is not None)
    meta["timestamp"] = at
    return Item(row, text, customer, meta)


def _position(stream: IO[bytes]) -> Callable[[], int]:
    def position() -> int:
        try:
            return stream.tell()
        except (OSError, ValueError):  # closed at the end of the run
            return 0

    return position


def _size(path: Path) -> int:
    return path.stat().st_size


def read_rows(
    path: Path,
    stream: IO[bytes],
    fmt: str,
    fields: Fields = Fields(),
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Reading:
    """JSONL or CSV, one reply per row (the reader of ``amends analyze``)."""
    try:
        rows = open_rows(
            stream,
            fmt,
            encoding=encoding,
            columns=Columns(text=fields.text, customer=fields.customer or "customer", id=fields.id),
            delimiter=delimiter,
        )
    except NotText as exc:
        raise InputError(f"{path}: {exc}") from exc

    reading = Reading(iter(()), _size(path), _position(stream))
    # amends' conversation format (docs/conversation-format.md) gives every message a role:
    # agent messages are the replies, customer messages and internal notes are context, and
    # an agent message is scored against the last customer message of its conversation.
    last_said: OrderedDict[Any, str] = OrderedDict()

    def items() -> Iterator[Item]:
        with stream:
            for row in rows:
                data = row.data
                if data is None:
                    yield Item(row.line, error=row.error or f"line {row.line}: unreadable")
                    continue
                role = data.get("role")
                if role is None:
                    yield item_from(row.line, data, fields, f"line {row.line}")
                    continue
                conversation = data.get("conversation_id")
                if role == "customer" or str(data.get("public", "")).lower() in _PRIVATE:
                    reading.context += 1
                    if role == "customer" and isinstance(data.get(fields.text), str):
                        last_said[conversation] = data[fields.text]
                        last_said.move_to_end(conversation)
                        if len(last_said) > _CONVERSATIONS_KEPT:
                            last_said.popitem(last=False)
                    continue
                said = {}
                if (
                    fields.customer
                    and data.get(fields.customer) is None
                    and conversation in last_said
                ):
                    said[fields.customer] = last_said[conversation]
                if data.get(fields.id) is None and data.get("message_id") is not None:
                    said[fields.id] = data["message_id"]
                if data.get("agent") is None and data.get("agent_id"):
                    said["agent"] = data["agent_id"]
                yield item_from(row.line, {**data, **said}, fields, f"line {row.line}")

    reading.items = items()
    return reading


_PRIVATE = {"false", "0", "no", "private", "internal"}
# Conversations whose last customer message is remembered: enough for interleaved exports,
# and a bound, so memory stays flat on any file.
_CONVERSATIONS_KEPT = 100_000


def read_parquet(path: Path, fields: Fields = Fields(), batch_rows: int = 4096) -> Reading:
    """A Parquet file, a batch of rows at a time; rows are numbered from 1."""
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises its own errors for a damaged or foreign file
        raise InputError(f"{path}: not a Parquet file pyarrow can read ({exc})") from exc
    names = set(source.schema_arrow.names)
    wanted = [
        name
        for name in (fields.text, fields.customer, fields.id, fields.timestamp, *META_FIELDS)
        if name and name in names
    ]
    if fields.text not in names:
        raise InputError(
            f"{path}: the Parquet file has no {fields.text!r} column (it has "
            f"{', '.join(sorted(names))}); name the reply's column with --text-col"
        )
    done = 0

    def items() -> Iterator[Item]:
        nonlocal done
        for batch in source.iter_batches(
            batch_size=batch_rows, columns=list(dict.fromkeys(wanted))
        ):
            for data in batch.to_pylist():
                done += 1
                yield item_from(done, data, fields, f"row {done}")

    return Reading(items(), source.metadata.num_rows, lambda: done)


class _TweetIndex:
    """Every tweet of a TWCS file by id (role, text, the tweet it answers) in a temporary
    SQLite file, so replies find the customer tweet they answer wherever it is in the file
    without the file in memory."""

    def __init__(self, folder: Path | None):
        handle, name = tempfile.mkstemp(prefix="amends-twcs-", suffix=".sqlite", dir=folder)
        os.close(handle)
        self.path = Path(name)
        self.db = sqlite3.connect(name)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute(
            "CREATE TABLE tweet (id TEXT PRIMARY KEY, customer INTEGER, text TEXT, parent TEXT)"
        )

    def add(self, rows: list[tuple[str, bool, str, str | None]]) -> None:
        self.db.executemany("INSERT OR IGNORE INTO tweet VALUES (?, ?, ?, ?)", rows)

    def get(self, tweet: str) -> tuple[bool, str, str | None] | None:
        found = self.db.execute(
            "SELECT customer, text, parent FROM tweet WHERE id = ?", (tweet,)
        ).fetchone()
        return None if found is None else (bool(found[0]), found[1], found[2])

    def close(self) -> None:
        self.db.close()
        self.path.unlink(missing_ok=True)


_THREAD_LIMIT = 10_000  # tweets walked up a thread before it is taken to be damaged


def _walk_up(index: _TweetIndex, parent: str | None) -> tuple[str | None, str | None]:
    """The nearest customer tweet's text up the thread from ``parent``, and the thread's first
    tweet in the file (the conversation's id, as the store's TWCS importer names it)."""
    customer = None
    root = parent
    seen = set()
    while parent is not None and parent not in seen and len(seen) < _THREAD_LIMIT:
        seen.add(parent)
        found = index.get(parent)
        if found is None:
            break
        root = parent
        is_customer, text, parent = found
        if is_customer and customer is None:
            customer = text
    return customer, root


def read_twcs(path: Path, work: Path | None = None) -> Reading:
    """The Customer Support on Twitter CSV: one item per brand tweet (the store's TWCS rules
    tell brand from customer, the brand's handle is the team and a signature like ``^JK`` the
    agent). Read twice: once to index every tweet on disk, once to yield the replies."""
    from ..store.importers import twcs

    index = _TweetIndex(work)
    try:
        with path.open("rb") as first:
            pending: list[tuple[str, bool, str, str | None]] = []
            for row in open_rows(first, "csv", columns=Columns(text="text"), delimiter=","):
                data = row.data
                if data is None or any(name not in data for name in twcs.COLUMNS):
                    continue
                try:
                    message = twcs._message(row.line, data)
                except ValueError:
                    continue
                pending.append(
                    (
                        message.external_id,
                        message.role == "customer",
                        message.text,
                        _tweet_id(message.in_reply_to),
                    )
                )
                if len(pending) >= 10_000:
                    index.add(pending)
                    pending.clear()
            index.add(pending)
            index.db.commit()
    except NotText as exc:
        index.close()
        raise InputError(f"{path}: {exc}") from exc
    stream = path.open("rb")
    reading = Reading(iter(()), _size(path), _position(stream))

    def items() -> Iterator[Item]:
        try:
            for row in open_rows(stream, "csv", columns=Columns(text="text"), delimiter=","):
                item = _twcs_item(row, index, twcs)
                if item is None:
                    reading.context += 1
                else:
                    yield item
        finally:
            stream.close()
            index.close()

    reading.items = items()
    return reading


def _tweet_id(value: str | None) -> str | None:
    """Tweet ids as the file writes them: pandas' exports write ``192625.0`` for ``192625``."""
    if value is None:
        return None
    return value[:-2] if value.endswith(".0") else value


def _twcs_item(row: Row, index: _TweetIndex, twcs: Any) -> Item | None:
    """The reply of one TWCS row, None for a customer tweet, or why the row is rejected."""
    where = f"line {row.line}"
    if row.data is None:
        return Item(row.line, error=row.error or f"{where}: unreadable")
    missing = [name for name in twcs.COLUMNS if name not in row.data]
    if missing:
        return Item(
            row.line, error=f"{where}: not a TWCS row: no column {', '.join(map(repr, missing))}"
        )
    try:
        message = twcs._message(row.line, row.data)
    except ValueError as exc:
        tweet = row.data["tweet_id"].strip()
        return Item(row.line, meta={"id": tweet} if tweet else {}, error=f"{where}: {exc}")
    if message.role != "agent":
        return None
    customer, root = _walk_up(index, _tweet_id(message.in_reply_to))
    meta = {
        "id": message.external_id,
        "conversation_id": root or message.external_id,
        "company": message.team,
        "agent": message.agent_id,
        "team": message.team,
        "channel": message.channel,
        "timestamp": message.sent_at,
    }
    return Item(row.line, message.text, customer, meta)


def read_zendesk(path: Path, stream: IO[bytes]) -> Reading:
    """A Zendesk ticket export (the store's reader of one ticket): one item per public agent
    comment, scored against the last customer comment before it."""
    from ..store.importers import zendesk

    try:
        rows = open_rows(stream, "jsonl")
    except NotText as exc:
        raise InputError(f"{path}: {exc}") from exc
    reading = Reading(iter(()), _size(path), _position(stream))

    def items() -> Iterator[Item]:
        with stream:
            yield from _tickets(rows, reading, zendesk)

    reading.items = items()
    return reading


def _tickets(rows: Iterator[Row], reading: Reading, zendesk: Any) -> Iterator[Item]:
    for row in rows:
        where = f"line {row.line}"
        if row.data is None:
            yield Item(row.line, error=row.error or f"{where}: unreadable")
            continue
        try:
            ticket, refused = zendesk._ticket(row.line, row.data)
        except ValueError as exc:
            yield Item(row.line, error=f"{where}: {exc}")
            continue
        for rejected in refused:
            yield Item(row.line, error=f"{where}: {rejected.reason}")
        ticket.messages.sort(key=lambda m: m.sent_at)
        last_customer = None
        for message in ticket.messages:
            if message.role == "customer":
                last_customer = message.text
                reading.context += 1
            elif not message.public:
                reading.context += 1  # an internal note: no customer reads it
            else:
                yield Item(
                    row.line,
                    message.text,
                    last_customer,
                    {
                        "id": message.external_id,
                        "conversation_id": ticket.external_id,
                        "agent": message.author,
                        "team": message.team,
                        "channel": message.channel,
                        "timestamp": message.sent_at,
                    },
                )


def guess_format(path: Path) -> str:
    """``parquet`` by its magic bytes, else the store's guess (twcs, zendesk, jsonl, csv)."""
    from ..store.importers import UnknownFormat
    from ..store.importers import guess_format as guess_conversations

    with path.open("rb") as stream:
        head = stream.read(4)
    if head == b"PAR1":
        return "parquet"
    try:
        return guess_conversations(path)
    except NotText as exc:
        raise InputError(f"{path}: {exc}") from exc
    except UnknownFormat as exc:
        raise InputError(f"{exc} (amends score reads {', '.join(FORMATS)})") from exc


def open_input(
    path: Path,
    fmt: str | None = None,
    fields: Fields = Fields(),
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    work: Path | None = None,
) -> tuple[str, Reading]:
    """The format (given, or guessed from the file) and a reading of ``path``. ``work`` is a
    folder for temporary files (the TWCS index). Raises ``InputError``."""
    chosen = fmt or guess_format(path)
    if chosen not in FORMATS:
        raise InputError(
            f"unknown input format {chosen!r}; amends score reads {', '.join(FORMATS)}"
        )
    if chosen == "parquet":
        return chosen, read_parquet(path, fields)
    if chosen == "twcs":
        return chosen, read_twcs(path, work)
    stream = path.open("rb")
    if chosen == "zendesk":
        return chosen, read_zendesk(path, stream)
    return chosen, read_rows(path, stream, chosen, fields, encoding=encoding, delimiter=delimiter)


__all__ = ["FORMATS", "Fields", "InputError", "Item", "Reading", "item_from", "open_input"]
