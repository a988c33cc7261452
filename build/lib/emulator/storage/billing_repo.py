"""Queries on bills and the ledger."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, select

from emulator.storage.tables import bills, ledger
from emulator.storage.upsert import insert_ignore


def insert_bill(conn: Connection, **values: Any) -> Row[Any] | None:
    """The new bill, or None when (account, kind, period) was billed already."""
    if not insert_ignore(conn, bills, values, ["account_id", "kind", "period"]):
        return None
    return conn.execute(
        select(bills).where(
            bills.c.account_id == values["account_id"],
            bills.c.kind == values["kind"],
            bills.c.period == values["period"],
        )
    ).first()


def has_unpaid(conn: Connection, account_id: int, exclude_id: int | None = None) -> bool:
    q = select(bills.c.id).where(bills.c.account_id == account_id, bills.c.paid_us.is_(None))
    if exclude_id is not None:
        q = q.where(bills.c.id != exclude_id)
    return conn.execute(q.limit(1)).first() is not None


def unpaid_oldest_first(conn: Connection, account_id: int) -> list[Row[Any]]:
    return list(
        conn.execute(
            select(bills)
            .where(bills.c.account_id == account_id, bills.c.paid_us.is_(None))
            .order_by(bills.c.created_us, bills.c.id)
        ).all()
    )


def list_bills(
    conn: Connection, account_id: int, status: str | None, period: str | None, kind: str | None
) -> list[Row[Any]]:
    q = select(bills).where(bills.c.account_id == account_id)
    if status == "paid":
        q = q.where(bills.c.paid_us.is_not(None))
    elif status == "unpaid":
        q = q.where(bills.c.paid_us.is_(None))
    if period:
        q = q.where(bills.c.period.like(f"{period}%"))
    if kind:
        q = q.where(bills.c.kind == kind)
    return list(conn.execute(q.order_by(bills.c.created_us, bills.c.id)).all())


def list_ledger(conn: Connection, account_id: int) -> list[Row[Any]]:
    return list(
        conn.execute(select(ledger).where(ledger.c.account_id == account_id).order_by(ledger.c.id)).all()
    )
