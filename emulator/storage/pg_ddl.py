"""PostgreSQL DDL the search index's migrations share (0007, 0010, 0011: storage.search_index,
storage.search_pg_text): trigram GIN indexes, and plpgsql functions run by statement-level triggers on
`messages` that see the changed rows as the transition table `changed`."""

from __future__ import annotations

from sqlalchemy import Connection

# GIN takes new entries into a pending list, which every search reads through until VACUUM (autovacuum
# after many inserts) or an insert past this size merges it into the index: kept small (the default is
# 4 MB, a few thousand messages' trigrams read by every search)
PENDING_LIST_KB = 512

# trigger name -> (INSERT | DELETE, the REFERENCING clause naming `changed`, the function it runs)
Triggers = dict[str, tuple[str, str, str]]


def trigram_index(conn: Connection, name: str, table: str, expr: str, trgm_schema: str) -> None:
    conn.exec_driver_sql(
        f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expr} "{trgm_schema}".gin_trgm_ops) '
        f"WITH (gin_pending_list_limit = {PENDING_LIST_KB})"
    )


def statement_triggers(conn: Connection, functions: dict[str, str], triggers: Triggers) -> None:
    """`functions`: name -> the statements of its body (a `record` variable `r` is declared for them)."""
    for function, body in functions.items():
        conn.exec_driver_sql(
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"DECLARE r record; BEGIN {body} RETURN NULL; END $$"
        )
    for trigger, (event, transition, function) in triggers.items():
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger} ON messages")
        conn.exec_driver_sql(
            f"CREATE TRIGGER {trigger} AFTER {event} ON messages REFERENCING {transition} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )


def drop_statement_triggers(conn: Connection, functions: dict[str, str], triggers: Triggers) -> None:
    for trigger in triggers:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger} ON messages")
    for function in functions:
        conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}()")
