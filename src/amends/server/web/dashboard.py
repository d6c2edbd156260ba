"""What the Dashboard shows, read from the store: the latest analysis of every agent reply in the
filters (date range, team, channel, agent), summarised as a score distribution, the mean score
by agent, team or channel per week, the commonest mistakes with examples, component coverage,
overdue promises and recurring failures; and the replies behind any bar or point (drill-down).
A reply's conversation with its findings is the API's GET /v1/conversations/{id}.

Replies are aggregated in Python after one query: fine for the tens of thousands of replies a
team's dashboard covers; a warehouse-sized store belongs to ``amends score``/``report``."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from ...model import COMPONENTS, MISTAKES
from ...store.db import session_factory
from ...store.ledger import LedgerEntry, list_promises
from ...store.models import Analysis, Conversation, Message
from ...store.recurrence import find_recurring

GROUPINGS = ("agent", "team", "channel")
BINS = 10  # score bins of 10 points: 0-9 ... 90-100
TREND_GROUPS = 6  # the busiest groups drawn in the trend
EXAMPLES = 3
DRILL_LIMIT = 50


class FilterError(ValueError):
    """A filter has a value the dashboard cannot use; the message names it."""


@dataclass(frozen=True, slots=True)
class Filters:
    start: date | None = None  # first day included
    end: date | None = None  # last day included
    team: str | None = None
    channel: str | None = None
    agent: str | None = None

    @classmethod
    def parse(
        cls,
        start: str | None = None,
        end: str | None = None,
        team: str | None = None,
        channel: str | None = None,
        agent: str | None = None,
    ) -> Filters:
        def day(value: str | None, name: str) -> date | None:
            if not value:
                return None
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise FilterError(f"{name}={value!r} is not a date; write YYYY-MM-DD") from None

        first, last = day(start, "from"), day(end, "to")
        if first and last and first > last:
            raise FilterError(f"from={first} is after to={last}")
        return cls(first, last, team or None, channel or None, agent or None)


@dataclass(frozen=True, slots=True)
class Reply:
    """An agent reply with its latest analysis."""

    message_id: int
    conversation_id: int
    conversation: str
    sent_at: datetime
    agent: str
    team: str
    channel: str
    score: int | None
    labels: tuple[str, ...]
    findings: tuple[dict[str, Any], ...]
    text: str

    def group(self, by: str) -> str:
        return str(getattr(self, by))

    def summary(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "conversation_id": self.conversation_id,
            "conversation": self.conversation,
            "sent_at": self.sent_at.isoformat(),
            "agent": self.agent,
            "team": self.team,
            "channel": self.channel,
            "score": self.score,
            "labels": list(self.labels),
            "text": self.text,
        }


def week_of(when: datetime) -> str:
    """The Monday of ``when``'s week, as YYYY-MM-DD."""
    day = when.astimezone(UTC).date()
    return (day - timedelta(days=day.weekday())).isoformat()


def replies(session: Session, filters: Filters) -> list[Reply]:
    """Every public agent reply in the filters with its latest analysis, oldest first."""
    latest = (
        select(func.max(Analysis.id).label("id")).group_by(Analysis.message_id).subquery("latest")
    )
    query = (
        select(Analysis, Message, Conversation)
        .join(latest, latest.c.id == Analysis.id)
        .join(Message, Analysis.message_id == Message.id)
        .join(Conversation, Message.conversation_id == Conversation.id)
        .where(Message.role == "agent")
        .order_by(Message.sent_at, Message.id)
    )
    if filters.start:
        query = query.where(Message.sent_at >= datetime.combine(filters.start, time(0), UTC))
    if filters.end:
        end = datetime.combine(filters.end + timedelta(days=1), time(0), UTC)
        query = query.where(Message.sent_at < end)
    if filters.team:
        query = query.where(func.coalesce(Message.team, Conversation.team) == filters.team)
    if filters.channel:
        query = query.where(func.coalesce(Message.channel, Conversation.channel) == filters.channel)
    if filters.agent:
        query = query.where(func.coalesce(Message.agent_id, Message.author) == filters.agent)
    out = []
    for analysis, message, conversation in session.execute(query):
        out.append(
            Reply(
                message_id=message.id,
                conversation_id=conversation.id,
                conversation=conversation.external_id,
                sent_at=message.sent_at,
                agent=message.agent_id or message.author or "(unknown)",
                team=message.team or conversation.team or "(none)",
                channel=message.channel or conversation.channel or "(none)",
                score=analysis.score,
                labels=tuple(analysis.labels or ()),
                findings=tuple(analysis.report.get("findings", ())),
                text=message.text,
            )
        )
    return out


def score_bin(score: int) -> int:
    return min(score // 10, BINS - 1)


def summary(
    engine: Engine, filters: Filters, by: str = "team", visible: str | None = None
) -> dict[str, Any]:
    """Everything the dashboard draws for ``filters``, with the trend grouped ``by`` agent, team
    or channel. ``visible`` is the one team the reader may see (None: every team); the filters
    must already be within it, and the team and channel choices offered are its own."""
    if by not in GROUPINGS:
        raise FilterError(f"by={by!r}: expected one of {', '.join(GROUPINGS)}")
    # the ledger opens its own connection: asked first, before this session holds SQLite's lock
    promises = list_promises(engine, "overdue", team=filters.team, agent=filters.agent)
    with session_factory(engine)() as session:
        return _summary(session, filters, by, promises, visible)


def _summary(
    session: Session,
    filters: Filters,
    by: str,
    promises: list[LedgerEntry],
    visible: str | None,
) -> dict[str, Any]:
    rows = replies(session, filters)
    scored = [(r, r.score) for r in rows if r.score is not None]
    histogram = [0] * BINS
    for _, score in scored:
        histogram[score_bin(score)] += 1

    groups: dict[str, list[int]] = defaultdict(list)
    weekly: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for r, score in scored:
        groups[r.group(by)].append(score)
        weekly[r.group(by)][week_of(r.sent_at)].append(score)
    busiest = sorted(groups, key=lambda g: (-len(groups[g]), g))
    weeks = sorted({w for g in weekly.values() for w in g})

    mistakes: Counter[str] = Counter()
    examples: dict[str, list[dict[str, Any]]] = defaultdict(list)
    components: Counter[str] = Counter()
    for r in rows:
        present = set(r.labels)
        components.update(present & set(COMPONENTS))
        for label in present & set(MISTAKES):
            mistakes[label] += 1
            if len(examples[label]) < EXAMPLES:
                match = next((f.get("match") for f in r.findings if f.get("label") == label), None)
                examples[label].append(
                    {
                        "match": match,
                        "conversation_id": r.conversation_id,
                        "conversation": r.conversation,
                    }
                )

    window_end = (
        datetime.combine(filters.end + timedelta(days=1), time(0), UTC) if filters.end else None
    )
    window = (
        window_end - datetime.combine(filters.start, time(0), UTC)
        if filters.start and window_end
        else timedelta(days=30)
    )
    recurring = find_recurring(session, window, until=window_end, team=filters.team).to_dict()
    total = len(rows)
    return {
        "filters": {
            "from": filters.start.isoformat() if filters.start else None,
            "to": filters.end.isoformat() if filters.end else None,
            "team": filters.team,
            "channel": filters.channel,
            "agent": filters.agent,
            "by": by,
        },
        "replies": total,
        "mean_score": _mean([score for _, score in scored]),
        "histogram": [
            {"bin": i, "from": i * 10, "to": 100 if i == BINS - 1 else i * 10 + 9, "count": n}
            for i, n in enumerate(histogram)
        ],
        "groups": [
            {"group": g, "replies": len(groups[g]), "mean_score": _mean(groups[g])} for g in busiest
        ],
        "trend": {
            "weeks": weeks,
            "series": [
                {"group": g, "mean_scores": [_mean(weekly[g].get(w, [])) for w in weeks]}
                for g in busiest[:TREND_GROUPS]
            ],
        },
        "mistakes": [
            {
                "label": label,
                "replies": n,
                "share": round(n / total, 3),
                "examples": examples[label],
            }
            for label, n in mistakes.most_common()
        ],
        "coverage": [
            {"label": c, "replies": components[c], "share": _share(components[c], total)}
            for c in COMPONENTS
        ],
        "overdue_promises": [
            p.to_dict() | {"conversation_id": p.conversation_id} for p in promises[:DRILL_LIMIT]
        ],
        "overdue_total": len(promises),
        "recurring": recurring,
        "teams": _distinct(session, func.coalesce(Message.team, Conversation.team), visible),
        "channels": _distinct(
            session, func.coalesce(Message.channel, Conversation.channel), visible
        ),
    }


def drill(
    session: Session,
    filters: Filters,
    *,
    label: str | None = None,
    has: bool = True,
    score_bin_index: int | None = None,
    by: str | None = None,
    group: str | None = None,
    week: str | None = None,
) -> dict[str, Any]:
    """The replies behind a bar or point: with (``has``) or without ``label``, in a score bin,
    in a group and week. The lowest scores first, at most ``DRILL_LIMIT``."""
    if by is not None and by not in GROUPINGS:
        raise FilterError(f"by={by!r}: expected one of {', '.join(GROUPINGS)}")
    chosen = []
    for r in replies(session, filters):
        if label is not None and (label in r.labels) != has:
            continue
        if score_bin_index is not None and (
            r.score is None or score_bin(r.score) != score_bin_index
        ):
            continue
        if by is not None and group is not None and r.group(by) != group:
            continue
        if week is not None and week_of(r.sent_at) != week:
            continue
        chosen.append(r)
    chosen.sort(key=lambda r: (r.score if r.score is not None else 101, r.message_id))
    return {
        "total": len(chosen),
        "replies": [r.summary() for r in chosen[:DRILL_LIMIT]],
    }


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _share(n: int, total: int) -> float:
    return round(n / total, 3) if total else 0.0


def _distinct(session: Session, column: Any, team: str | None) -> list[str]:
    """The values of ``column`` among agent replies, in ``team``'s replies when one is given."""
    query = (
        select(column)
        .select_from(Message)
        .join(Conversation, Message.conversation_id == Conversation.id)
        .where(Message.role == "agent")
        .distinct()
    )
    if team is not None:
        query = query.where(func.coalesce(Message.team, Conversation.team) == team)
    return sorted(v for v in session.scalars(query) if v)
