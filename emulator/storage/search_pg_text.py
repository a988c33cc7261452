"""PostgreSQL's `text` filter index, filled off the send path (migration 0011, docs/storage.md "Search").

The pg_trgm GIN index on `messages.search_text` (migration 0007) cost the send transaction ~160 µs of a
2 KB message's ~570 µs of statements (measured: the send committer's serial section), a third of
PostgreSQL's SendEmail throughput. So, as on SQLite (migration 0009), the text is indexed later, in
batches, by the committer between its sends (services.search_indexer):

- BODIES holds (message_pk, body = the message's search_text) with the GIN index on body;
- PENDING holds the ids of the messages stored but not in BODIES yet. A statement-level trigger on
  `messages` fills it in the storing transaction itself (one insert of a batch's ids, no GIN work): ids
  from several processes commit out of order, so a mark like SQLite's would miss some;
- index_pending() moves a batch from PENDING to BODIES in one statement (rows locked SKIP LOCKED, so
  several processes' committers share the work without waiting on each other);
- a search's candidates are the BODIES rows the index finds plus every PENDING id, and the exact
  predicate on `messages` decides, so results never depend on the lag.

Every message is in exactly one of the two tables at any snapshot: the trigger adds its id in the
transaction that stores it, and the move deletes from one and inserts into the other atomically. A
delete of messages takes their rows out of both (trigger). Without pg_trgm, BODIES has no index and the
filter scans, as before."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, column, select, table, text, union_all
from sqlalchemy.sql import ColumnElement

from emulator.storage import pg_ddl
from emulator.storage.tables import messages

BODIES = "mail_search_bodies"
PENDING = "mail_search_pending"
BODIES_INDEX = "ix_mail_search_bodies_trgm"
MOVED_INDEX = "ix_messages_trgm_text"  # 0007's index on messages.search_text, dropped by 0011

TRIGGERS: pg_ddl.Triggers = {
    "messages_search_pending_insert": ("INSERT", "NEW TABLE AS changed", "ses_search_stored"),
    "messages_search_pending_delete": ("DELETE", "OLD TABLE AS changed", "ses_search_deleted"),
}
_BODIES = {
    "ses_search_stored": f"INSERT INTO {PENDING} (message_pk) SELECT id FROM changed ORDER BY id;",
    # pending first: a move holding one of these rows finishes, then its BODIES row goes too
    "ses_search_deleted": (
        f"DELETE FROM {PENDING} WHERE message_pk IN (SELECT id FROM changed); "
        f"DELETE FROM {BODIES} WHERE message_pk IN (SELECT id FROM changed);"
    ),
}

_MOVE = text(
    f"WITH moved AS (DELETE FROM {PENDING} WHERE message_pk IN ("
    f"SELECT message_pk FROM {PENDING} ORDER BY message_pk LIMIT :n FOR UPDATE SKIP LOCKED) "
    "RETURNING message_pk), "
    f"ins AS (INSERT INTO {BODIES} (message_pk, body) "
    "SELECT m.id, m.search_text FROM messages AS m JOIN moved ON m.id = moved.message_pk) "
    "SELECT count(*) FROM moved"
)
_PENDING_COUNT = text(f"SELECT count(*) FROM {PENDING}")


def create(conn: Connection, trgm_schema: str | None) -> None:
    """0011: the two tables, the triggers, every stored message's text in BODIES, then its GIN index
    (built once over the backfill, cheaper than entry by entry) and 0007's index dropped. In the
    migration's transaction, so no insert falls between the backfill and the trigger."""
    conn.exec_driver_sql(
        f"CREATE TABLE IF NOT EXISTS {BODIES} (message_pk INTEGER PRIMARY KEY, body TEXT NOT NULL)"
    )
    conn.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS {PENDING} (message_pk INTEGER PRIMARY KEY)")
    pg_ddl.statement_triggers(conn, _BODIES, TRIGGERS)
    conn.exec_driver_sql(f"DELETE FROM {PENDING}")
    conn.exec_driver_sql(f"DELETE FROM {BODIES}")
    conn.exec_driver_sql(f"INSERT INTO {BODIES} (message_pk, body) SELECT id, search_text FROM messages")
    if trgm_schema is not None:
        pg_ddl.trigram_index(conn, BODIES_INDEX, BODIES, "body", trgm_schema)
    conn.exec_driver_sql(f"DROP INDEX IF EXISTS {MOVED_INDEX}")


def drop(conn: Connection, trgm_schema: str | None) -> None:
    """Back to 0010: 0007's index on messages.search_text again, the tables and triggers gone."""
    pg_ddl.drop_statement_triggers(conn, _BODIES, TRIGGERS)
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {PENDING}")
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {BODIES}")
    if trgm_schema is not None:
        pg_ddl.trigram_index(conn, MOVED_INDEX, "messages", "search_text", trgm_schema)


def index_pending(conn: Connection, limit: int) -> tuple[int, bool]:
    """Move up to `limit` pending messages (oldest first, skipping rows another process is moving)
    into BODIES: (how many, whether more may remain)."""
    done = int(conn.execute(_MOVE, {"n": limit}).scalar_one())
    return done, done >= limit


def unindexed(conn: Connection) -> int:
    return int(conn.execute(_PENDING_COUNT).scalar_one())


_bodies = table(BODIES, column("message_pk"), column("body"))
_pending = table(PENDING, column("message_pk"))


def candidates(likes: list[str]) -> ColumnElement[Any]:
    """`messages.id` among the BODIES rows whose body matches every LIKE pattern (escaped, ESCAPE
    '\\'), or among the pending ones."""
    hits = select(_bodies.c.message_pk).where(*(_bodies.c.body.like(p, escape="\\") for p in likes))
    return messages.c.id.in_(union_all(hits, select(_pending.c.message_pk)))
