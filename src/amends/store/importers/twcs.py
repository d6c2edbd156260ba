"""The Customer Support on Twitter export (Kaggle's ``twcs.csv``): one tweet per row,
``tweet_id, author_id, inbound, created_at, text, response_tweet_id, in_response_to_tweet_id``.

A conversation is a thread: the tweets linked by ``in_response_to_tweet_id``, named by the
first tweet of the thread that the file holds. Brand tweets (``inbound`` False; where the flag
is missing, an ``author_id`` that is a handle rather than a number) are the agent's; the brand's
handle is the team, and the initials many brands sign with (``^JK``, ``-AB``) are the agent.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import IO

from ...batch import Columns, open_rows
from . import (
    Incoming,
    IncomingMessage,
    Parsed,
    Rejected,
    check_text,
    order_messages,
    reject_repeats,
    rejected_row,
)

COLUMNS = ("tweet_id", "author_id", "inbound", "created_at", "text", "in_response_to_tweet_id")
TIME_FORMAT = "%a %b %d %H:%M:%S %z %Y"  # Tue Oct 31 22:10:47 +0000 2017
_SIGNATURE = re.compile(r"(?:\^|(?<=\s)[-–~*]\s?)([A-Z]{2,3})\s*$")


def _role(inbound: str, author: str) -> str | None:
    flag = inbound.strip().lower()
    if flag in ("true", "1"):
        return "customer"
    if flag in ("false", "0"):
        return "agent"
    if author:
        return "customer" if author.isdigit() else "agent"
    return None


def _message(line: int, data: dict[str, str]) -> IncomingMessage:
    tweet = data["tweet_id"].strip()
    if not tweet:
        raise ValueError("'tweet_id' is empty")
    author = data["author_id"].strip()
    role = _role(data["inbound"], author)
    if role is None:
        raise ValueError(f"'inbound' is {data['inbound']!r} (not True or False) and no author_id")
    problem = check_text(data["text"])
    if problem:
        raise ValueError(problem)
    try:
        sent_at = datetime.strptime(data["created_at"].strip(), TIME_FORMAT)
    except ValueError:
        raise ValueError(
            f"'created_at' is {data['created_at']!r}, not a time like "
            "'Tue Oct 31 22:10:47 +0000 2017'"
        ) from None
    text = data["text"]
    signed = _SIGNATURE.search(text) if role == "agent" else None
    return IncomingMessage(
        line=line,
        external_id=tweet,
        role=role,
        text=text,
        sent_at=sent_at,
        author=author or None,
        agent_id=f"{author}/{signed.group(1)}" if signed else None,
        team=author if role == "agent" else None,
        channel="twitter",
        in_reply_to=data["in_response_to_tweet_id"].strip() or None,
    )


def read(stream: IO[bytes]) -> Parsed:
    messages: list[IncomingMessage] = []
    rejected: list[Rejected] = []
    for row in open_rows(stream, "csv", columns=Columns(text="text"), delimiter=","):
        if row.data is None:
            rejected.append(rejected_row(row))
            continue
        missing = [name for name in COLUMNS if name not in row.data]
        if missing:
            rejected.append(
                Rejected(row.line, f"not a TWCS row: no column {', '.join(map(repr, missing))}")
            )
            continue
        try:
            messages.append(_message(row.line, row.data))
        except ValueError as exc:
            rejected.append(Rejected(row.line, str(exc)))
    parsed = Parsed(threads(messages), rejected)
    reject_repeats(parsed)
    return parsed


def threads(messages: list[IncomingMessage]) -> list[Incoming]:
    """Group tweets into threads by following ``in_reply_to`` up to the first tweet of the
    thread in the file; threads in the order their first tweet appears."""
    by_id = {m.external_id: m for m in messages}
    roots: dict[str, str] = {}

    def root_of(message: IncomingMessage) -> str:
        seen = []
        current = message
        while current.in_reply_to in by_id and current.external_id not in roots:
            seen.append(current.external_id)
            current = by_id[current.in_reply_to]  # type: ignore[index]
            if current.external_id in seen:  # a cycle: the ids are damaged; stop here
                break
        root = roots.get(current.external_id, current.external_id)
        for tweet in (*seen, current.external_id):
            roots[tweet] = root
        return root

    found: dict[str, Incoming] = {}
    for message in messages:
        root = root_of(message)
        conversation = found.get(root)
        if conversation is None:
            conversation = found[root] = Incoming(external_id=root, channel="twitter")
        conversation.messages.append(message)
        if message.role == "agent" and conversation.team is None:
            conversation.team = message.team
    order_messages(found.values())
    for conversation in found.values():
        first_customer = next((m for m in conversation.messages if m.role == "customer"), None)
        conversation.customer_id = first_customer.author if first_customer else None
    return list(found.values())
