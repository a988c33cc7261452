"""Read-only queries for operations: a readiness ping and the state gauges /metrics reports."""

from __future__ import annotations

from sqlalchemy import Connection, case, func, select, text

from emulator.storage.tables import accounts, bills


def ping(conn: Connection) -> None:
    conn.execute(text("SELECT 1")).scalar()


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
