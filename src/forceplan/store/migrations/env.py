"""Alembic environment: migrations run on the connection the store hands over.

The store calls Alembic programmatically (forceplan.store.migrate); there is
no alembic.ini. ``config.attributes["connection"]`` is an open SQLAlchemy
connection inside a transaction, so a migration applies whole or not at all
(SQLite and PostgreSQL both have transactional DDL).
"""

from __future__ import annotations

from alembic import context

from forceplan.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
