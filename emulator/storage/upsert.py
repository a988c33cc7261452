"""INSERT ... ON CONFLICT for the two supported dialects."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def dialect_insert(conn: Connection, table: Table) -> Any:
    return insert_for(conn.dialect.name, table)


def insert_for(dialect: str, table: Table) -> Any:
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_ignore(conn: Connection, table: Table, values: dict[str, Any], keys: list[str]) -> bool:
    """Insert unless the unique key exists; True when a row was inserted."""
    return bool(conn.execute(_ignore(conn.dialect.name, table, tuple(keys)), values).rowcount)


@lru_cache(maxsize=64)
def _ignore(dialect: str, table: Table, keys: tuple[str, ...]) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING, built once (its values are the parameters of each call)."""
    return insert_for(dialect, table).on_conflict_do_nothing(index_elements=list(keys))
