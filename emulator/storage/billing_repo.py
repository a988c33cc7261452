"""Queries on bills and the ledger."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from emulator.domain.records.billing import BillRecord, LedgerRecord
from emulator.storage.tables import bills, ledger
from emulator.storage.upsert import insert_ignore


def insert_bill(conn: Connection, **values: Any) -> BillRecord | None:
    """The new bill, or None when (account, kind, period) was billed already."""
    if not insert_ignore(conn, bills, values, ["account_id", "kind", "period"]):
        return None
    row = conn.execute(
        select(bills).where(
            bills.c.account_id == values["account_id"],
            bills.c.kind == values["kind"],
            bills.c.period == values["period"],
        )
    ).first()
    return None if row is None else BillRecord._make(row)


def has_unpaid(conn: Connection, account_id: int, exclude_id: int | None = None) -> bool:
    q = select(bills.c.id).where(bills.c.account_id == account_id, bills.c.paid_us.is_(None))
    if exclude_id is not None:
        q = q.where(bills.c.id != exclude_id)
    return conn.execute(q.limit(1)).first() is not None


def unpaid_oldest_first(conn: Connection, account_id: int) -> list[BillRecord]:
    query = (
        select(bills)
        .where(bills.c.account_id == account_id, bills.c.paid_us.is_(None))
        .order_by(bills.c.created_us, bills.c.id)
    )
    return [BillRecord._make(r) for r in conn.execute(query)]


def list_bills(
    conn: Connection, account_id: int, status: str | None, period: str | None, kind: str | None
) -> list[BillRecord]:
    q = select(bills).where(bills.c.account_id == account_id)
    if status == "paid":
        q = q.where(bills.c.paid_us.is_not(None))
    elif status == "unpaid":
        q = q.where(bills.c.paid_us.is_(None))
    if period:
        q = q.where(bills.c.period.like(f"{period}%"))
    if kind:
        q = q.where(bills.c.kind == kind)
    return [BillRecord._make(r) for r in conn.execute(q.order_by(bills.c.created_us, bills.c.id))]


def list_ledger(conn: Connection, account_id: int) -> list[LedgerRecord]:
    query = select(ledger).where(ledger.c.account_id == account_id).order_by(ledger.c.id)
    return [LedgerRecord._make(r) for r in conn.execute(query)]


def balance(conn: Connection, account_id: int) -> int:
    """The account's balance: always the sum of its ledger, never a stored figure."""
    query = select(func.coalesce(func.sum(ledger.c.amount_micro), 0)).where(ledger.c.account_id == account_id)
    return int(conn.execute(query).scalar_one())


def balances_by_account(conn: Connection) -> dict[int, int]:
    """{account: balance} for every account with a ledger entry, in one grouped query."""
    query = select(ledger.c.account_id, func.sum(ledger.c.amount_micro)).group_by(ledger.c.account_id)
    return {int(a): int(s) for a, s in conn.execute(query)}


def unpaid_totals_by_account(conn: Connection) -> dict[int, int]:
    """{account: total of its unpaid bills} for every account with one, in one grouped query."""
    query = (
        select(bills.c.account_id, func.sum(bills.c.amount_micro))
        .where(bills.c.paid_us.is_(None))
        .group_by(bills.c.account_id)
    )
    return {int(a): int(s) for a, s in conn.execute(query)}


def unpaid_total(conn: Connection, account_id: int) -> int:
    query = select(func.coalesce(func.sum(bills.c.amount_micro), 0)).where(
        bills.c.account_id == account_id, bills.c.paid_us.is_(None)
    )
    return int(conn.execute(query).scalar_one())


def mark_paid(conn: Connection, bill_id: int, now_us: int) -> None:
    conn.execute(update(bills).where(bills.c.id == bill_id).values(paid_us=now_us))


def post_ledger(conn: Connection, **values: Any) -> None:
    """One ledger entry (append-only): account_id, kind, amount_micro, note, times, bill_id."""
    conn.execute(ledger.insert().values(**values))


def post_ledger_many(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Many ledger entries in multi-row INSERTs."""
    if rows:
        conn.execute(ledger.insert(), rows)


def delete_books(conn: Connection, account_id: int) -> None:
    """An account's bills and ledger (reset)."""
    conn.execute(delete(ledger).where(ledger.c.account_id == account_id))
    conn.execute(delete(bills).where(bills.c.account_id == account_id))
