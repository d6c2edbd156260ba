"""The ledger over HTTP: promises (list, filter, mark kept or broken) and incidents with their
5 Whys and corrective actions (read by leads, written by admins)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StrictBool

from ...store.db import session_factory, transaction
from ...store.incidents import (
    IncidentError,
    add_action,
    add_why,
    incident_view,
    list_incidents,
    new_incident,
)
from ...store.ledger import LedgerEntry, list_promises, mark
from ..auth import Admin, AnyCaller, Caller, Lead
from ..errors import ApiError
from ..schemas import ErrorOut, IsoTime, StoreId, Strict
from ..state import Shared

DENIED = {
    401: {"model": ErrorOut, "description": "No key, or a wrong or revoked one."},
    403: {"model": ErrorOut, "description": "The key's role may not do this."},
}
router = APIRouter(prefix="/v1", tags=["ledger"], responses=DENIED)
NOT_FOUND = {404: {"model": ErrorOut, "description": "Not there, or not for this key."}}


def team_within(who: Caller, asked: str | None) -> str | None:
    """The team to read: the one asked for, within the caller's."""
    if asked is not None and who.team is not None and asked != who.team:
        raise ApiError(403, "forbidden", f"your key reads team {who.team!r} only", "team")
    return asked if asked is not None else who.team


def _agent(who: Caller, asked: str | None) -> str | None:
    if who.role == "agent":
        if asked is not None and asked != who.agent_id:
            raise ApiError(403, "forbidden", "an agent's key reads their own promises", "agent")
        return who.agent_id
    return asked


class PromiseOut(BaseModel):
    id: int
    conversation: str
    conversation_id: int = Field(description="The store's id: GET /v1/conversations/{id}.")
    message: str
    agent: str | None
    team: str | None
    made_at: str
    kind: str
    action: str | None
    due: str | None
    trigger: str | None
    text: str
    status: str
    status_by: str | None


class PromisesOut(BaseModel):
    promises: list[PromiseOut]


@router.get("/promises", response_model=PromisesOut)
def promises(
    who: AnyCaller,
    shared: Shared,
    status: Annotated[
        Literal["open", "overdue", "today", "all"],
        Query(description="open (not yet due), overdue, due today, or all."),
    ] = "open",
    due_before: IsoTime | None = None,
    due_after: IsoTime | None = None,
    team: str | None = None,
    agent: str | None = None,
) -> JSONResponse:
    """Promises in the ledger with their status now, soonest due first."""
    entries = list_promises(
        shared.engine, status, agent=_agent(who, agent), team=team_within(who, team)
    )
    before, after = due_before, due_after
    kept = [
        _promise(e)
        for e in entries
        if (before is None or (e.due_at is not None and e.due_at < before))
        and (after is None or (e.due_at is not None and e.due_at >= after))
    ]
    return JSONResponse({"promises": kept})


class MarkRequest(Strict):
    status: Literal["kept", "broken", "cancelled"]


@router.post("/promises/{promise_id}/mark", response_model=PromiseOut, responses=NOT_FOUND)
def mark_promise(
    promise_id: StoreId, body: MarkRequest, who: AnyCaller, shared: Shared
) -> JSONResponse:
    """Mark a promise kept, broken or cancelled by hand; the ledger keeps the mark."""
    engine = shared.engine
    visible = list_promises(engine, "all", agent=_agent(who, None), team=who.team)
    if promise_id not in {e.id for e in visible}:
        raise ApiError(
            404, "unknown_promise", f"no promise {promise_id} for this key", "promise_id"
        )
    return JSONResponse(_promise(mark(engine, promise_id, body.status)))


def _promise(entry: LedgerEntry) -> dict[str, Any]:
    """A promise as `amends promises --format json` gives it, with its conversation's store id
    (the web app's Ledger links to the conversation by it)."""
    return entry.to_dict() | {"conversation_id": entry.conversation_id}


# -- incidents -------------------------------------------------------------------------------


class IncidentRequest(Strict):
    what: str = Field(
        pattern=r"\S", description='What failed: "card payments declined for 2 hours".'
    )
    started_at: IsoTime | None = None
    severity: Literal["low", "medium", "high", "critical"] = "medium"
    cause: Literal["ours", "outside", "customer", "unknown"] = "unknown"
    category: str | None = None


class WhyRequest(Strict):
    answer: str = Field(pattern=r"\S", description="The answer to the next why.")
    root: StrictBool = Field(False, description="This answer is the root cause; it ends the chain.")


class ActionRequest(Strict):
    action: str = Field(pattern=r"\S", description="What will be done.")
    owner: str | None = None
    due: IsoTime | None = None


def _incident_error(exc: IncidentError) -> ApiError:
    message = str(exc)
    if message.startswith("no incident"):
        return ApiError(404, "unknown_incident", message, "incident_id")
    return ApiError(422, "invalid_incident", message, "body")


@router.get("/incidents", response_model=dict[str, list[dict[str, Any]]])
def incidents(
    who: Lead,
    shared: Shared,
    status: Literal["open", "resolved", "all"] = "all",
) -> JSONResponse:
    """Incidents, newest first, each with its whys, actions and linked conversations."""
    with session_factory(shared.engine)() as session:
        views = list_incidents(session, status)
        return JSONResponse({"incidents": [v.to_dict() for v in views]})


@router.get("/incidents/{incident_id}", response_model=dict[str, Any], responses=NOT_FOUND)
def incident(incident_id: StoreId, who: Lead, shared: Shared) -> JSONResponse:
    with session_factory(shared.engine)() as session:
        try:
            return JSONResponse(incident_view(session, incident_id).to_dict())
        except IncidentError as exc:
            raise _incident_error(exc) from exc


@router.post("/incidents", response_model=dict[str, Any], status_code=201)
def create_incident(body: IncidentRequest, who: Admin, shared: Shared) -> JSONResponse:
    """Record an incident (admins)."""
    try:
        with transaction(session_factory(shared.engine)) as session:
            made = new_incident(
                session,
                body.what,
                started_at=body.started_at,
                severity=body.severity,
                cause=body.cause,
                category=body.category,
            )
            view = incident_view(session, made.id)
    except IncidentError as exc:
        raise _incident_error(exc) from exc
    return JSONResponse(view.to_dict(), status_code=201)


@router.post("/incidents/{incident_id}/whys", response_model=dict[str, Any], responses=NOT_FOUND)
def create_why(incident_id: StoreId, body: WhyRequest, who: Admin, shared: Shared) -> JSONResponse:
    """The next step of the incident's 5 Whys (admins)."""
    try:
        with transaction(session_factory(shared.engine)) as session:
            add_why(session, incident_id, body.answer, root=body.root)
            view = incident_view(session, incident_id)
    except IncidentError as exc:
        raise _incident_error(exc) from exc
    return JSONResponse(view.to_dict())


@router.post("/incidents/{incident_id}/actions", response_model=dict[str, Any], responses=NOT_FOUND)
def create_action(
    incident_id: StoreId, body: ActionRequest, who: Admin, shared: Shared
) -> JSONResponse:
    """A corrective action, tracked as a promise in the ledger (admins)."""
    try:
        with transaction(session_factory(shared.engine)) as session:
            add_action(session, incident_id, body.action, owner=body.owner, due_at=body.due)
            view = incident_view(session, incident_id)
    except IncidentError as exc:
        raise _incident_error(exc) from exc
    return JSONResponse(view.to_dict())
