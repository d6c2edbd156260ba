"""Practice attempts: who (the key's agent, or the name given on a server without keys), their
team, the scenario, the score, whether it passed, and when (UTC).

Revision ID: 0005_practice_attempts
Revises: 0004_api_keys
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_practice_attempts"
down_revision = "0004_api_keys"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "practice_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.String(length=255), nullable=False),
        sa.Column("team", sa.String(length=255), nullable=True),
        sa.Column("scenario_id", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_attempts")),
    )
    op.create_index(
        "ix_practice_attempts_team_agent", "practice_attempts", ["team", "agent_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_practice_attempts_team_agent", table_name="practice_attempts")
    op.drop_table("practice_attempts")
