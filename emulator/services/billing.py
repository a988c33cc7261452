"""Deductions, top-up settlement and suspension (behaviour §5). Bills are issued by `services.scheduler`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from emulator.domain.records.billing import BillRecord, LedgerRecord
from emulator.errors import Conflict
from emulator.storage import accounts_repo, billing_repo, mail_repo

if TYPE_CHECKING:
    from emulator.config import Settings
    from emulator.domain.clock import ClockSource
    from emulator.services.accounts import AccountService
    from emulator.storage.db import Database


@dataclass(frozen=True)
class DayUsage:
    day: str
    free_units: int
    paid_units: int
    cost_micro: int


class BillingService:
    def __init__(
        self, db: Database, clock: ClockSource, settings: Settings, accounts: AccountService
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.accounts = accounts

    def _id(self, ref: int | str) -> int:
        return int(self.accounts.get_row(ref).id)

    def bills(
        self, ref: int | str, status: str | None = None, period: str | None = None, kind: str | None = None
    ) -> list[BillRecord]:
        aid = self._id(ref)
        with self.db.read() as conn:
            return billing_repo.list_bills(conn, aid, status, period, kind)

    def ledger(self, ref: int | str) -> list[LedgerRecord]:
        aid = self._id(ref)
        with self.db.read() as conn:
            return billing_repo.list_ledger(conn, aid)

    def usage(self, ref: int | str, day: str | None = None) -> list[DayUsage]:
        """Units per UTC+8 day, oldest first; with `day` (YYYY-MM-DD), that day's one row (zeros when
        nothing was sent that day)."""
        aid = self._id(ref)
        price = self.settings.price_per_email_micro
        with self.db.read() as conn:
            rows = [
                DayUsage(r.day, int(r.free_units), int(r.paid_units), int(r.paid_units) * price)
                for r in mail_repo.usage_rows(conn, aid, day)
            ]
        return rows or ([DayUsage(day, 0, 0, 0)] if day is not None else [])

    def suspend(self, ref: int | str) -> None:
        with self.db.write() as conn:
            row = self.accounts.get_row(ref, conn)
            accounts_repo.lock_accounts(conn, [row.id])
            now = self.clock.of(row).now_us()
            accounts_repo.update_account(conn, row.id, suspended_reason="manual", suspended_us=now)

    def resume(self, ref: int | str) -> None:
        """Lift a manual suspension. Arrears are only lifted by paying them (top up)."""
        with self.db.write() as conn:
            row = self.accounts.get_row(ref, conn)
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
