"""Mailbox search index (issue 18): what the `to`, `from`, `subject` and `text` filters look up instead
of scanning (emulator/storage/search_index.py, docs/storage.md "Search"). SQLite: four contentless FTS5
trigram tables kept by triggers on `messages`; PostgreSQL: pg_trgm GIN indexes on the predicate's own
expressions (none, and a warning, where pg_trgm cannot be installed). Both are built here for the mail
already stored (backfill). No table of the models changes, and `schema_info.version` stays.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 00:40:00
"""

from __future__ import annotations

import logging

from alembic import op

from emulator.storage import search_index

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        search_index.sqlite_create(conn)
    elif conn.dialect.name == "postgresql" and not search_index.pg_create(conn):
        log.warning(
            "pg_trgm is not available on this PostgreSQL server: the mailbox filters scan the mail "
            "(results are the same, only slower)"
        )


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        search_index.sqlite_drop(conn)
    elif conn.dialect.name == "postgresql":
        search_index.pg_drop(conn)
