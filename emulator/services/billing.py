"""Deductions, top-up settlement and suspension (behaviour §5). Bills are issued by `services.scheduler`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row

from emulator.errors import Conflict
from emulator.storage import accounts_repo, billing_repo, mail_repo

if TYPE_CHECKING:
    from emulator.services.core import Core


def pay(core: Core, conn: Connection, bill: Row[Any], now_us: int, kind: str) -> None:
    """Mark paid and post the deduction (nothing to post for a zero bill)."""
    billing_repo.mark_paid(conn, bill.id, now_us)
    if bill.amount_micro:
        billing_repo.post_ledger(
            conn,
            account_id=bill.account_id,
            kind=kind,
            amount_micro=-bill.amount_micro,
            bill_id=bill.id,
            note=f"{bill.kind} {bill.period}",
            account_time_us=now_us,
            real_time_us=core.wall.now_us(),
        )


def settle_after_top_up(core: Core, conn: Connection, account_id: int, now_us: int) -> None:
    """Pay unpaid bills strictly oldest first, each in full, stopping at the first that cannot be
    covered; resume the account the moment none is left (unless it was suspended by hand)."""
    available = billing_repo.balance(conn, account_id)
    unpaid = billing_repo.unpaid_oldest_first(conn, account_id)
    remaining = len(unpaid)
    for bill in unpaid:
        if bill.amount_micro > available:
            break
        pay(core, conn, bill, now_us, "settlement")
        available -= bill.amount_micro
        remaining -= 1
    if remaining == 0:
        row = accounts_repo.account_by_id(conn, account_id)
        if row is not None and row.suspended_reason == "arrears":
            accounts_repo.update_account(conn, account_id, suspended_reason=None, suspended_us=None)


@dataclass(frozen=True)
class DayUsage:
    day: str
    free_units: int
    paid_units: int
    cost_micro: int


class BillingService:
    def __init__(self, core: Core) -> None:
        self.core = core

    def _id(self, ref: int | str) -> int:
        return int(self.core.accounts.get_row(ref).id)

    def bills(
        self, ref: int | str, status: str | None = None, period: str | None = None, kind: str | None = None
    ) -> list[Row[Any]]:
        aid = self._id(ref)
        with self.core.engine.connect() as conn:
            return billing_repo.list_bills(conn, aid, status, period, kind)

    def ledger(self, ref: int | str) -> list[Row[Any]]:
        aid = self._id(ref)
        with self.core.engine.connect() as conn:
            return billing_repo.list_ledger(conn, aid)

    def usage(self, ref: int | str) -> list[DayUsage]:
        aid = self._id(ref)
        price = self.core.settings.price_per_email_micro
        with self.core.engine.connect() as conn:
            return [
                DayUsage(r.day, int(r.free_units), int(r.paid_units), int(r.paid_units) * price)
                for r in mail_repo.usage_rows(conn, aid)
            ]

    def suspend(self, ref: int | str) -> None:
        with self.core.writer.begin() as conn:
            row = self.core.accounts.get_row(ref, conn)
            accounts_repo.lock_accounts(conn, [row.id])
            now = self.core.clock_of(row).now_us()
            accounts_repo.update_account(conn, row.id, suspended_reason="manual", suspended_us=now)

    def resume(self, ref: int | str) -> None:
        """Lift a manual suspension. Arrears are only lifted by paying them (top up)."""
        with self.core.writer.begin() as conn:
            row = self.core.accounts.get_row(ref, conn)
            accounts_repo.lock_accounts(conn, [row.id])
            unpaid = billing_repo.unpaid_oldest_first(conn, row.id)
            if unpaid:
                total = sum(b.amount_micro for b in unpaid)
                from emulator.domain.money import format_usd

                raise Conflict(
                    f"the account has {len(unpaid)} unpaid bill(s) totalling {format_usd(total)} USD; "
                    "top up to resume it"
                )
            accounts_repo.update_account(conn, row.id, suspended_reason=None, suspended_us=None)
