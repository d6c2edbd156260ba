"""Conversations: import an export into the store, list them, show one with its analyses.
Every read is scoped to the caller: an agent sees conversations they replied in, a lead their
team's, an admin with a team that team's; another team's id is a 404 like a missing one."""

import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ...store import StoreError, UnknownFormat, import_file
from ...store.browse import Scope, conversation_detail, list_conversations
from ..auth import AnyCaller, Caller, Lead
from ..errors import ApiError
from ..schemas import MAX_ID, ErrorOut, IsoTime, StoreId
from ..state import Shared

router = APIRouter(
    prefix="/v1/conversations",
    tags=["conversations"],
    responses={
        401: {"model": ErrorOut, "description": "No key, or a wrong or revoked one."},
        403: {"model": ErrorOut, "description": "The key's role may not do this."},
    },
)

ImportFormat = Literal["jsonl", "zendesk", "twcs", "csv"]


def scope_of(who: Caller) -> Scope:
    """What a caller may read: an agent their own conversations, everyone else their team's
    (an admin's key without a team, and the open API: everything)."""
    return Scope(team=who.team, agent=who.agent_id if who.role == "agent" else None)


class ImportOut(BaseModel):
    format: str
    source: str
    read: int
    imported: int
    skipped: int
    rejected: int
    rejections: list[dict[str, Any]]
    conversations_added: int
    analysed: int
    promises: dict[str, int]
    promises_kept: int
    categorized: int


class ConversationSummary(BaseModel):
    id: int
    source: str
    external_id: str
    channel: str | None
    customer_id: str | None
    team: str | None
    subject: str | None
    started_at: str | None
    messages: int
    mean_score: float | None


class ConversationsOut(BaseModel):
    total: int
    limit: int
    offset: int
    conversations: list[ConversationSummary]


class MessageOut(BaseModel):
    id: int
    external_id: str
    role: str
    author: str | None
    agent_id: str | None
    team: str | None
    public: bool
    sent_at: str
    text: str
    analysis: dict[str, Any] | None


class ConversationOut(BaseModel):
    id: int
    source: str
    external_id: str
    channel: str | None
    customer_id: str | None
    team: str | None
    subject: str | None
    started_at: str | None
    mean_score: float | None
    messages: list[MessageOut]


@router.post(
    "/import",
    response_model=ImportOut,
    responses={422: {"model": ErrorOut, "description": "The body cannot be imported."}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-ndjson": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
)
async def import_conversations(
    request: Request,
    who: Lead,
    shared: Shared,
    format: Annotated[
        ImportFormat,
        Query(description="jsonl (ours), zendesk (tickets with comments), twcs or csv."),
    ] = "jsonl",
) -> JSONResponse:
    """Import conversations as `amends import` does: the body is the file (our JSONL, a
    Zendesk-style export, the TWCS CSV...). A team's key imports into its own team only:
    messages that name another team are refused."""
    body = await request.body()
    if not body.strip():
        raise ApiError(422, "empty_body", "the body is empty; send the export to import", "body")
    engine = shared.engine
    analyzer = shared.analyzer
    summary = await run_in_threadpool(_import, body, format, engine, analyzer, who)
    data = summary.to_dict()
    for name in ("file", "seconds", "ledger_findings"):
        data.pop(name, None)
    return JSONResponse(data)


def _import(body: bytes, fmt: str, engine: Any, analyzer: Any, who: Caller) -> Any:
    suffix = {"jsonl": ".jsonl", "zendesk": ".jsonl", "twcs": ".csv", "csv": ".csv"}[fmt]
    with tempfile.TemporaryDirectory(prefix="amends-import-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(body)
        if who.team is not None:
            _check_teams(path, fmt, who.team)
        try:
            return import_file(path, engine, fmt, analyzer=analyzer)
        except (UnknownFormat, StoreError) as exc:
            message = str(exc).replace(str(path), "the body")
            raise ApiError(422, "cannot_import", message, "body") from exc


def _check_teams(path: Path, fmt: str, team: str) -> None:
    """A team's key may write its own team's conversations only."""
    from ...store.ingest import read_file

    try:
        _, parsed = read_file(path, fmt)
    except (UnknownFormat, StoreError) as exc:
        message = str(exc).replace(str(path), "the body")
        raise ApiError(422, "cannot_import", message, "body") from exc
    for conversation in parsed.conversations:
        teams = {m.team for m in conversation.messages if m.team} | (
            {conversation.team} if conversation.team else set()
        )
        if not teams:
            raise ApiError(
                403,
                "forbidden",
                f"conversation {conversation.external_id!r} names no team; a team's key imports "
                f"its own team's conversations ({team!r}): set each message's team, or import "
                "with an admin's key that has no team",
                "body",
            )
        other = teams - {team}
        if other:
            raise ApiError(
                403,
                "forbidden",
                f"conversation {conversation.external_id!r} belongs to team "
                f"{sorted(other)[0]!r}; your key imports into team {team!r} only",
                "body",
            )


@router.get("", response_model=ConversationsOut)
def conversations(
    who: AnyCaller,
    shared: Shared,
    channel: str | None = None,
    since: Annotated[IsoTime | None, Query(alias="from")] = None,
    until: Annotated[IsoTime | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> JSONResponse:
    """Conversations the caller may see, newest first, a page at a time."""
    total, page = list_conversations(
        shared.engine,
        scope_of(who),
        channel=channel,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return JSONResponse({"total": total, "limit": limit, "offset": offset, "conversations": page})


@router.get(
    "/{conversation_id}",
    response_model=ConversationOut,
    responses={404: {"model": ErrorOut, "description": "No such conversation for this key."}},
)
def conversation(conversation_id: StoreId, who: AnyCaller, shared: Shared) -> JSONResponse:
    """One conversation, its messages in order, each reply with its newest analysis."""
    found = conversation_detail(shared.engine, conversation_id, scope_of(who))
    if found is None:
        raise ApiError(
            404,
            "unknown_conversation",
            f"no conversation {conversation_id}; GET /v1/conversations lists them",
            "conversation_id",
        )
    return JSONResponse(found)
