"""POST /v1/hooks/comment: a helpdesk calls it on every ticket comment (a Zendesk ticket
comment event). The comment is stored in its ticket's conversation; an agent's public reply is
analysed and its promises go into the ledger; the answer carries the findings and promises,
so the helpdesk can show them to the agent. Delivering the same event again changes nothing."""

from typing import Any

from fastapi import APIRouter, Body
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select

from ...store.db import session_factory
from ...store.importers.zendesk_event import NotACommentEvent, parse_comment_event
from ...store.ingest import store_conversations
from ...store.models import Analysis, Message, Promise
from ..auth import Lead
from ..errors import ApiError
from ..schemas import ErrorOut
from ..state import Shared

router = APIRouter(
    prefix="/v1/hooks",
    tags=["hooks"],
    responses={
        401: {"model": ErrorOut, "description": "No key, or a wrong or revoked one."},
        403: {"model": ErrorOut, "description": "Leads' and admins' keys, for their team."},
        422: {"model": ErrorOut, "description": "Not a ticket comment event."},
    },
)
SOURCE = "zendesk"  # the export importer's namespace: the hook and an export meet


class HookPromise(BaseModel):
    id: int
    text: str
    start: int | None
    end: int | None
    kind: str
    action: str | None
    due: str | None
    trigger: str | None
    status: str


class HookOut(BaseModel):
    stored: bool
    conversation_id: int
    message_id: int
    role: str
    report: dict[str, Any] | None
    promises: list[HookPromise]


@router.post("/comment", response_model=HookOut)
async def comment(
    shared: Shared,
    who: Lead,
    event: dict[str, Any] = Body(  # noqa: B008 - FastAPI reads the body from this default
        description="A Zendesk ticket event, type zen:event-type:ticket.comment_added."
    ),
) -> JSONResponse:
    """Store and analyse a ticket comment; the reply's findings and promises come back."""
    try:
        conversation = parse_comment_event(event)
    except NotACommentEvent as exc:
        raise ApiError(422, "not_a_comment_event", str(exc), "body") from exc
    if who.team is not None and conversation.team != who.team:
        raise ApiError(
            403,
            "forbidden",
            f"the ticket's group {conversation.team!r} is not your key's team {who.team!r}",
            "body.detail.group_id",
        )
    engine, analyzer = shared.engine, shared.analyzer
    imported, _ = await run_in_threadpool(
        store_conversations, engine, [conversation], SOURCE, analyzer=analyzer
    )
    return JSONResponse(
        await run_in_threadpool(_outcome, engine, conversation.messages[0].external_id, imported)
    )


def _outcome(engine: Any, external_id: str, imported: int) -> dict[str, Any]:
    with session_factory(engine)() as session:
        message = session.scalar(
            select(Message).where(Message.source == SOURCE, Message.external_id == external_id)
        )
        assert message is not None  # it was stored just now, or before
        analysis = session.scalar(
            select(Analysis)
            .where(Analysis.message_id == message.id)
            .order_by(Analysis.analysed_at.desc(), Analysis.id.desc())
            .limit(1)
        )
        promises = session.scalars(
            select(Promise).where(Promise.message_id == message.id).order_by(Promise.start)
        ).all()
        return {
            "stored": imported > 0,
            "conversation_id": message.conversation_id,
            "message_id": message.id,
            "role": message.role,
            "report": analysis.report if analysis is not None else None,
            "promises": [
                {
                    "id": p.id,
                    "text": p.text,
                    "start": p.start,
                    "end": p.end,
                    "kind": p.kind,
                    "action": p.action,
                    "due": p.due_at.isoformat() if p.due_at else None,
                    "trigger": p.trigger,
                    "status": p.status,
                }
                for p in promises
            ],
        }
