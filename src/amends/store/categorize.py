"""Failure categories for stored conversations: ``amends.categories.categorize`` over each
conversation's public messages and its analyses' situation reading, written to
``conversation_categories``. Import calls it for the conversations a batch touched; ``amends
categorize`` runs it over the whole store (after the category data changed). Categories a
person assigned (``assigned_by = 'person'``) are kept as they are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from ..categories import Category, categorize, category_data
from .db import session_factory, transaction
from .models import Analysis, Conversation, ConversationCategory, FailureCategory, Message

PERSON = "person"
_CHUNK = 500


def _chunks(items: Sequence[int], size: int = _CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def category_ids(session: Session) -> dict[str, int]:
    """The ``failure_categories`` rows by name, adding those of the data that are missing."""
    data = category_data()
    known = {c.name: c.id for c in session.scalars(select(FailureCategory))}
    missing = [n for n in data.names if n not in known]
    for name in missing:
        row = FailureCategory(name=name, description=data.description(name))
        session.add(row)
        session.flush()
        known[name] = row.id
    return known


def _signals(report: dict) -> set[str]:
    """The analyzer's reading of the customer's message: its wait and failure signals."""
    evidence = (report.get("situation") or {}).get("evidence") or ()
    return {
        e["signal"]
        for e in evidence
        if e.get("source") == "customer" and e.get("signal") in ("wait", "failure")
    }


def categorize_stored(session: Session, conversation_ids: Sequence[int]) -> Counter[str]:
    """(Re)assign the categories of these conversations; returns how many got each."""
    ids = category_ids(session)
    assigned: Counter[str] = Counter()
    for chunk in _chunks(sorted(set(conversation_ids))):
        texts: dict[int, tuple[list[str], list[str]]] = {c: ([], []) for c in chunk}
        for conversation_id, role, text in session.execute(
            select(Message.conversation_id, Message.role, Message.text)
            .where(Message.conversation_id.in_(chunk), Message.public.is_(True))
            .order_by(Message.conversation_id, Message.sent_at, Message.id)
        ):
            texts[conversation_id][0 if role == "customer" else 1].append(text)
        signals: dict[int, set[str]] = {c: set() for c in chunk}
        apologised: set[int] = set()
        for conversation_id, labels, report in session.execute(
            select(Message.conversation_id, Analysis.labels, Analysis.report)
            .join(Analysis, Analysis.message_id == Message.id)
            .where(Message.conversation_id.in_(chunk))
        ):
            signals[conversation_id] |= _signals(report)
            if "apology" in labels:
                apologised.add(conversation_id)
        people = {
            (conversation_id, category_id)
            for conversation_id, category_id in session.execute(
                select(ConversationCategory.conversation_id, ConversationCategory.category_id)
                .where(ConversationCategory.conversation_id.in_(chunk))
                .where(ConversationCategory.assigned_by == PERSON)
            )
        }
        session.execute(
            delete(ConversationCategory)
            .where(ConversationCategory.conversation_id.in_(chunk))
            .where(ConversationCategory.assigned_by != PERSON)
        )
        for conversation_id in chunk:
            customer, replies = texts[conversation_id]
            found = categorize(
                customer, replies, signals[conversation_id], conversation_id in apologised
            )
            for category in found:
                if (conversation_id, ids[category.name]) in people:
                    continue
                session.add(_row(conversation_id, ids[category.name], category))
                assigned[category.name] += 1
    session.flush()
    return assigned


def _row(conversation_id: int, category_id: int, category: Category) -> ConversationCategory:
    return ConversationCategory(
        conversation_id=conversation_id,
        category_id=category_id,
        assigned_by=category.assigned_by,
        confidence=category.confidence,
    )


def categorize_store(engine: Engine) -> Counter[str]:
    """(Re)assign the categories of every stored conversation, a chunk per transaction."""
    factory = session_factory(engine)
    with factory() as session:
        every = list(session.scalars(select(Conversation.id).order_by(Conversation.id)))
    total: Counter[str] = Counter()
    for chunk in _chunks(every):
        with transaction(factory) as session:
            total += categorize_stored(session, chunk)
    return total


def category_counts(engine: Engine) -> dict[str, int]:
    """How many conversations have each category, every known category listed."""
    with session_factory(engine)() as session:
        rows = session.execute(
            select(FailureCategory.name, func.count(ConversationCategory.conversation_id))
            .outerjoin(ConversationCategory, ConversationCategory.category_id == FailureCategory.id)
            .group_by(FailureCategory.name)
        )
        counts = {name: count for name, count in rows}
    return {name: counts.get(name, 0) for name in category_data().names}
