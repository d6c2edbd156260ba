"""Practice progress kept per agent: each scored attempt is a row (who, their team, the
scenario, the score, whether it passed, when); progress is read back per agent and scenario
as attempts, best score, passed at least once, and the last attempt's time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, case, func, select

from .db import session_factory, transaction
from .models import PracticeAttempt


@dataclass(frozen=True, slots=True)
class Progress:
    """One agent's record on one scenario."""

    agent: str
    team: str | None
    scenario: str
    attempts: int
    best: int
    passed: bool
    last: datetime

    def to_dict(self) -> dict[str, object]:
        return {
            "agent": self.agent,
            "team": self.team,
            "scenario": self.scenario,
            "attempts": self.attempts,
            "best": self.best,
            "passed": self.passed,
            "last": self.last.isoformat(),
        }


def record_attempt(
    engine: Engine, agent: str, team: str | None, scenario: str, score: int, passed: bool
) -> None:
    """Keep one scored attempt of ``agent`` (of ``team``) at ``scenario``."""
    with transaction(session_factory(engine)) as session:
        session.add(
            PracticeAttempt(
                agent_id=agent, team=team, scenario_id=scenario, score=score, passed=passed
            )
        )


def progress(
    engine: Engine, *, agent: str | None = None, team: str | None = None
) -> list[Progress]:
    """Progress per agent and scenario, by agent then scenario: ``agent``'s only when given,
    ``team``'s only when given (both None: everyone's)."""
    row = PracticeAttempt
    query = select(
        row.agent_id,
        row.team,
        row.scenario_id,
        func.count(row.id),
        func.max(row.score),
        # passed at least once: max() over a boolean is not portable, over 0 and 1 it is
        func.max(case((row.passed, 1), else_=0)),
        func.max(row.created_at),
    ).group_by(row.agent_id, row.team, row.scenario_id)
    if agent is not None:
        query = query.where(row.agent_id == agent)
    if team is not None:
        query = query.where(row.team == team)
    query = query.order_by(row.agent_id, row.team, row.scenario_id)
    with session_factory(engine)() as session:
        found = session.execute(query).all()
    return [
        Progress(name, group, scenario, attempts, best, bool(passed), last)
        for name, group, scenario, attempts, best, passed, last in found
    ]
