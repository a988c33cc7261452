"""Alembic environment: migrations always run on the connection `emulator.storage.migrate` hands over
(inside its transaction, under its lock), never on a URL of their own."""

from __future__ import annotations

from alembic import context

from emulator.storage.schema import metadata
from emulator.storage.search_index import include_name

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through emulator.storage.migrate (it supplies the connection)")

# batch mode: SQLite alters a table by copying it; PostgreSQL gets plain ALTER TABLE
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    # the search index's FTS5 tables and trigram indexes are not models (migration 0007 owns them)
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
