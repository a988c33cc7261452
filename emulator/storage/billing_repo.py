"""Queries on bills and the ledger."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select, update

from emulator.domain.records.billing import BillRecord, LedgerRecord
from emulator.storage.tables import bills, ledger
from emulator.storage.upsert import insert_ignore


def insert_bill(conn: Connection, **values: Any) -> BillRecord | None:
    """The new bill, or None when (account, kind, period) was billed already."""
    if not insert_ignore(conn, bills, values, ["account_id", "kind", "period"]):
        return None
    key = {k: values[k] for k in ("account_id", "kind", "period")}
    row = conn.execute(_BILL_BY_KEY, key).first()
    return None if row is None else BillRecord._make(row)


# Statements of the settlement path, built once (SQLAlchemy's compiled cache then serves them without
# building them and their cache keys on every call).
_BILL_BY_KEY = select(bills).where(
    bills.c.account_id == bindparam("account_id"),
    bills.c.kind == bindparam("kind"),
    bills.c.period == bindparam("period"),
)
_UNPAID = select(bills.c.id).where(bills.c.account_id == bindparam("aid"), bills.c.paid_us.is_(None))
_HAS_UNPAID = _UNPAID.limit(1)
_HAS_OTHER_UNPAID = _UNPAID.where(bills.c.id != bindparam("not_id")).limit(1)
_UNPAID_OLDEST_FIRST = (
    select(bills)
    .where(bills.c.account_id == bindparam("aid"), bills.c.paid_us.is_(None))
    .order_by(bills.c.created_us, bills.c.id)
)
_BALANCE = select(func.coalesce(func.sum(ledger.c.amount_micro), 0)).where(
    ledger.c.account_id == bindparam("aid")
)
_UNPAID_TOTAL = select(func.coalesce(func.sum(bills.c.amount_micro), 0)).where(
    bills.c.account_id == bindparam("aid"), bills.c.paid_us.is_(None)
)
_MARK_PAID = update(bills).where(bills.c.id == bindparam("bid")).values(paid_us=bindparam("paid"))
_POST = ledger.insert()


def has_unpaid(conn: Connection, account_id: int, exclude_id: int | None = None) -> bool:
    if exclude_id is None:
        return conn.execute(_HAS_UNPAID, {"aid": account_id}).first() is not None
    return conn.execute(_HAS_OTHER_UNPAID, {"aid": account_id, "not_id": exclude_id}).first() is not None


def unpaid_oldest_first(conn: Connection, account_id: int) -> list[BillRecord]:
    return [BillRecord._make(r) for r in conn.execute(_UNPAID_OLDEST_FIRST, {"aid": account_id})]


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
    return int(conn.execute(_BALANCE, {"aid": account_id}).scalar_one())


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
    return int(conn.execute(_UNPAID_TOTAL, {"aid": account_id}).scalar_one())


def mark_paid(conn: Connection, bill_id: int, now_us: int) -> None:
    conn.execute(_MARK_PAID, {"bid": bill_id, "paid": now_us})


def post_ledger(conn: Connection, **values: Any) -> None:
    """One ledger entry (append-only): account_id, kind, amount_micro, note, times, bill_id."""
    conn.execute(_POST, values)


def post_ledger_many(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Many ledger entries in multi-row INSERTs."""
    if rows:
        conn.execute(ledger.insert(), rows)


def delete_books(conn: Connection, account_id: int) -> None:
    """An account's bills and ledger (reset)."""
    conn.execute(delete(ledger).where(ledger.c.account_id == account_id))
    conn.execute(delete(bills).where(bills.c.account_id == account_id))
