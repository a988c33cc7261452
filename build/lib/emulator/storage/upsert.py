"""INSERT ... ON CONFLICT for the two supported dialects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def dialect_insert(conn: Connection, table: Table) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_ignore(conn: Connection, table: Table, values: dict[str, Any], keys: list[str]) -> bool:
    """Insert unless the unique key exists; True when a row was inserted."""
    stmt = dialect_insert(conn, table).values(**values).on_conflict_do_nothing(index_elements=keys)
    return bool(conn.execute(stmt).rowcount)
