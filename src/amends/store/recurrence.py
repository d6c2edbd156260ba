"""Recurrence and apology fatigue in the store, over a window of time:

1. customers apologised to for the same failure category again and again;
2. failure categories that keep coming back (conversations per week, in several weeks), and
   root causes that more than one incident ends in;
3. agents whose apologies repeat the same words (one normalised apology sentence in more than a
   share of their apologies).

Every finding carries its evidence: ids, counts and an example. The window ends at ``until``,
by default the newest message in the store, so imported history is read as of its own time.
With ``team``, customers, categories and agents come from that team's conversations only (as
``store.browse`` scopes them); incidents belong to no team and are read whole.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from ..categories import NONE, OTHER
from .models import (
    Analysis,
    Conversation,
    ConversationCategory,
    FailureCategory,
    Incident,
    Message,
    UTCDateTime,
    Why,
)

_WINDOW = re.compile(r"^\s*(\d+)\s*([dwh])\s*$")
_UNITS = {"d": "days", "w": "weeks", "h": "hours"}
_EXAMPLES = 10  # ids listed per finding; the counts are always whole


def parse_window(value: str) -> timedelta:
    """ "30d", "4w", "12h" as a timedelta."""
    found = _WINDOW.match(value)
    if not found or int(found.group(1)) == 0:
        raise ValueError(f"window {value!r} is not a length of time; write it like 30d, 4w or 12h")
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


# -- the findings ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RepeatedCustomer:
    """A customer apologised to ``apologies`` times for one category within the window."""

    customer_id: str
    category: str
    apologies: int
    conversations: tuple[str, ...]  # source:external id
    first: datetime
    last: datetime
    example: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "category": self.category,
            "apologies": self.apologies,
            "conversations": list(self.conversations),
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "example": self.example,
        }


@dataclass(frozen=True, slots=True)
class RecurringFailure:
    """A category (``kind`` category) or a root cause (``kind`` root_cause) seen again and
    again: how many times in all, and per week (weeks start on Monday)."""

    kind: str
    name: str
    total: int
    weeks: tuple[tuple[str, int], ...]
    ids: tuple[str, ...]  # conversations (source:external id) or incidents (#id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "total": self.total,
            "weeks": {week: count for week, count in self.weeks},
            "ids": list(self.ids),
        }


@dataclass(frozen=True, slots=True)
class RepetitiveAgent:
    """An agent whose apologies repeat one sentence (normalised) in ``share`` of them."""

    agent_id: str
    apologies: int
    sentence: str
    repeats: int
    share: float
    messages: tuple[str, ...]  # source:external id of the messages that repeat it

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent_id": self.agent_id,
            "apologies": self.apologies,
            "sentence": self.sentence,
            "repeats": self.repeats,
            "share": round(self.share, 3),
            "messages": list(self.messages),
        }


@dataclass(frozen=True, slots=True)
class Recurrence:
    since: datetime
    until: datetime
    settings: dict[str, Any]
    customers: tuple[RepeatedCustomer, ...]
    failures: tuple[RecurringFailure, ...]
    agents: tuple[RepetitiveAgent, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "settings": self.settings,
            "customers": [c.to_dict() for c in self.customers],
            "failures": [f.to_dict() for f in self.failures],
            "agents": [a.to_dict() for a in self.agents],
        }


# -- apology sentences -----------------------------------------------------------------------
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_NOISE = re.compile(
    r"@\w+|https?://\S+|(?:^|\s)[\^*~-]\s?[A-Za-z]{1,12}\s*$|(?:^|\s)/[A-Za-z]{1,4}\s*$"
)


def apology_sentence(text: str, start: int) -> str:
    """The sentence of ``text`` around offset ``start``."""
    for found in _SENTENCE.finditer(text):
        if found.start() <= start < found.end():
            return found.group().strip()
    return text.strip()


def normalise_sentence(sentence: str) -> str:
    """An apology sentence with what varies between customers taken out: handles, links,
    signatures, numbers, a name after the last comma, case and punctuation."""
    text = _NOISE.sub(" ", sentence)
    text = re.sub(r",\s*[A-Z][a-z]+\s*[.!?]*\s*$", "", text.strip())
    text = re.sub(r"\d+", "#", text.lower())
    text = re.sub(r"[^\w#' ]+", " ", text)
    return " ".join(text.split())


# -- the queries -----------------------------------------------------------------------------
def _until(session: Session, until: datetime | None) -> datetime:
    if until is not None:
        return until
    newest = session.scalar(select(func.max(Message.sent_at)))
    if newest is None:
        raise ValueError("the store holds no messages yet: run `amends import FILE` first")
    return newest


def _in_team(team: str) -> ColumnElement[bool]:
    """A conversation is a team's when it or one of its messages says so (``store.browse``)."""
    inner = Message.__table__.alias("in_team")
    return or_(
        Conversation.team == team,
        exists().where(inner.c.conversation_id == Conversation.id, inner.c.team == team),
    )


def _apologies(
    session: Session, since: datetime, until: datetime, team: str | None = None
) -> list[tuple[Any, ...]]:
    """(message id, conversation id, agent id, text, sent_at, source, external id, report) of
    every public agent message in the window that apologises, once per message."""
    query = (
        select(
            Message.id,
            Message.conversation_id,
            Message.agent_id,
            Message.text,
            Message.sent_at,
            Message.source,
            Message.external_id,
            Analysis.labels,
            Analysis.report,
        )
        .join(Analysis, Analysis.message_id == Message.id)
        .where(Message.role == "agent", Message.public.is_(True))
        .where(Message.sent_at > since, Message.sent_at <= until)
        .order_by(Message.sent_at, Message.id, Analysis.id.desc())
    )
    if team is not None:
        query = query.join(Conversation, Conversation.id == Message.conversation_id).where(
            _in_team(team)
        )
    seen: set[int] = set()
    out = []
    for row in session.execute(query):
        if row[0] in seen or "apology" not in row[7]:
            continue
        seen.add(row[0])
        out.append((*row[:7], row[8]))
    return out


def _categories(session: Session, conversation_ids: Iterable[int]) -> dict[int, list[str]]:
    ids = sorted(set(conversation_ids))
    out: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        for conversation_id, name in session.execute(
            select(ConversationCategory.conversation_id, FailureCategory.name)
            .join(FailureCategory, FailureCategory.id == ConversationCategory.category_id)
            .where(ConversationCategory.conversation_id.in_(ids[start : start + 500]))
            .where(FailureCategory.name.not_in((OTHER, NONE)))
        ):
            out[conversation_id].append(name)
    return out


def _week(when: datetime) -> str:
    return (when.date() - timedelta(days=when.weekday())).isoformat()


def find_recurring(
    session: Session,
    window: timedelta = timedelta(days=30),
    *,
    until: datetime | None = None,
    min_count: int = 3,
    min_weeks: int = 2,
    min_incidents: int = 2,
    share: float = 0.4,
    min_apologies: int = 5,
    team: str | None = None,
) -> Recurrence:
    """Everything that recurs in the window ending at ``until``:

    - a customer apologised to at least ``min_count`` times for one category;
    - a category with at least ``min_count`` conversations in each of at least ``min_weeks``
      weeks; a root cause (or an incident category) at least ``min_incidents`` incidents end in;
    - an agent with at least ``min_apologies`` apologies, more than ``share`` of them the same
      sentence.
    """
    end = _until(session, until)
    start = end - window
    apologies = _apologies(session, start, end, team)
    conversations = {
        c.id: c
        for c in session.scalars(
            select(Conversation).where(
                Conversation.id.in_(sorted({a[1] for a in apologies}) or [-1])
            )
        )
    }
    categories = _categories(session, conversations)

    # 1. the same customer, the same category, apologised to again and again
    per_customer: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
    for apology in apologies:
        conversation = conversations[apology[1]]
        if conversation.customer_id is None:
            continue
        for category in categories.get(apology[1], ()):
            per_customer[(conversation.customer_id, category)].append(apology)
    customers = []
    for (customer_id, category), found in per_customer.items():
        if len(found) < min_count:
            continue
        refs = list(dict.fromkeys(_ref(conversations[a[1]]) for a in found))
        customers.append(
            RepeatedCustomer(
                customer_id=customer_id,
                category=category,
                apologies=len(found),
                conversations=tuple(refs[:_EXAMPLES]),
                first=found[0][4],
                last=found[-1][4],
                example=_example(found[-1]),
            )
        )
    customers.sort(key=lambda c: (-c.apologies, c.customer_id, c.category))

    # 2. categories week after week, and root causes incident after incident
    failures = _recurring_categories(session, start, end, min_count, min_weeks, team)
    failures += _recurring_root_causes(session, start, end, min_incidents)

    # 3. agents who say sorry in the same words every time
    per_agent: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for apology in apologies:
        if apology[2]:
            per_agent[apology[2]].append(
                (normalise_sentence(_example(apology)), _example(apology), _msg_ref(apology))
            )
    agents = []
    for agent_id, said in per_agent.items():
        if len(said) < min_apologies:
            continue
        sentence, repeats = Counter(s[0] for s in said).most_common(1)[0]
        if repeats < 2 or repeats / len(said) <= share:
            continue
        agents.append(
            RepetitiveAgent(
                agent_id=agent_id,
                apologies=len(said),
                sentence=next(s[1] for s in said if s[0] == sentence),
                repeats=repeats,
                share=repeats / len(said),
                messages=tuple(s[2] for s in said if s[0] == sentence)[:_EXAMPLES],
            )
        )
    agents.sort(key=lambda a: (-a.share, -a.apologies, a.agent_id))
    return Recurrence(
        since=start,
        until=end,
        settings={
            "window_days": round(window.total_seconds() / 86400, 3),
            "min": min_count,
            "min_weeks": min_weeks,
            "min_incidents": min_incidents,
            "share": share,
            "min_apologies": min_apologies,
        },
        customers=tuple(customers),
        failures=tuple(failures),
        agents=tuple(agents),
    )


def _ref(conversation: Conversation) -> str:
    return f"{conversation.source}:{conversation.external_id}"


def _msg_ref(apology: tuple[Any, ...]) -> str:
    return f"{apology[5]}:{apology[6]}"


def _example(apology: tuple[Any, ...]) -> str:
    """The sentence of the message that holds its first apology finding."""
    text, report = apology[3], apology[7]
    starts = [
        f["start"]
        for f in report.get("findings", ())
        if f.get("label") == "apology" and f.get("start") is not None
    ]
    return apology_sentence(text, min(starts)) if starts else text.strip()


def _recurring_categories(
    session: Session,
    start: datetime,
    end: datetime,
    min_count: int,
    min_weeks: int,
    team: str | None = None,
) -> list[RecurringFailure]:
    weeks: dict[str, Counter[str]] = defaultdict(Counter)
    ids: dict[str, list[str]] = defaultdict(list)
    query = (
        select(
            FailureCategory.name,
            Conversation.source,
            Conversation.external_id,
            Conversation.started_at,
        )
        .join(ConversationCategory, ConversationCategory.category_id == FailureCategory.id)
        .join(Conversation, Conversation.id == ConversationCategory.conversation_id)
        .where(Conversation.started_at > start, Conversation.started_at <= end)
        .where(FailureCategory.name.not_in((OTHER, NONE)))
        .order_by(Conversation.started_at, Conversation.id)
    )
    if team is not None:
        query = query.where(_in_team(team))
    for name, source, external_id, started in session.execute(query):
        weeks[name][_week(started)] += 1
        ids[name].append(f"{source}:{external_id}")
    out = []
    for name, counts in weeks.items():
        busy = [w for w, n in counts.items() if n >= min_count]
        if len(busy) >= min_weeks:
            out.append(
                RecurringFailure(
                    kind="category",
                    name=name,
                    total=sum(counts.values()),
                    weeks=tuple(sorted(counts.items())),
                    ids=tuple(ids[name][:_EXAMPLES]),
                )
            )
    out.sort(key=lambda f: (-f.total, f.name))
    return out


def _recurring_root_causes(
    session: Session, start: datetime, end: datetime, min_incidents: int
) -> list[RecurringFailure]:
    """Root causes (normalised) and incident categories that several incidents share."""
    groups: dict[tuple[str, str], list[tuple[int, datetime]]] = defaultdict(list)
    when = type_coerce(func.coalesce(Incident.started_at, Incident.created_at), UTCDateTime())
    for incident_id, started, answer, category in session.execute(
        select(Incident.id, when, Why.answer, FailureCategory.name)
        .outerjoin(Why, (Why.incident_id == Incident.id) & Why.root_cause.is_(True))
        .outerjoin(FailureCategory, FailureCategory.id == Incident.category_id)
        .where(when > start, when <= end)
        .order_by(when, Incident.id)
    ):
        if answer:
            groups[("root_cause", normalise_sentence(answer))].append((incident_id, started))
        if category:
            groups[("incident_category", category)].append((incident_id, started))
    out = []
    for (kind, name), found in groups.items():
        if len(found) < min_incidents:
            continue
        out.append(
            RecurringFailure(
                kind=kind,
                name=name,
                total=len(found),
                weeks=tuple(sorted(Counter(_week(s) for _, s in found).items())),
                ids=tuple(f"#{i}" for i, _ in found[:_EXAMPLES]),
            )
        )
    out.sort(key=lambda f: (-f.total, f.kind, f.name))
    return out


# -- what advise needs to know ---------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PastFailure:
    """An earlier conversation of the customer in the same failure categories (advise reads
    it as a ``PastContact``)."""

    failure: str  # its categories, comma-separated
    cause: str
    apologised: bool
    when: str  # source:external id and date


@dataclass(frozen=True, slots=True)
class CaseContext:
    """What the store knows about a case for ``advise``: the customer's words (when a
    conversation was named), their earlier contacts for the same failure categories, and
    incidents in those categories (the failure recurs beyond this customer)."""

    customer_id: str | None
    customer_text: str
    categories: tuple[str, ...]
    history: tuple[PastFailure, ...]
    recurring: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "categories": list(self.categories),
            "history": [
                {"failure": h.failure, "cause": h.cause, "apologised": h.apologised, "when": h.when}
                for h in self.history
            ],
            "recurring": list(self.recurring),
        }


def case_context(
    session: Session,
    *,
    customer_id: str | None = None,
    conversation: Conversation | None = None,
    window: timedelta = timedelta(days=90),
) -> CaseContext:
    """The store's context for advising on ``conversation`` (its customer's earlier
    conversations that share one of its categories) or on ``customer_id`` (their conversations
    of any specific category), within ``window`` before it."""
    if conversation is not None:
        customer_id = customer_id or conversation.customer_id
    if customer_id is None and conversation is None:
        raise ValueError("give a customer id or a conversation")
    end = (conversation.started_at if conversation else None) or _until(session, None)
    start = end - window
    wanted = (
        set(_categories(session, [conversation.id]).get(conversation.id, ()))
        if conversation
        else set()
    )
    customer_text = ""
    if conversation is not None:
        customer_text = "\n".join(
            session.scalars(
                select(Message.text)
                .where(Message.conversation_id == conversation.id, Message.role == "customer")
                .order_by(Message.sent_at, Message.id)
            )
        )
    earlier = []
    if customer_id is not None:
        query = select(Conversation).where(
            Conversation.customer_id == customer_id,
            Conversation.started_at >= start,
            Conversation.started_at <= end,
        )
        if conversation is not None:
            query = query.where(Conversation.id != conversation.id)
        earlier = list(session.scalars(query.order_by(Conversation.started_at)))
    categories = _categories(session, [c.id for c in earlier])
    causes, apologised = _readings(session, [c.id for c in earlier])
    history = []
    for past in earlier:
        shared = [c for c in categories.get(past.id, ()) if not wanted or c in wanted]
        if not shared:
            continue
        history.append(
            PastFailure(
                failure=", ".join(shared),
                cause=causes.get(past.id, "unknown"),
                apologised=past.id in apologised,
                when=f"{_ref(past)} {past.started_at:%Y-%m-%d}" if past.started_at else _ref(past),
            )
        )
    names = wanted or {n for h in history for n in h.failure.split(", ")}
    recurring = []
    if names:
        when = type_coerce(func.coalesce(Incident.started_at, Incident.created_at), UTCDateTime())
        for incident_id, what, name in session.execute(
            select(Incident.id, Incident.what, FailureCategory.name)
            .join(FailureCategory, FailureCategory.id == Incident.category_id)
            .where(FailureCategory.name.in_(sorted(names)))
            .where((when > start) | Incident.resolved_at.is_(None))
            .where(when <= end)
            .order_by(Incident.id)
        ):
            recurring.append(f"incident #{incident_id} ({name}): {what}")
    return CaseContext(
        customer_id=customer_id,
        customer_text=customer_text,
        categories=tuple(sorted(wanted)),
        history=tuple(history),
        recurring=tuple(recurring),
    )


def _readings(session: Session, conversation_ids: list[int]) -> tuple[dict[int, str], set[int]]:
    """Each conversation's cause as the analyzer read it (the first reading that is not
    unknown), and the conversations whose agents apologised."""
    causes: dict[int, str] = {}
    apologised: set[int] = set()
    if not conversation_ids:
        return causes, apologised
    for conversation_id, labels, report in session.execute(
        select(Message.conversation_id, Analysis.labels, Analysis.report)
        .join(Analysis, Analysis.message_id == Message.id)
        .where(Message.conversation_id.in_(conversation_ids))
        .order_by(Message.sent_at, Message.id)
    ):
        cause = (report.get("situation") or {}).get("cause", "unknown")
        if cause != "unknown":
            causes.setdefault(conversation_id, cause)
        if "apology" in labels:
            apologised.add(conversation_id)
    return causes, apologised
