"""Thin JSON routes under ``/web/data`` for what the pages need and the API does not serve on
this branch: the dashboard's aggregates and drill-down, a conversation with its findings, the
ledger's promise lists and marks, and incidents. Each calls a store function; errors are the
API's JSON errors.

    GET  /web/data/dashboard?from&to&team&channel&agent&by
    GET  /web/data/replies?from&to&team&channel&agent&label&has&bin&by&group&week
    GET  /web/data/conversations/{id}
    GET  /web/data/promises?status=today|overdue|open|all&team&agent
    POST /web/data/promises/{id}/mark   {"status": "kept"|"broken"|"cancelled"}
    GET  /web/data/incidents?status=open|resolved|all
    GET  /web/data/practice                  the practice scenarios
    POST /web/data/practice/{id}  {"reply"}  feedback on an attempt

The promise and incident routes answer the JSON of the API branch's /v1/promises and
/v1/incidents (plus each promise's conversation id). When those endpoints (with their keys and
team scoping) are merged, the pages should call them and these routes go; until then these
routes have no keys of their own, like the rest of an open (loopback-only) server.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ...store import StoreError, ensure_current, make_engine
from ...store.db import session_factory
from ...store.incidents import list_incidents
from ...store.ledger import DUE_FILTERS, UnknownPromise, list_promises, mark
from ..errors import ApiError
from ..state import Shared
from . import dashboard, practice
from .dashboard import FilterError, Filters

router = APIRouter(prefix="/web/data", include_in_schema=False)
_lock = threading.Lock()


def store_engine(request: Request, shared: Shared) -> Engine:
    """The app's store engine, made (and the store brought up to date) on first use."""
    engine: Engine | None = getattr(request.app.state, "amends_web_engine", None)
    if engine is None:
        with _lock:
            engine = getattr(request.app.state, "amends_web_engine", None)
            if engine is None:
                try:
                    engine = make_engine(shared.settings.database_url)
                    ensure_current(engine)
                except StoreError as exc:
                    raise ApiError(503, "store_unavailable", str(exc)) from exc
                request.app.state.amends_web_engine = engine
    return engine


Store = Annotated[Engine, Depends(store_engine)]


def _session(engine: Store) -> Iterator[Session]:
    with session_factory(engine)() as session:
        yield session


Db = Annotated[Session, Depends(_session)]


def filters(
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
    team: str | None = None,
    channel: str | None = None,
    agent: str | None = None,
) -> Filters:
    try:
        return Filters.parse(start, end, team, channel, agent)
    except FilterError as exc:
        raise ApiError(422, "invalid_filter", str(exc), "query") from exc


Chosen = Annotated[Filters, Depends(filters)]


@router.get("/dashboard")
def dashboard_data(engine: Store, chosen: Chosen, by: str = "team") -> JSONResponse:
    try:
        return JSONResponse(dashboard.summary(engine, chosen, by))
    except FilterError as exc:
        raise ApiError(422, "invalid_filter", str(exc), "query.by") from exc


@router.get("/replies")
def replies(
    session: Db,
    chosen: Chosen,
    label: str | None = None,
    has: bool = True,
    bin: Annotated[int | None, Query(ge=0, lt=dashboard.BINS)] = None,
    by: str | None = None,
    group: str | None = None,
    week: str | None = None,
) -> JSONResponse:
    try:
        found = dashboard.drill(
            session,
            chosen,
            label=label,
            has=has,
            score_bin_index=bin,
            by=by,
            group=group,
            week=week,
        )
    except FilterError as exc:
        raise ApiError(422, "invalid_filter", str(exc), "query.by") from exc
    return JSONResponse(found)


@router.get("/conversations/{conversation_id}")
def conversation(conversation_id: int, session: Db) -> JSONResponse:
    found = dashboard.conversation(session, conversation_id)
    if found is None:
        raise ApiError(
            404, "unknown_conversation", f"no conversation has id {conversation_id}", "path"
        )
    return JSONResponse(found)


@router.get("/promises")
def promises(
    engine: Store, status: str = "today", team: str | None = None, agent: str | None = None
) -> JSONResponse:
    """The API branch's GET /v1/promises JSON, with each promise's conversation id."""
    if status not in DUE_FILTERS:
        raise ApiError(
            422,
            "invalid_filter",
            f"status={status!r}: expected one of {', '.join(DUE_FILTERS)}",
            "status",
        )
    entries = list_promises(engine, status, team=team or None, agent=agent or None)
    return JSONResponse({"promises": [_promise(e) for e in entries]})


class MarkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["kept", "broken", "cancelled"]


@router.post("/promises/{promise_id}/mark")
def mark_promise(promise_id: int, body: MarkRequest, engine: Store) -> JSONResponse:
    try:
        entry = mark(engine, promise_id, body.status)
    except UnknownPromise as exc:
        raise ApiError(404, "unknown_promise", str(exc), "path") from exc
    return JSONResponse(_promise(entry))


@router.get("/incidents")
def incidents(session: Db, status: str = "all") -> JSONResponse:
    if status not in ("open", "resolved", "all"):
        raise ApiError(
            422, "invalid_filter", f"status={status!r}: expected open, resolved or all", "status"
        )
    return JSONResponse({"incidents": [i.to_dict() for i in list_incidents(session, status)]})


def _promise(entry: Any) -> dict[str, Any]:
    return entry.to_dict() | {"conversation_id": entry.conversation_id}


@router.get("/practice")
def practice_scenarios() -> JSONResponse:
    chosen = practice.practice()
    return JSONResponse(
        {"pass_score": chosen.pass_score, "scenarios": [s.to_dict() for s in chosen.scenarios]}
    )


class AttemptRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reply: str


@router.post("/practice/{scenario_id}")
def practice_attempt(scenario_id: str, body: AttemptRequest, shared: Shared) -> JSONResponse:
    chosen = practice.practice()
    scenario = chosen.find(scenario_id)
    if scenario is None:
        known = ", ".join(s.id for s in chosen.scenarios)
        raise ApiError(
            404, "unknown_scenario", f"no scenario {scenario_id!r}; the scenarios are {known}"
        )
    if not body.reply.strip():
        raise ApiError(422, "empty_text", "the reply is empty; write your reply first", "reply")
    return JSONResponse(practice.feedback(shared.analyzer, scenario, body.reply, chosen.pass_score))
