"""Queries for operations: the readiness write probe and the state gauges /metrics reports."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Connection, Engine, case, func, select, text, update

from emulator.storage.tables import accounts, bills, schema_info


def write_probe(engine: Engine, lock_ms: int) -> None:
    """The smallest write that reaches the disk, leaving nothing behind. SQLite: rewrite the header's
    user_version with its own value and commit (a rolled-back write never touches the WAL, so it
    would not see a full disk). PostgreSQL: a no-op UPDATE rolled back (refused on a read-only
    standby, a full disk or an unreachable server)."""
    with engine.connect() as conn:
        if engine.dialect.name != "sqlite":
            with conn.begin() as tx:
                conn.execute(text(f"SET LOCAL lock_timeout = {lock_ms}"))
                conn.execute(text(f"SET LOCAL statement_timeout = {lock_ms}"))
                conn.execute(
                    update(schema_info).values(version=schema_info.c.version).where(schema_info.c.id == 1)
                )
                tx.rollback()
            return
        raw: Any = conn.connection.dbapi_connection
        busy = raw.execute("PRAGMA busy_timeout").fetchone()[0]
        raw.execute(f"PRAGMA busy_timeout={lock_ms}")
        try:
            raw.execute("BEGIN IMMEDIATE")
            version = int(raw.execute("PRAGMA user_version").fetchone()[0])
            raw.execute(f"PRAGMA user_version={version}")
            raw.execute("COMMIT")
        finally:
            try:
                if raw.in_transaction:
                    raw.execute("ROLLBACK")
                raw.execute(f"PRAGMA busy_timeout={int(busy)}")
            except sqlite3.Error:
                conn.invalidate()  # never pool a connection left with the probe's short busy timeout


def bill_totals(conn: Connection) -> list[tuple[str, str, int, int]]:
    """(kind, 'paid'|'unpaid', count, amount_micro) over every account."""
    status = case((bills.c.paid_us.is_(None), "unpaid"), else_="paid")
    rows = conn.execute(
        select(bills.c.kind, status, func.count(), func.coalesce(func.sum(bills.c.amount_micro), 0)).group_by(
            bills.c.kind, status
        )
    ).all()
    return [(str(k), str(s), int(n), int(a)) for k, s, n, a in rows]


def account_states(conn: Connection) -> list[tuple[str, int]]:
    """('active' | suspension reason, number of accounts)."""
    state = func.coalesce(accounts.c.suspended_reason, "active")
    rows = conn.execute(select(state, func.count()).group_by(state)).all()
    return [(str(s), int(n)) for s, n in rows]
