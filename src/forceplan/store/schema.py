"""The tables of the run store (SQLAlchemy Core), at the newest schema revision.

The Alembic migrations in ``migrations/versions`` build exactly these tables;
tests/store/test_migrations.py checks that the two agree.

* ``scenarios``: each validated scenario once, keyed by its content hash.
* ``runs``: one row per run (plan, simulate, compare, ...): options, seed,
  version, status (running -> finished or failed), timings, a headline.
* ``run_scenarios``: which scenarios a run used, in order, with their labels.
* ``run_results``: the results of a run (a plan, a simulation Dataset, a
  comparison frame), each with its metadata.
* ``result_tables``: the tables of a result (columns with dtypes, rows).
* ``result_files``: large arrays written beside the database, with their
  size and SHA-256.
* ``api_tokens``: the web app's bearer tokens, as SHA-256 digests (revision 0003).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

scenarios = sa.Table(
    "scenarios",
    metadata,
    sa.Column("hash", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("content", sa.Text, nullable=False),  # canonical JSON of the validated scenario
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("uid", sa.String(32), nullable=False, unique=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("label", sa.Text, nullable=False, server_default=""),
    sa.Column("options", sa.JSON, nullable=False),
    sa.Column("seed", sa.String(24), nullable=True),  # text: seeds go up to 2**64 - 1
    sa.Column("forceplan_version", sa.String(64), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("duration_s", sa.Float, nullable=True),
    sa.Column("timings", sa.JSON, nullable=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("headline", sa.JSON, nullable=True),
    # revision 0002
    sa.Column("pid_started", sa.BigInteger, nullable=True),
    sa.Column("rerun_of", sa.Integer, nullable=True),  # the run this one reproduces
    sa.Column("environment", sa.JSON, nullable=True),
    sa.Index("ix_runs_started_at", "started_at"),
)

run_scenarios = sa.Table(
    "run_scenarios",
    metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("scenario_hash", sa.String(64), sa.ForeignKey("scenarios.hash"), nullable=False),
    sa.Column("label", sa.String(200), nullable=False),
)

run_results = sa.Table(
    "run_results",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),  # plan | dataset | frame
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("meta", sa.JSON, nullable=False),
    sa.Index("ix_run_results_run_id", "run_id"),
)

result_tables = sa.Table(
    "result_tables",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "result_id",
        sa.Integer,
        sa.ForeignKey("run_results.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("columns", sa.JSON, nullable=False),  # [[name, dtype], ...]
    sa.Column("rows", sa.JSON, nullable=False),  # [[value, ...], ...]
    sa.Column("n_rows", sa.Integer, nullable=False),
    sa.Index("ix_result_tables_result_id", "result_id"),
)

result_files = sa.Table(
    "result_files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "result_id",
        sa.Integer,
        sa.ForeignKey("run_results.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("role", sa.String(50), nullable=False),
    sa.Column("path", sa.Text, nullable=False),  # relative to the store's files folder
    sa.Column("format", sa.String(50), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("bytes", sa.BigInteger, nullable=False),
    sa.Index("ix_result_files_result_id", "result_id"),
)

# revision 0003
api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("digest", sa.String(64), nullable=False, unique=True),  # SHA-256 of the token
    sa.Column("prefix", sa.String(16), nullable=False),  # its first characters, to tell apart
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
)
