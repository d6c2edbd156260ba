"""JSON routes under ``/web/data`` for what the pages need and the ``/v1`` API does not serve:
the dashboard's aggregates and drill-down, and the practice scenarios with feedback on an
attempt. The ledger's promises, marks and incidents, and a conversation with its findings, are
the API's own endpoints, which the pages call directly.

    GET  /web/data/dashboard?from&to&team&channel&agent&by           leads and admins
    GET  /web/data/replies?from&to&team&channel&agent&label&has&bin&by&group&week
    GET  /web/data/practice                  the practice scenarios    any key
    POST /web/data/practice/{id}  {"reply"}  feedback on an attempt

Each route takes the same caller as ``/v1`` (``auth.require``): a missing, wrong or revoked key
is a 401, too low a role a 403, and a team's key reads its own team only, as ``/v1/reports``
does (asking for another team is a 403). The store is the app's shared engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from ...store.db import session_factory
from ..api.ledger import team_within
from ..auth import AnyCaller, Lead
from ..errors import ApiError
from ..state import Shared
from . import dashboard, practice
from .dashboard import FilterError, Filters

router = APIRouter(prefix="/web/data", include_in_schema=False)


def _session(shared: Shared) -> Iterator[Session]:
    with session_factory(shared.engine)() as session:
        yield session


Db = Annotated[Session, Depends(_session)]


def filters(
    who: Lead,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
    team: str | None = None,
    channel: str | None = None,
    agent: str | None = None,
) -> Filters:
    """The dashboard's filters, the team within the caller's (a team's key: that team)."""
    chosen = team_within(who, team or None)
    try:
        return Filters.parse(start, end, chosen, channel, agent)
    except FilterError as exc:
        raise ApiError(422, "invalid_filter", str(exc), "query") from exc


Chosen = Annotated[Filters, Depends(filters)]


@router.get("/dashboard")
def dashboard_data(who: Lead, shared: Shared, chosen: Chosen, by: str = "team") -> JSONResponse:
    try:
        return JSONResponse(dashboard.summary(shared.engine, chosen, by, visible=who.team))
    except FilterError as exc:
        raise ApiError(422, "invalid_filter", str(exc), "query.by") from exc


@router.get("/replies")
def replies(
    who: Lead,
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


@router.get("/practice")
def practice_scenarios(who: AnyCaller) -> JSONResponse:
    chosen = practice.practice()
    return JSONResponse(
        {"pass_score": chosen.pass_score, "scenarios": [s.to_dict() for s in chosen.scenarios]}
    )


class AttemptRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reply: str


@router.post("/practice/{scenario_id}")
def practice_attempt(
    scenario_id: str, body: AttemptRequest, who: AnyCaller, shared: Shared
) -> JSONResponse:
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
