"""Bills, deductions and suspension (behaviour §5): all-or-nothing, oldest first, resume when nothing
is unpaid. The scheduler that issues bills lives in `services.scheduler`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select, update

from emulator.storage import accounts_repo
from emulator.storage.tables import bills, ledger

if TYPE_CHECKING:
    from emulator.services.core import Core


def balance(conn: Connection, account_id: int) -> int:
    return int(
        conn.execute(
            select(func.coalesce(func.sum(ledger.c.amount_micro), 0)).where(ledger.c.account_id == account_id)
        ).scalar_one()
    )


def _pay(core: Core, conn: Connection, bill: Any, now_us: int, kind: str) -> None:
    conn.execute(update(bills).where(bills.c.id == bill.id).values(paid_us=now_us))
    if bill.amount_micro:
        conn.execute(
            ledger.insert().values(
                account_id=bill.account_id,
                kind=kind,
                amount_micro=-bill.amount_micro,
                bill_id=bill.id,
                note=f"{bill.kind} {bill.period}",
                account_time_us=now_us,
                real_time_us=core.wall.now_us(),
            )
        )


def settle_after_top_up(core: Core, conn: Connection, account_id: int, now_us: int) -> None:
    """Pay unpaid bills strictly oldest first, each in full, stopping at the first that cannot be
    covered; resume the account when none is left (unless it was suspended by hand)."""
    available = balance(conn, account_id)
    unpaid = conn.execute(
        select(bills).where(bills.c.account_id == account_id, bills.c.paid_us.is_(None)).order_by(bills.c.id)
    ).all()
    remaining = len(unpaid)
    for bill in unpaid:
        if bill.amount_micro > available:
            break
        _pay(core, conn, bill, now_us, "settlement")
        available -= bill.amount_micro
        remaining -= 1
    if remaining == 0:
        row = accounts_repo.account_by_id(conn, account_id)
        if row is not None and row.suspended_reason == "arrears":
            accounts_repo.update_account(conn, account_id, suspended_reason=None, suspended_us=None)
