"""PostgreSQL's `text` filter indexed off the send path (issue 18): 0007's pg_trgm GIN index on
`messages.search_text` cost the send transaction ~160 µs of a 2 KB message's ~570 µs of statements. The
text now goes to `mail_search_bodies` (GIN on it) in batches, by the committer between sends; the ids
stored but not moved yet wait in `mail_search_pending`, filled by a trigger in the storing transaction
(storage.search_pg_text). The mail stored so far is copied into `mail_search_bodies` here, and 0007's
index dropped. The other filters' indexes stay. SQLite: nothing changes (0009 did the same for it).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 00:30:00
"""

from __future__ import annotations

from alembic import op

from emulator.storage import search_index, search_pg_text

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        search_pg_text.create(conn, search_index.pg_trgm_schema(conn))


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        search_pg_text.drop(conn, search_index.pg_trgm_schema(conn))
