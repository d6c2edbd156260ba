"""Reading the store for the API and its reports: conversations (filtered, paged, each with its
messages and their latest analyses), and stored analyses as rows of ``amends score`` output so
that ``amends.batch.report`` can summarise them.

Every query takes a scope, ``team`` and ``agent``: a conversation is a team's when the
conversation or one of its messages says so, and an agent's when one of its replies is theirs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, exists, func, or_, select

from ..model import COMPONENTS, MISTAKES
from .db import session_factory
from .models import Analysis, Conversation, Message


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose data a reader may see: None for either means no limit on it."""

    team: str | None = None
    agent: str | None = None


def _scoped(query: Select[Any], scope: Scope) -> Select[Any]:
    if scope.team is not None:
        in_team = exists().where(
            Message.conversation_id == Conversation.id, Message.team == scope.team
        )
        query = query.where(or_(Conversation.team == scope.team, in_team))
    if scope.agent is not None:
        query = query.where(
            exists().where(
                Message.conversation_id == Conversation.id,
                Message.role == "agent",
                or_(Message.agent_id == scope.agent, Message.author == scope.agent),
            )
        )
    return query


def _filtered(
    query: Select[Any],
    channel: str | None,
    since: datetime | None,
    until: datetime | None,
) -> Select[Any]:
    if channel is not None:
        query = query.where(Conversation.channel == channel)
    if since is not None:
        query = query.where(Conversation.started_at >= since)
    if until is not None:
        query = query.where(Conversation.started_at < until)
    return query


def _summary(conversation: Conversation, messages: int, mean: float | None) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "source": conversation.source,
        "external_id": conversation.external_id,
        "channel": conversation.channel,
        "customer_id": conversation.customer_id,
        "team": conversation.team,
        "subject": conversation.subject,
        "started_at": conversation.started_at.isoformat() if conversation.started_at else None,
        "messages": messages,
        # PostgreSQL averages to a Decimal, SQLite to a float: JSON wants a float
        "mean_score": round(float(mean), 1) if mean is not None else None,
    }


def list_conversations(
    engine: Engine,
    scope: Scope,
    *,
    channel: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """The total that match, and one page of them, newest first."""
    base = _filtered(_scoped(select(Conversation.id), scope), channel, since, until)
    with session_factory(engine)() as session:
        total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
        page = session.scalars(
            select(Conversation)
            .where(Conversation.id.in_(base))
            .order_by(Conversation.started_at.desc().nulls_last(), Conversation.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        ids = [c.id for c in page]
        counts = dict(
            session.execute(
                select(Message.conversation_id, func.count())
                .where(Message.conversation_id.in_(ids))
                .group_by(Message.conversation_id)
            ).all()
        )
        means = dict(
            session.execute(
                select(Message.conversation_id, func.avg(Analysis.score))
                .join(Analysis, Analysis.message_id == Message.id)
                .where(Message.conversation_id.in_(ids))
                .group_by(Message.conversation_id)
            ).all()
        )
        return total, [_summary(c, counts.get(c.id, 0), means.get(c.id)) for c in page]


def conversation_detail(
    engine: Engine, conversation_id: int, scope: Scope
) -> dict[str, Any] | None:
    """A conversation with its messages in order, each agent reply with its newest analysis
    (the report as ``amends check --format json`` prints it); None when there is no such
    conversation in ``scope``, so that another team's ids look like ids that do not exist."""
    query = _scoped(select(Conversation).where(Conversation.id == conversation_id), scope)
    with session_factory(engine)() as session:
        conversation = session.scalar(query)
        if conversation is None:
            return None
        messages = session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation.id)
            .order_by(Message.sent_at, Message.id)
        ).all()
        newest: dict[int, Analysis] = {}
        for analysis in session.scalars(
            select(Analysis)
            .where(Analysis.message_id.in_([m.id for m in messages]))
            .order_by(Analysis.analysed_at, Analysis.id)
        ):
            newest[analysis.message_id] = analysis
        data = _summary(conversation, len(messages), None)
        scores = [a.score for a in newest.values() if a.score is not None]
        data["mean_score"] = round(sum(scores) / len(scores), 1) if scores else None
        data["messages"] = [
            {
                "id": m.id,
                "external_id": m.external_id,
                "role": m.role,
                "author": m.author,
                "agent_id": m.agent_id,
                "team": m.team,
                "public": m.public,
                "sent_at": m.sent_at.isoformat(),
                "text": m.text,
                "analysis": newest[m.id].report if m.id in newest else None,
            }
            for m in messages
        ]
        return data


def score_rows(
    engine: Engine,
    scope: Scope,
    *,
    channel: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[dict[str, Any]]:
    """The stored analyses of agent replies in ``scope`` (sent in [since, until)), newest
    analysis of each reply, as rows of ``amends score`` output (``amends.batch.schema``)."""
    query = (
        select(Message, Analysis, Conversation)
        .join(Analysis, Analysis.message_id == Message.id)
        .join(Conversation, Message.conversation_id == Conversation.id)
        .where(Message.role == "agent")
        .order_by(Message.id, Analysis.analysed_at, Analysis.id)
    )
    if scope.team is not None:
        query = query.where(or_(Message.team == scope.team, Conversation.team == scope.team))
    if scope.agent is not None:
        query = query.where(or_(Message.agent_id == scope.agent, Message.author == scope.agent))
    if channel is not None:
        query = query.where(or_(Message.channel == channel, Conversation.channel == channel))
    if since is not None:
        query = query.where(Message.sent_at >= since)
    if until is not None:
        query = query.where(Message.sent_at < until)
    with session_factory(engine)() as session:
        newest: dict[int, tuple[Message, Analysis, Conversation]] = {}
        for message, analysis, conversation in session.execute(query):
            newest[message.id] = (message, analysis, conversation)
        customers = dict(
            session.execute(
                select(Message.id, Message.text).where(
                    Message.id.in_(
                        [
                            a.customer_message_id
                            for _, a, _ in newest.values()
                            if a.customer_message_id
                        ]
                    )
                )
            ).all()
        )
    for row, (message, analysis, conversation) in enumerate(newest.values(), 1):
        report = analysis.report
        yield {
            "row": row,
            "id": message.external_id,
            "conversation_id": conversation.external_id,
            "agent": message.agent_id or message.author,
            "team": message.team or conversation.team,
            "channel": message.channel or conversation.channel,
            "timestamp": message.sent_at.isoformat(),
            "text": message.text,
            "customer": customers.get(analysis.customer_message_id),
            "labels": list(analysis.labels),
            "components": [x for x in analysis.labels if x in COMPONENTS],
            "mistakes": [x for x in analysis.labels if x in MISTAKES],
            "score": None if analysis.score is None else float(analysis.score),
            "quality": analysis.quality,
            "findings": report.get("findings", []),
            "missing": report.get("missing", []),
            "situation": report.get("situation", {}),
            "rules_version": analysis.rules_version,
            "model_version": analysis.model_version,
        }
