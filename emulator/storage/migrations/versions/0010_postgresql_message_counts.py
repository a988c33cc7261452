"""Messages per account on PostgreSQL as well (issue 18): an unfiltered mailbox page's `total` counted the
account's (account_id, id) index entries, ~70 ms at 1,000,000 messages. Now it reads one row of
`mail_search_counts`, kept by statement-level triggers on `messages` (storage.search_index), as SQLite's
has been since 0007. The counts of the mail stored so far are filled in here. SQLite: nothing changes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from alembic import op

from emulator.storage import search_index

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        search_index.pg_counts_create(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        search_index.pg_counts_drop(conn)
