"""Read-only queries behind the Tencent Billing API (services.billing_reports): a page of the ledger with
the running balance after each entry, sums per kind over a time range, and bills by issue time or by a
range of periods. Money is integer micro-USD, times are account time (microseconds)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Connection, and_, false, func, or_, select, true

from emulator.domain.records.billing import BillRecord, LedgerKindSum, LedgerLineView
from emulator.storage.tables import bills, ledger

# (ledger kind, bill kind): which entries a filter admits; a bill kind of None admits any (or no) bill
Category = tuple[str, str | None]


def _conditions(
    account_id: int, start_us: int, end_us: int, categories: Sequence[Category] | None, with_zero: bool
) -> list[ColumnElement[bool]]:
    cond: list[ColumnElement[bool]] = [
        ledger.c.account_id == account_id,
        ledger.c.account_time_us >= start_us,
        ledger.c.account_time_us <= end_us,
    ]
    if not with_zero:
        cond.append(ledger.c.amount_micro != 0)
    if categories is not None:
        alternatives = [
            and_(ledger.c.kind == kind, true() if bill_kind is None else bills.c.kind == bill_kind)
            for kind, bill_kind in categories
        ]
        cond.append(or_(false(), *alternatives))
    return cond


def ledger_page(
    conn: Connection,
    account_id: int,
    start_us: int,
    end_us: int,
    categories: Sequence[Category] | None,
    with_zero: bool,
    offset: int,
    limit: int,
) -> list[LedgerLineView]:
    """Entries in [start, end] (account time), newest first, each with `balance_after_micro` (the sum of
    the account's whole ledger up to and including it) and its bill's `bill_kind`, `bill_period` and
    `bill_created_us`."""
    running = (
        select(
            ledger.c.id.label("entry_id"),
            func.sum(ledger.c.amount_micro).over(order_by=ledger.c.id).label("balance_after_micro"),
        )
        .where(ledger.c.account_id == account_id)
        .subquery()
    )
    q = (
        select(
            ledger,
            bills.c.kind.label("bill_kind"),
            bills.c.period.label("bill_period"),
            bills.c.created_us.label("bill_created_us"),
            running.c.balance_after_micro,
        )
        .select_from(
            ledger.join(running, running.c.entry_id == ledger.c.id).outerjoin(
                bills, bills.c.id == ledger.c.bill_id
            )
        )
        .where(*_conditions(account_id, start_us, end_us, categories, with_zero))
        .order_by(ledger.c.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [LedgerLineView._make(r) for r in conn.execute(q)]


def ledger_sums(
    conn: Connection,
    account_id: int,
    start_us: int,
    end_us: int,
    categories: Sequence[Category] | None,
    with_zero: bool,
) -> list[LedgerKindSum]:
    """Per (ledger kind, bill kind) of the same filter: `entries` and `amount_micro` (signed sum)."""
    q = (
        select(
            ledger.c.kind,
            bills.c.kind.label("bill_kind"),
            func.count().label("entries"),
            func.coalesce(func.sum(ledger.c.amount_micro), 0).label("amount_micro"),
        )
        .select_from(ledger.outerjoin(bills, bills.c.id == ledger.c.bill_id))
        .where(*_conditions(account_id, start_us, end_us, categories, with_zero))
        .group_by(ledger.c.kind, bills.c.kind)
    )
    return [LedgerKindSum._make(r) for r in conn.execute(q)]


def bills_issued_between(conn: Connection, account_id: int, start_us: int, end_us: int) -> list[BillRecord]:
    """Bills issued (created) in [start, end) of account time, oldest first."""
    q = (
        select(bills)
        .where(bills.c.account_id == account_id, bills.c.created_us >= start_us, bills.c.created_us < end_us)
        .order_by(bills.c.created_us, bills.c.id)
    )
    return [BillRecord._make(r) for r in conn.execute(q)]


def bills_with_periods(
    conn: Connection, account_id: int, kind: str, first: str, last: str
) -> list[BillRecord]:
    """Bills of one kind whose period (YYYY-MM-DD or YYYY-MM, compared as text) is in [first, last]."""
    q = (
        select(bills)
        .where(
            bills.c.account_id == account_id,
            bills.c.kind == kind,
            bills.c.period >= first,
            bills.c.period <= last,
        )
        .order_by(bills.c.period, bills.c.id)
    )
    return [BillRecord._make(r) for r in conn.execute(q)]
