"""Reports from the store: the figures ``amends report`` gives for ``amends score`` output
(scores by agent, team and channel over time, mistake rates, component coverage, recurring
failures), for the stored analyses in a date range, team and channel, with overdue promises."""

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ...store.browse import Scope, score_rows
from ...store.ledger import list_promises
from ..auth import Lead
from ..schemas import ErrorOut, IsoTime
from ..state import Shared
from .ledger import team_within

router = APIRouter(
    prefix="/v1/reports",
    tags=["reports"],
    responses={
        401: {"model": ErrorOut, "description": "No key, or a wrong or revoked one."},
        403: {"model": ErrorOut, "description": "Leads and admins only."},
    },
)


class SummaryOut(BaseModel):
    replies: int
    filters: dict[str, Any]
    summary: dict[str, Any] | None
    overdue_promises: list[dict[str, Any]]


@router.get("/summary", response_model=SummaryOut)
def summary(
    who: Lead,
    shared: Shared,
    since: Annotated[IsoTime | None, Query(alias="from")] = None,
    until: Annotated[IsoTime | None, Query(alias="to")] = None,
    team: str | None = None,
    channel: str | None = None,
) -> JSONResponse:
    """`amends report --format json` over the stored analyses of agent replies sent in
    [from, to), for a team and channel; `summary` is null when no reply matches."""
    from ...batch.report import summarize
    from ...batch.report_render import to_json

    chosen = team_within(who, team)
    engine = shared.engine
    rows = list(
        score_rows(
            engine,
            Scope(team=chosen),
            channel=channel,
            since=since,
            until=until,
        )
    )
    report: dict[str, Any] | None = None
    if rows:
        with tempfile.TemporaryDirectory(prefix="amends-report-") as folder:
            path = Path(folder) / "replies.jsonl"
            with path.open("w", encoding="utf-8") as out:
                out.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
            report = to_json(summarize(path, rewrite=None))
        report.pop("source", None)  # a temporary file's name means nothing to the client
    overdue = [e.to_dict() for e in list_promises(engine, "overdue", team=chosen)]
    return JSONResponse(
        {
            "replies": len(rows),
            "filters": {
                "from": since.isoformat() if since else None,
                "to": until.isoformat() if until else None,
                "team": chosen,
                "channel": channel,
            },
            "summary": report,
            "overdue_promises": overdue,
        }
    )
