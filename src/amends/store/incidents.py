"""Incidents: what failed, when, how badly and whose cause it was; its 5 Whys as a numbered
chain ending in a root cause; corrective actions with an owner and a due date, each tracked as
a promise of the ledger (action ``corrective action``) like an agent's; the conversations it
touched; and its resolution. ``amends incident ...`` is a thin layer over these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..categories import NONE, category_data
from .categorize import category_ids
from .models import (
    CAUSES,
    Conversation,
    CorrectiveAction,
    FailureCategory,
    Incident,
    IncidentConversation,
    Promise,
    Why,
)

SEVERITIES = ("low", "medium", "high", "critical")
ACTION = "corrective action"  # the promise's action, so the ledger can tell them apart


class IncidentError(ValueError):
    """An incident command cannot be done; the message says what and what to do instead."""


def parse_when(value: str, name: str = "date") -> datetime:
    """An ISO 8601 date or time ("2026-12-01", "2026-12-01T14:00", "...+01:00", "...Z"); a
    time without an offset is UTC, a date alone is its midnight UTC."""
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise IncidentError(
            f"{name} {value!r} is not an ISO 8601 date or time; write it like 2026-12-01 or "
            "2026-12-01T14:00:00+01:00"
        ) from None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _incident(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        last = session.scalar(select(func.max(Incident.id)))
        known = f"incidents are numbered 1 to {last}" if last else "there are no incidents yet"
        raise IncidentError(
            f"no incident {incident_id}: {known}; `amends incident list` shows them"
        )
    return incident


def _category_id(session: Session, name: str | None) -> int | None:
    if name is None:
        return None
    names = [n for n in category_data().names if n != NONE]
    if name not in names:
        raise IncidentError(f"unknown category {name!r}; expected one of {', '.join(names)}")
    return category_ids(session)[name]


def new_incident(
    session: Session,
    what: str,
    *,
    started_at: datetime | None = None,
    severity: str = "medium",
    cause: str = "unknown",
    category: str | None = None,
) -> Incident:
    """Record an incident; its id is set when this returns."""
    if not what.strip():
        raise IncidentError('say what failed, e.g. "card payments declined for 2 hours"')
    if severity not in SEVERITIES:
        raise IncidentError(f"severity must be one of {', '.join(SEVERITIES)}, got {severity!r}")
    if cause not in CAUSES:
        raise IncidentError(f"cause must be one of {', '.join(CAUSES)}, got {cause!r}")
    incident = Incident(
        what=" ".join(what.split()),
        started_at=started_at,
        severity=severity,
        cause=cause,
        category_id=_category_id(session, category),
    )
    session.add(incident)
    session.flush()
    return incident


def add_why(session: Session, incident_id: int, answer: str, *, root: bool = False) -> Why:
    """The next step of the incident's 5 Whys; ``root`` marks it as the root cause, which
    ends the chain."""
    _incident(session, incident_id)
    if not answer.strip():
        raise IncidentError(
            'give the answer to "why?", e.g. "because the card processor timed out"'
        )
    chain = list(
        session.scalars(select(Why).where(Why.incident_id == incident_id).order_by(Why.position))
    )
    ended = next((w for w in chain if w.root_cause), None)
    if ended is not None:
        raise IncidentError(
            f"incident {incident_id}'s chain already ends in a root cause at why {ended.position}"
        )
    previous = chain[-1].answer if chain else None
    why = Why(
        incident_id=incident_id,
        position=len(chain) + 1,
        question=f"Why {previous[0].lower()}{previous[1:]}?" if previous else None,
        answer=" ".join(answer.split()),
        root_cause=root,
    )
    session.add(why)
    session.flush()
    return why


def add_action(
    session: Session,
    incident_id: int,
    action: str,
    *,
    owner: str | None = None,
    due_at: datetime | None = None,
) -> CorrectiveAction:
    """A corrective action, and the open promise of the ledger that tracks it."""
    _incident(session, incident_id)
    if not action.strip():
        raise IncidentError('say what will be done, e.g. "add a retry to the card processor"')
    text = " ".join(action.split())
    promise = Promise(
        text=text,
        kind="dated" if due_at else "vague",
        action=ACTION,
        due_at=due_at,
        trigger=None,
        status="open",
    )
    session.add(promise)
    session.flush()
    row = CorrectiveAction(
        incident_id=incident_id, action=text, owner=owner, due_at=due_at, promise_id=promise.id
    )
    session.add(row)
    session.flush()
    return row


def find_conversation(session: Session, ref: str, source: str | None = None) -> Conversation:
    """A conversation by its store id or its external id (of ``source``, when ids of two
    sources collide)."""
    query = select(Conversation).where(Conversation.external_id == ref)
    if source:
        query = query.where(Conversation.source == source)
    found = list(session.scalars(query))
    if len(found) > 1:
        sources = ", ".join(sorted(c.source for c in found))
        raise IncidentError(
            f"external id {ref!r} is a conversation of several sources ({sources}); pass --source"
        )
    if found:
        return found[0]
    if ref.isdigit() and source is None:
        conversation = session.get(Conversation, int(ref))
        if conversation is not None:
            return conversation
    raise IncidentError(
        f"no conversation {ref!r} (neither a store id nor an external id"
        + (f" of source {source!r}" if source else "")
        + "); import it first with `amends import`"
    )


def link_conversation(
    session: Session, incident_id: int, ref: str, source: str | None = None
) -> Conversation:
    """Link a conversation to the incident (linking it again changes nothing)."""
    _incident(session, incident_id)
    conversation = find_conversation(session, ref, source)
    if session.get(IncidentConversation, (incident_id, conversation.id)) is None:
        session.add(IncidentConversation(incident_id=incident_id, conversation_id=conversation.id))
        session.flush()
    return conversation


def resolve_incident(
    session: Session, incident_id: int, resolution: str, at: datetime | None = None
) -> Incident:
    incident = _incident(session, incident_id)
    if not resolution.strip():
        raise IncidentError('say how it was resolved, e.g. "retry deployed, payments normal"')
    incident.resolution = " ".join(resolution.split())
    incident.resolved_at = at or datetime.now(UTC)
    session.flush()
    return incident


# -- reading ---------------------------------------------------------------------------------
def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True, slots=True)
class WhyStep:
    position: int
    question: str | None
    answer: str
    root_cause: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "question": self.question,
            "answer": self.answer,
            "root_cause": self.root_cause,
        }


@dataclass(frozen=True, slots=True)
class ActionView:
    id: int
    action: str
    owner: str | None
    due_at: datetime | None
    promise_id: int | None
    status: str
    overdue: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.action,
            "owner": self.owner,
            "due_at": _iso(self.due_at),
            "promise_id": self.promise_id,
            "status": self.status,
            "overdue": self.overdue,
        }


@dataclass(frozen=True, slots=True)
class LinkedConversation:
    id: int
    source: str
    external_id: str
    customer_id: str | None
    started_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "external_id": self.external_id,
            "customer_id": self.customer_id,
            "started_at": _iso(self.started_at),
        }


@dataclass(frozen=True, slots=True)
class IncidentView:
    id: int
    what: str
    started_at: datetime | None
    severity: str | None
    cause: str
    category: str | None
    resolved_at: datetime | None
    resolution: str | None
    whys: tuple[WhyStep, ...]
    actions: tuple[ActionView, ...]
    conversations: tuple[LinkedConversation, ...]

    @property
    def root_cause(self) -> str | None:
        return next((w.answer for w in self.whys if w.root_cause), None)

    @property
    def warnings(self) -> tuple[str, ...]:
        out = []
        if not self.whys:
            out.append(
                "no whys yet: ask why it happened with "
                f'`amends incident why {self.id} "because ..."`'
            )
        elif self.root_cause is None:
            out.append(
                f"the chain stops at why {len(self.whys)} before a root cause: keep asking why, "
                f'and mark the last with `amends incident why {self.id} "..." --root`'
            )
        overdue = [a for a in self.actions if a.overdue]
        if overdue:
            out.append(f"{len(overdue)} corrective action(s) overdue")
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "what": self.what,
            "started_at": _iso(self.started_at),
            "severity": self.severity,
            "cause": self.cause,
            "category": self.category,
            "status": "resolved" if self.resolved_at else "open",
            "resolved_at": _iso(self.resolved_at),
            "resolution": self.resolution,
            "root_cause": self.root_cause,
            "whys": [w.to_dict() for w in self.whys],
            "actions": [a.to_dict() for a in self.actions],
            "conversations": [c.to_dict() for c in self.conversations],
            "warnings": list(self.warnings),
        }


def incident_view(session: Session, incident_id: int, now: datetime | None = None) -> IncidentView:
    """Everything about one incident; ``now`` decides which open actions are overdue."""
    incident = _incident(session, incident_id)
    now = now or datetime.now(UTC)
    category = (
        session.get(FailureCategory, incident.category_id).name  # type: ignore[union-attr]
        if incident.category_id
        else None
    )
    whys = tuple(
        WhyStep(w.position, w.question, w.answer, w.root_cause)
        for w in session.scalars(
            select(Why).where(Why.incident_id == incident_id).order_by(Why.position)
        )
    )
    actions = []
    for row, status in session.execute(
        select(CorrectiveAction, Promise.status)
        .outerjoin(Promise, Promise.id == CorrectiveAction.promise_id)
        .where(CorrectiveAction.incident_id == incident_id)
        .order_by(CorrectiveAction.id)
    ):
        state = status or "open"
        actions.append(
            ActionView(
                id=row.id,
                action=row.action,
                owner=row.owner,
                due_at=row.due_at,
                promise_id=row.promise_id,
                status=state,
                overdue=state == "open" and row.due_at is not None and row.due_at < now,
            )
        )
    conversations = tuple(
        LinkedConversation(c.id, c.source, c.external_id, c.customer_id, c.started_at)
        for c in session.scalars(
            select(Conversation)
            .join(IncidentConversation, IncidentConversation.conversation_id == Conversation.id)
            .where(IncidentConversation.incident_id == incident_id)
            .order_by(Conversation.id)
        )
    )
    return IncidentView(
        id=incident.id,
        what=incident.what,
        started_at=incident.started_at,
        severity=incident.severity,
        cause=incident.cause,
        category=category,
        resolved_at=incident.resolved_at,
        resolution=incident.resolution,
        whys=whys,
        actions=tuple(actions),
        conversations=conversations,
    )


def list_incidents(
    session: Session, status: str = "all", now: datetime | None = None
) -> list[IncidentView]:
    """Incidents, newest first; ``status``: open, resolved or all."""
    if status not in ("open", "resolved", "all"):
        raise IncidentError(f"status must be open, resolved or all, got {status!r}")
    query = select(Incident.id).order_by(Incident.id.desc())
    if status == "open":
        query = query.where(Incident.resolved_at.is_(None))
    elif status == "resolved":
        query = query.where(Incident.resolved_at.is_not(None))
    return [incident_view(session, i, now) for i in session.scalars(query)]
