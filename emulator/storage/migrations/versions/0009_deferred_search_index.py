"""Mailbox search index filled off the send path (issue 18): on SQLite, 0007's triggers indexed every
message inside the transaction that stored it (~340 CPU-µs of a 2 KB message, in the send's serial
section). Now a mark (`mail_search_progress.upto`) says which messages the FTS5 tables hold; the
server's committer indexes the ones past it in batches when idle or behind (services.search_indexer),
and searches add the unindexed tail to the index's candidates (storage.search_index). Everything
stored before this revision is indexed already. PostgreSQL: nothing changes (its GIN indexes).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

from alembic import op

from emulator.storage import search_index

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        search_index.sqlite_defer(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        search_index.sqlite_undefer(conn)
