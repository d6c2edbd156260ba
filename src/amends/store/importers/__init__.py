"""Readers of conversation exports, one module per format. Each turns a file into conversations
of messages (``Incoming``) and the rows it could not read (``Rejected``, with line and reason);
none of them touches the database.

Formats: ``twcs`` (Customer Support on Twitter), ``jsonl`` and ``csv`` (amends' own
conversation format, docs/conversation-format.md) and ``zendesk`` (a ticket export, one ticket
per line, with its comments).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from ...analyzer import MAX_CHARS
from ...batch import NotText, Row, not_text

FORMATS = ("twcs", "jsonl", "csv", "zendesk")


class UnknownFormat(ValueError):
    """The file's format is not one amends imports, or cannot be told from the file."""


@dataclass(frozen=True, slots=True)
class Rejected:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """One message as a file states it, before it is stored."""

    line: int
    external_id: str
    role: str  # customer or agent
    text: str
    sent_at: datetime  # aware
    author: str | None = None
    agent_id: str | None = None
    team: str | None = None
    channel: str | None = None
    public: bool = True
    in_reply_to: str | None = None


@dataclass(slots=True)
class Incoming:
    """One conversation of a file, its messages in the order they were sent."""

    external_id: str
    messages: list[IncomingMessage] = field(default_factory=list)
    channel: str | None = None
    customer_id: str | None = None
    team: str | None = None
    subject: str | None = None


@dataclass(slots=True)
class Parsed:
    conversations: list[Incoming]
    rejected: list[Rejected]

    @property
    def messages(self) -> int:
        return sum(len(c.messages) for c in self.conversations)


def rejected_row(row: Row) -> Rejected:
    """A row the batch reader refused, without the "line N: " its reason starts with."""
    reason = row.error or "unreadable"
    return Rejected(row.line, re.sub(rf"^line {row.line}: ", "", reason))


def check_text(text: object, name: str = "text") -> str | None:
    """Why ``text`` cannot be a message's text, or None."""
    if not isinstance(text, str):
        return f"{name!r} must be a string, got {type(text).__name__}"
    if not text.strip():
        return f"{name!r} is empty"
    if len(text) > MAX_CHARS:
        return f"{name!r} is {len(text):,} characters; the limit is {MAX_CHARS:,}"
    return None


def parse_time(value: object, name: str = "timestamp") -> datetime:
    """An ISO 8601 time; one without an offset is read as UTC (the documented rule)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name!r} is missing; give an ISO 8601 time such as 2026-12-01T09:30:00Z")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            f"{name!r} is {value!r}, not an ISO 8601 time such as 2026-12-01T09:30:00+01:00"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def order_messages(conversations: Iterable[Incoming]) -> None:
    """Put each conversation's messages in the order they were sent (file order on ties)."""
    for conversation in conversations:
        conversation.messages.sort(key=lambda m: (m.sent_at, m.line))


def reject_repeats(parsed: Parsed) -> None:
    """A message id given twice in one file: the first is kept, the others rejected."""
    seen: dict[str, int] = {}
    for conversation in parsed.conversations:
        kept = []
        for message in conversation.messages:
            first = seen.get(message.external_id)
            if first is None:
                seen[message.external_id] = message.line
                kept.append(message)
            else:
                parsed.rejected.append(
                    Rejected(
                        message.line,
                        f"message id {message.external_id!r} was already given on line {first}",
                    )
                )
        conversation.messages = kept
    parsed.conversations = [c for c in parsed.conversations if c.messages]
    parsed.rejected.sort(key=lambda r: r.line)


_HEAD = 8192


def guess_format(path: Path) -> str:
    """The format of ``path`` from its extension and first line: a CSV with the TWCS header is
    ``twcs``; JSON lines whose first object is a ticket with comments is ``zendesk``."""
    suffix = path.suffix.lower()
    with path.open("rb") as stream:
        head = stream.read(_HEAD)
    problem = not_text(head)
    if problem:
        raise NotText(problem)
    first = next(
        (line for line in head.decode("utf-8-sig", "replace").splitlines() if line.strip()), ""
    )
    if first.lstrip().startswith("{"):
        try:
            data = json.loads(first)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict) and "comments" in data and "requester_id" in data:
            return "zendesk"
        if isinstance(data, dict) or suffix in (".jsonl", ".ndjson", ".json"):
            return "jsonl"
    elif suffix in (".csv", ".tsv") or any(d in first for d in ",;\t|"):
        header = {name.strip().strip('"') for name in re.split(r"[,;\t|]", first)}
        if {"tweet_id", "in_response_to_tweet_id"} <= header:
            return "twcs"
        if "text" in header:
            return "csv"
    raise UnknownFormat(
        f"{path}: cannot tell its format from its name and first line; pass --format "
        f"({'|'.join(FORMATS)})"
    )


Reader = Callable[[IO[bytes]], Parsed]


def reader(fmt: str) -> Reader:
    """The reader of ``fmt``; ``UnknownFormat`` naming the formats there are."""
    from . import conversations, twcs, zendesk

    readers: dict[str, Reader] = {
        "twcs": twcs.read,
        "jsonl": conversations.read_jsonl,
        "csv": conversations.read_csv,
        "zendesk": zendesk.read,
    }
    if fmt not in readers:
        raise UnknownFormat(f"unknown format {fmt!r}; amends imports {', '.join(FORMATS)}")
    return readers[fmt]


DEFAULT_SOURCES = {"twcs": "twcs", "jsonl": "amends", "csv": "amends", "zendesk": "zendesk"}
