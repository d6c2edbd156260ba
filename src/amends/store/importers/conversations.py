"""amends' own conversation format, as JSON lines or CSV: one message per line or row.

Fields (docs/conversation-format.md): ``conversation_id``, ``message_id``, ``role``
(customer or agent), ``text`` and ``timestamp`` (ISO 8601; without an offset it is UTC) are
required; ``author``, ``agent_id``, ``team``, ``channel``, ``customer_id``, ``subject``,
``in_reply_to`` and ``public`` (true unless false) are optional.
"""

from __future__ import annotations

from typing import IO, Any

from ...batch import Columns, Row, open_rows
from ..models import ROLES
from . import (
    Incoming,
    IncomingMessage,
    Parsed,
    Rejected,
    check_text,
    order_messages,
    parse_time,
    reject_repeats,
    rejected_row,
)

REQUIRED = ("conversation_id", "message_id", "role", "text", "timestamp")
OPTIONAL = ("author", "agent_id", "team", "channel", "customer_id", "subject", "in_reply_to")
_TRUE = {"true", "1", "yes", "public"}
_FALSE = {"false", "0", "no", "private", "internal"}


def _identifier(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise ValueError(f"{name!r} is missing or empty")
    return str(value).strip()


def _optional(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{name!r} must be a string, got {type(value).__name__}")
    return str(value).strip()


def _public(value: Any) -> bool:
    if value is None or value == "":
        return True
    if isinstance(value, bool):
        return value
    if str(value).strip().lower() in _TRUE:
        return True
    if str(value).strip().lower() in _FALSE:
        return False
    raise ValueError(f"'public' is {value!r}; give true or false")


def _message(row: Row) -> tuple[str, IncomingMessage, dict[str, str | None]]:
    data = row.data
    assert data is not None
    missing = [name for name in REQUIRED if name not in data]
    if missing:
        raise ValueError(f"missing required field {', '.join(map(repr, missing))}")
    conversation = _identifier(data, "conversation_id")
    role = str(data["role"]).strip().lower()
    if role not in ROLES:
        raise ValueError(f"'role' is {data['role']!r}; give customer or agent")
    problem = check_text(data["text"])
    if problem:
        raise ValueError(problem)
    extra = {name: _optional(data, name) for name in OPTIONAL}
    message = IncomingMessage(
        line=row.line,
        external_id=_identifier(data, "message_id"),
        role=role,
        text=data["text"],
        sent_at=parse_time(data["timestamp"]),
        author=extra["author"],
        agent_id=extra["agent_id"] if role == "agent" else None,
        team=extra["team"],
        channel=extra["channel"],
        public=_public(data.get("public")),
        in_reply_to=extra["in_reply_to"],
    )
    return conversation, message, extra


def read(stream: IO[bytes], fmt: str) -> Parsed:
    found: dict[str, Incoming] = {}
    rejected: list[Rejected] = []
    for row in open_rows(stream, fmt, columns=Columns(text="text")):
        if row.data is None:
            rejected.append(rejected_row(row))
            continue
        try:
            name, message, extra = _message(row)
        except ValueError as exc:
            rejected.append(Rejected(row.line, str(exc)))
            continue
        conversation = found.get(name)
        if conversation is None:
            conversation = found[name] = Incoming(external_id=name)
        conversation.messages.append(message)
        # the conversation's own fields: the first message that gives each
        conversation.channel = conversation.channel or message.channel
        conversation.team = conversation.team or message.team
        conversation.subject = conversation.subject or extra["subject"]
        conversation.customer_id = conversation.customer_id or extra["customer_id"]
        if message.role == "customer" and conversation.customer_id is None:
            conversation.customer_id = message.author
    order_messages(found.values())
    parsed = Parsed(list(found.values()), rejected)
    reject_repeats(parsed)
    return parsed


def read_jsonl(stream: IO[bytes]) -> Parsed:
    return read(stream, "jsonl")


def read_csv(stream: IO[bytes]) -> Parsed:
    return read(stream, "csv")
