"""The store's tables as typed SQLAlchemy 2 models.

Conversations and their messages come from imports; every agent message gets an analysis (the
analyzer's report, with the rules and model version that made it, so that old analyses can be
found and re-run). Promises, incidents, their 5 Whys and corrective actions, and failure
categories are the ledger that later work fills. Times are stored in UTC with their time zone;
a message also keeps the UTC offset it was written with.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Constraint names are fixed so that migrations can refer to them on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("customer", "agent")
PROMISE_KINDS = ("dated", "triggered", "vague")
PROMISE_STATUSES = ("open", "kept", "broken", "cancelled")
# who set a promise's status: the ledger (from the conversation and the clock) or a person
STATUS_SETTERS = ("ledger", "person")
CAUSES = ("ours", "outside", "customer", "unknown")
# what an API key may do: agents analyse and see their own conversations, leads their teams'
# data and reports, admins manage keys and incidents
KEY_ROLES = ("agent", "lead", "admin")


class UTCDateTime(TypeDecorator[datetime]):
    """A time zone-aware datetime, stored in UTC. SQLite keeps no offset, so one read back is
    given UTC; a naive datetime is refused rather than guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"{value!r} has no time zone; the store keeps aware times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _now() -> datetime:
    return datetime.now(UTC)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_conversations_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(255))
    channel: Mapped[str | None] = mapped_column(String(64))
    customer_id: Mapped[str | None] = mapped_column(String(255), index=True)
    team: Mapped[str | None] = mapped_column(String(255))
    subject: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)

    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.sent_at"
    )


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_messages_source"),
        CheckConstraint(_one_of("role", ROLES), name="role"),
        Index("ix_messages_conversation_sent", "conversation_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(255))
    # the external id of the message this one answers, when the source says (a tweet's
    # in_response_to_tweet_id)
    in_reply_to: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    author: Mapped[str | None] = mapped_column(String(255))
    agent_id: Mapped[str | None] = mapped_column(String(255), index=True)
    team: Mapped[str | None] = mapped_column(String(255), index=True)
    channel: Mapped[str | None] = mapped_column(String(64))
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    utc_offset_minutes: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    analyses: Mapped[list[Analysis]] = relationship(
        back_populates="message", foreign_keys="Analysis.message_id"
    )


class Analysis(Base):
    """The analyzer's report on one agent message. ``rules_version`` and ``model_version`` say
    which rules and learned model made it: analyses older than the installed ones can be found
    and re-run."""

    __tablename__ = "analyses"
    __table_args__ = (
        UniqueConstraint(
            "message_id", "rules_version", "model_version", name="uq_analyses_message_id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    # the customer message the reply was read against, if any
    customer_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL")
    )
    schema_version: Mapped[int] = mapped_column(Integer)
    rules_version: Mapped[str] = mapped_column(String(64), index=True)
    model_version: Mapped[str] = mapped_column(String(128), default="")
    score: Mapped[int | None] = mapped_column(Integer)
    quality: Mapped[int | None] = mapped_column(Integer)
    labels: Mapped[list[str]] = mapped_column(JSON)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    analysed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)

    message: Mapped[Message] = relationship(back_populates="analyses", foreign_keys=[message_id])


class Promise(Base):
    """Something an agent promised in a message, and what became of it."""

    __tablename__ = "promises"
    __table_args__ = (
        CheckConstraint(_one_of("kind", PROMISE_KINDS), name="kind"),
        CheckConstraint(_one_of("status", PROMISE_STATUSES), name="status"),
        CheckConstraint(
            f"status_by IS NULL OR {_one_of('status_by', STATUS_SETTERS)}", name="status_by"
        ),
        Index("ix_promises_status_due", "status", "due_at"),
        # a promise is known by its message and span: a re-import or a refresh adds no duplicate
        UniqueConstraint("message_id", "start", "end", name="uq_promises_message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    start: Mapped[int | None] = mapped_column(Integer)
    end: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    action: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    trigger: Mapped[str | None] = mapped_column(Text)
    # the IANA zone the due time was read in (the team's or customer's)
    tz: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_by: Mapped[str | None] = mapped_column(String(16))
    # the later message that delivered it, when one did
    kept_by_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL")
    )
    extractor_version: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (CheckConstraint(_one_of("cause", CAUSES), name="cause"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    what: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    severity: Mapped[str | None] = mapped_column(String(32))
    cause: Mapped[str] = mapped_column(String(16), default="unknown")
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("failure_categories.id", ondelete="SET NULL")
    )
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)


class Why(Base):
    """One step of an incident's 5 Whys; the chain runs by ``position`` and the last step
    marked ``root_cause`` ends it."""

    __tablename__ = "whys"
    __table_args__ = (UniqueConstraint("incident_id", "position", name="uq_whys_incident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    question: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    root_cause: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)


class CorrectiveAction(Base):
    """What will be done about an incident, by whom and when; tracked as a promise."""

    __tablename__ = "corrective_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(255))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    promise_id: Mapped[int | None] = mapped_column(ForeignKey("promises.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)


class IncidentConversation(Base):
    __tablename__ = "incident_conversations"

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )


class FailureCategory(Base):
    """A kind of failure (delivery, billing, outage, ...)."""

    __tablename__ = "failure_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str | None] = mapped_column(Text)


class ConversationCategory(Base):
    """A failure category of a conversation, with what assigned it (the customer's words, the
    analyzer's findings, or a person) and how sure it is."""

    __tablename__ = "conversation_categories"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[int] = mapped_column(
        ForeignKey("failure_categories.id", ondelete="CASCADE"), primary_key=True
    )
    assigned_by: Mapped[str] = mapped_column(String(32))
    confidence: Mapped[float | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)


class ApiKey(Base):
    """A key to the HTTP API. The secret is shown once, when the key is made; the store keeps
    its SHA-256 only, and finds it by ``prefix``, the public part printed in listings."""

    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint(_one_of("role", KEY_ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    # None: every team (an admin's key only)
    team: Mapped[str | None] = mapped_column(String(255))
    agent_id: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PracticeAttempt(Base):
    """One scored attempt at a practice scenario, by the agent of the key that sent it (or, on
    a server without keys, the name the Practice page asked for). A lead reads their team's."""

    __tablename__ = "practice_attempts"
    __table_args__ = (Index("ix_practice_attempts_team_agent", "team", "agent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(255))
    # None: no team (a key without one, or a server without keys)
    team: Mapped[str | None] = mapped_column(String(255))
    scenario_id: Mapped[str] = mapped_column(String(64))
    score: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
