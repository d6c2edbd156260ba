"""The promise ledger: a promise is known by its message and span (so a re-import or a refresh
adds no duplicate), keeps the time zone its due time was read in, and says who set its status
(the ledger, from the conversation and the clock, or a person, whose mark the ledger keeps).

Revision ID: 0003_promise_ledger
Revises: 0002_ledger
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_promise_ledger"
down_revision = "0002_ledger"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot add a constraint to an existing table, so the table is rebuilt
    with op.batch_alter_table("promises") as batch:
        batch.add_column(sa.Column("tz", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("status_by", sa.String(length=16), nullable=True))
        batch.create_unique_constraint("uq_promises_message_id", ["message_id", "start", "end"])
        batch.create_check_constraint(
            "status_by", "status_by IS NULL OR status_by IN ('ledger', 'person')"
        )
    op.create_index(
        op.f("ix_promises_conversation_id"), "promises", ["conversation_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_promises_conversation_id"), table_name="promises")
    with op.batch_alter_table("promises") as batch:
        batch.drop_constraint(op.f("ck_promises_status_by"), type_="check")
        batch.drop_constraint("uq_promises_message_id", type_="unique")
        batch.drop_column("status_by")
        batch.drop_column("tz")
