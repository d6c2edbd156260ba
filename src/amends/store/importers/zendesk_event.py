"""A Zendesk ticket event as a webhook delivers it when a comment is added
(``zen:event-type:ticket.comment_added``): the ticket as ``detail`` (``id``, ``subject``,
``group_id``, ``requester_id``, ``via``...) and the comment as ``event.comment`` (``id``,
``body``, ``is_public``, ``author`` with ``id``, ``name`` and ``is_staff``), at ``time``.

The comment becomes one message of the ticket's conversation, named as the export importer
(``zendesk``) names them so that an export and the hook fill the same conversations: the ticket
id, the comment id, the group as the team.
"""

from __future__ import annotations

from typing import Any

from . import Incoming, IncomingMessage, check_text, parse_time

EVENT_TYPE = "zen:event-type:ticket.comment_added"


class NotACommentEvent(ValueError):
    """The body is not a ticket comment event; the message says which field is wrong."""


def _object(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise NotACommentEvent(f"{where} must be an object")
    return data


def _id(value: Any, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip():
        raise NotACommentEvent(f"{where} must be an id (a number or a string)")
    return str(value).strip()


def parse_comment_event(data: Any) -> Incoming:
    """The event's ticket as a conversation holding its one new comment."""
    event = _object(data, "the body")
    if event.get("type") != EVENT_TYPE:
        raise NotACommentEvent(f"type must be {EVENT_TYPE!r}, not {event.get('type')!r}")
    ticket = _object(event.get("detail"), "detail")
    comment = _object(_object(event.get("event"), "event").get("comment"), "event.comment")
    author = _object(comment.get("author"), "event.comment.author")
    text = comment.get("body")
    problem = check_text(text, "event.comment.body")
    if problem:
        raise NotACommentEvent(problem)
    staff = author.get("is_staff")
    if not isinstance(staff, bool):
        raise NotACommentEvent("event.comment.author.is_staff must be true or false")
    public = comment.get("is_public", True)
    if not isinstance(public, bool):
        raise NotACommentEvent("event.comment.is_public must be true or false")
    try:
        sent_at = parse_time(event.get("time"), "time")
    except ValueError as exc:
        raise NotACommentEvent(str(exc)) from exc
    via = ticket.get("via")
    channel = str(via["channel"]) if isinstance(via, dict) and via.get("channel") else None
    group = ticket.get("group_id")
    team = str(group) if group is not None else None
    author_id = _id(author.get("id"), "event.comment.author.id")
    requester = ticket.get("requester_id")
    return Incoming(
        external_id=_id(ticket.get("id"), "detail.id"),
        channel=channel,
        customer_id=str(requester) if requester is not None else None,
        team=team,
        subject=ticket.get("subject") or None,
        messages=[
            IncomingMessage(
                line=1,
                external_id=_id(comment.get("id"), "event.comment.id"),
                role="agent" if staff else "customer",
                text=text,
                sent_at=sent_at,
                author=str(author.get("name") or author_id),
                agent_id=author_id if staff else None,
                team=team if staff else None,
                channel=channel,
                public=public,
            )
        ],
    )
