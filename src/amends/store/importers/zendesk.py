"""A Zendesk ticket export: JSON lines, one ticket per line, each a Ticket object of Zendesk's
API (``id``, ``subject``, ``requester_id``, ``assignee_id``, ``group_id``, ``via``, ...) with
its ``comments`` (Ticket Comment objects: ``id``, ``author_id``, ``body`` / ``plain_body``,
``public``, ``created_at``, ``via``) and, as the API sideloads them with ``include=users``, the
``users`` involved (``id``, ``name``, ``role``: end-user, agent or admin).

A comment's author is an agent when the user's role says so (agent or admin); without the user,
the ticket's requester is the customer and its assignee the agent. Private comments (internal
notes) are stored with ``public`` false.
"""

from __future__ import annotations

from typing import IO, Any

from ...batch import open_rows
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

AGENT_ROLES = {"agent", "admin"}


def _id(value: Any, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip():
        raise ValueError(f"{what} has no id")
    return str(value).strip()


def _channel(thing: dict[str, Any]) -> str | None:
    via = thing.get("via")
    channel = via.get("channel") if isinstance(via, dict) else None
    return str(channel) if channel else None


def _role(author: str, users: dict[str, dict[str, Any]], ticket: dict[str, Any]) -> str | None:
    user = users.get(author)
    if user is not None and user.get("role"):
        return "agent" if user["role"] in AGENT_ROLES else "customer"
    if author == str(ticket.get("requester_id")):
        return "customer"
    if author == str(ticket.get("assignee_id")):
        return "agent"
    return None


def _ticket(line: int, ticket: dict[str, Any]) -> tuple[Incoming, list[Rejected]]:
    name = _id(ticket.get("id"), "the ticket")
    comments = ticket.get("comments")
    if not isinstance(comments, list):
        raise ValueError(f"ticket {name} has no 'comments' list")
    users = {
        str(u["id"]): u for u in ticket.get("users") or () if isinstance(u, dict) and "id" in u
    }
    group = ticket.get("group_id")
    conversation = Incoming(
        external_id=name,
        channel=_channel(ticket),
        customer_id=str(ticket["requester_id"]) if ticket.get("requester_id") else None,
        team=str(group) if group is not None else None,
        subject=ticket.get("subject") or None,
    )
    rejected = []
    for number, comment in enumerate(comments, 1):
        where = f"ticket {name}, comment {number}"
        try:
            if not isinstance(comment, dict):
                raise ValueError(f"expected an object, got {type(comment).__name__}")
            author = _id(comment.get("author_id"), "its author")
            role = _role(author, users, ticket)
            if role is None:
                raise ValueError(
                    f"author {author} is neither in 'users' nor the requester or assignee, "
                    "so their role is unknown"
                )
            text = comment.get("plain_body") or comment.get("body")
            problem = check_text(text, "body")
            if problem:
                raise ValueError(problem)
            public = comment.get("public", True)
            if not isinstance(public, bool):
                raise ValueError(f"'public' is {public!r}, not true or false")
            user = users.get(author, {})
            conversation.messages.append(
                IncomingMessage(
                    line=line,
                    external_id=_id(comment.get("id"), "the comment"),
                    role=role,
                    text=text,
                    sent_at=parse_time(comment.get("created_at"), "created_at"),
                    author=str(user.get("name") or author),
                    agent_id=author if role == "agent" else None,
                    team=conversation.team if role == "agent" else None,
                    channel=_channel(comment) or conversation.channel,
                    public=public,
                )
            )
        except ValueError as exc:
            rejected.append(Rejected(line, f"{where}: {exc}"))
    return conversation, rejected


def read(stream: IO[bytes]) -> Parsed:
    conversations: list[Incoming] = []
    rejected: list[Rejected] = []
    for row in open_rows(stream, "jsonl"):
        if row.data is None:
            rejected.append(rejected_row(row))
            continue
        try:
            conversation, refused = _ticket(row.line, row.data)
        except ValueError as exc:
            rejected.append(Rejected(row.line, str(exc)))
            continue
        rejected.extend(refused)
        if conversation.messages:
            conversations.append(conversation)
    order_messages(conversations)
    parsed = Parsed(conversations, rejected)
    reject_repeats(parsed)
    return parsed
