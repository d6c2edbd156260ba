"""JSON routes under ``/web/data`` for what the pages need and the ``/v1`` API does not serve:
the dashboard's aggregates and drill-down, and the practice scenarios with feedback on an
attempt. The ledger's promises, marks and incidents, and a conversation with its findings, are
the API's own endpoints, which the pages call directly.

    GET  /web/data/dashboard?from&to&team&channel&agent&by           leads and admins
    GET  /web/data/replies?from&to&team&channel&agent&label&has&bin&by&group&week
    GET  /web/data/practice?agent            the scenarios, the caller's progress   any key
    POST /web/data/practice/{id}  {"reply", "agent"?}  feedback; the attempt is kept
    GET  /web/data/practice/team?team        the team's agents' progress     leads and admins

Each route takes the same caller as ``/v1`` (``auth.require``): a missing, wrong or revoked key
is a 401, too low a role a 403, and a team's key reads its own team only, as ``/v1/reports``
does (asking for another team is a 403). The store is the app's shared engine.

Practice attempts are kept for the key's agent (``practising``); a server without keys keeps
them under the name the page asks for once (``agent``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from ...store import practice as practice_store
from ...store.db import session_factory
from ..api.ledger import team_within
from ..auth import AnyCaller, Caller, Lead
from ..errors import ApiError
from ..state import Shared
from . import dashboard, practice
from .dashboard import FilterError, Filters

router = APIRouter(prefix="/web/data", include_in_schema=False)
# the store's agent_id column
NAME_LIMIT = 255


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


def practising(who: Caller, asked: str | None) -> tuple[str | None, str | None]:
    """Whose practice this is, and their team: the key's agent (a key made without an agent is
    kept as ``key ID``); on a server without keys, the name the page asked for (None: not
    given yet). A key asking for someone else's is a 403."""
    asked = asked.strip() if asked is not None else None
    if who.key_id is None:
        if asked is not None and len(asked) > NAME_LIMIT:
            raise ApiError(
                422, "invalid_agent", f"a name is at most {NAME_LIMIT} characters", "agent"
            )
        return asked or None, None
    mine = who.agent_id or f"key {who.key_id}"
    if asked and asked != mine:
        raise ApiError(403, "forbidden", "a key keeps and reads its own agent's practice", "agent")
    return mine, who.team


def _progress(shared: Shared, agent: str | None) -> list[dict[str, object]]:
    if agent is None:
        return []
    return [p.to_dict() for p in practice_store.progress(shared.engine, agent=agent)]


@router.get("/practice")
def practice_scenarios(who: AnyCaller, shared: Shared, agent: str | None = None) -> JSONResponse:
    """The scenarios, and the caller's progress on them as the store keeps it."""
    chosen = practice.practice()
    name, team = practising(who, agent)
    return JSONResponse(
        {
            "pass_score": chosen.pass_score,
            "scenarios": [s.to_dict() for s in chosen.scenarios],
            "you": {
                "agent": name,
                "team": team,
                "role": who.role,
                "from_key": who.key_id is not None,
            },
            "progress": _progress(shared, name),
        }
    )


@router.get("/practice/team")
def practice_team(who: Lead, shared: Shared, team: str | None = None) -> JSONResponse:
    """Every agent's progress in the lead's team (an admin without a team: every team's)."""
    chosen = team_within(who, team or None)
    found = practice_store.progress(shared.engine, team=chosen)
    return JSONResponse({"team": chosen, "progress": [p.to_dict() for p in found]})


class AttemptRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reply: str
    agent: str | None = None  # on a server without keys: the name the page asked for


@router.post("/practice/{scenario_id}")
def practice_attempt(
    scenario_id: str, body: AttemptRequest, who: AnyCaller, shared: Shared
) -> JSONResponse:
    """Feedback on an attempt, kept for the caller, with their progress after it."""
    chosen = practice.practice()
    scenario = chosen.find(scenario_id)
    if scenario is None:
        known = ", ".join(s.id for s in chosen.scenarios)
        raise ApiError(
            404, "unknown_scenario", f"no scenario {scenario_id!r}; the scenarios are {known}"
        )
    if not body.reply.strip():
        raise ApiError(422, "empty_text", "the reply is empty; write your reply first", "reply")
    name, team = practising(who, body.agent)
    if name is None:
        raise ApiError(
            422,
            "missing_agent",
            "say who is practising: this server has no API keys, so progress is kept under the "
            "name you give",
            "agent",
        )
    result = practice.feedback(shared.analyzer, scenario, body.reply, chosen.pass_score)
    score = result["score"] if result["score"] is not None else 0
    practice_store.record_attempt(shared.engine, name, team, scenario.id, score, result["passed"])
    return JSONResponse({**result, "progress": _progress(shared, name)})
