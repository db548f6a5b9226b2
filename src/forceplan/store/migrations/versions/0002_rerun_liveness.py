"""Runs remember what they reproduce, their process start and their environment.

* ``rerun_of``: the run a ``forceplan rerun`` reproduced;
* ``pid_started``: the start time of the recording process (clock ticks
  since boot on Linux), so a recycled process id is not taken for a live run;
* ``environment``: Python and library versions, for reproducing a run;
* an index on ``started_at`` for listing the newest runs first.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("pid_started", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("rerun_of", sa.Integer, nullable=True))
        batch.add_column(sa.Column("environment", sa.JSON, nullable=True))
    op.create_index("ix_runs_started_at", "runs", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_runs_started_at", table_name="runs")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("environment")
        batch.drop_column("rerun_of")
        batch.drop_column("pid_started")
