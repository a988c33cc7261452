"""What the Tencent Billing API front-end (`emulator.tencent_api.billing`) reads: the account's money
state, a page of its ledger with running balances and per-kind sums, and its bills by billing period or
by issue time. Read-only; money stays integer micro-USD here (the front-end converts at its edge).

Every read first runs the account's billing events that have fallen due on its clock, so an answer
always reflects the account's clock: a balance poller asking a moment after 00:00 UTC+8 sees the new
bill even when the background scheduler has not reached the account yet.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from emulator.domain.clock import ClockSource
from emulator.domain.records.billing import BillRecord, LedgerLineView
from emulator.services.accounts import AccountService, AccountState
from emulator.services.scheduler import Scheduler
from emulator.storage import billing_repo, billing_reports_repo
from emulator.storage.billing_reports_repo import Category
from emulator.storage.db import Database

__all__ = ["BillLine", "BillingReports", "Category", "LedgerLine", "LedgerPage", "LedgerSum"]


@dataclass(frozen=True)
class LedgerLine:
    """One ledger entry and the balance right after it (the sum of the ledger up to it)."""

    id: int
    kind: str  # topup | charge | settlement | adjustment
    amount_micro: int  # signed
    balance_after_micro: int
    account_time_us: int
    note: str
    bill_id: int | None
    bill_kind: str | None  # usage | dedicated_ip, for charges and settlements
    bill_period: str | None
    bill_created_us: int | None


@dataclass(frozen=True)
class LedgerSum:
    kind: str
    bill_kind: str | None
    entries: int
    amount_micro: int


@dataclass(frozen=True)
class LedgerPage:
    lines: list[LedgerLine]
    sums: list[LedgerSum]  # over every entry the filter admits, not just this page

    @property
    def total(self) -> int:
        return sum(s.entries for s in self.sums)


@dataclass(frozen=True)
class BillLine:
    id: int
    kind: str  # usage | dedicated_ip
    period: str  # YYYY-MM-DD (usage) or YYYY-MM (dedicated_ip)
    units: int
    unit_price_micro: int
    amount_micro: int
    detail: dict[str, Any]  # usage: {"free_units"}; dedicated_ip: {"days_in_month", "ips": [...]}
    created_us: int  # issued, account time
    paid_us: int | None  # None while unpaid


def _bill(row: BillRecord) -> BillLine:
    return BillLine(
        id=int(row.id),
        kind=str(row.kind),
        period=str(row.period),
        units=int(row.units),
        unit_price_micro=int(row.unit_price_micro),
        amount_micro=int(row.amount_micro),
        detail=json.loads(row.detail_json or "{}"),
        created_us=int(row.created_us),
        paid_us=None if row.paid_us is None else int(row.paid_us),
    )


def _line(row: LedgerLineView) -> LedgerLine:
    return LedgerLine(
        id=int(row.id),
        kind=str(row.kind),
        amount_micro=int(row.amount_micro),
        balance_after_micro=int(row.balance_after_micro),
        account_time_us=int(row.account_time_us),
        note=str(row.note or ""),
        bill_id=None if row.bill_id is None else int(row.bill_id),
        bill_kind=row.bill_kind,
        bill_period=row.bill_period,
        bill_created_us=None if row.bill_created_us is None else int(row.bill_created_us),
    )


class BillingReports:
    def __init__(
        self, db: Database, clock: ClockSource, accounts: AccountService, scheduler: Scheduler
    ) -> None:
        self._db = db
        self._clock = clock
        self._accounts = accounts
        self._scheduler = scheduler

    def now_us(self, ref: int | str) -> int:
        """The account's clock, after its due billing events have run."""
        return self._refresh(ref)[1]

    def state(self, ref: int | str) -> AccountState:
        """Balance, unpaid total, suspension and clock, after the due billing events."""
        return self._accounts.state(self._refresh(ref)[0])

    def ledger_page(
        self,
        ref: int | str,
        start_us: int,
        end_us: int,
        categories: Sequence[Category] | None,
        with_zero: bool,
        offset: int,
        limit: int,
    ) -> LedgerPage:
        """Entries in [start, end] of account time admitted by `categories` (None: all), newest first."""
        aid = self._refresh(ref)[0]
        with self._db.read() as conn:
            rows = billing_reports_repo.ledger_page(
                conn, aid, start_us, end_us, categories, with_zero, offset, limit
            )
            sums = billing_reports_repo.ledger_sums(conn, aid, start_us, end_us, categories, with_zero)
        return LedgerPage(
            [_line(r) for r in rows],
            [LedgerSum(str(s.kind), s.bill_kind, int(s.entries), int(s.amount_micro)) for s in sums],
        )

    def bills_of_month(self, ref: int | str, month: str) -> list[BillLine]:
        """Bills whose billing period lies in the month YYYY-MM (its daily usage bills and its
        dedicated-IP bill), oldest first."""
        aid = self._refresh(ref)[0]
        with self._db.read() as conn:
            return [_bill(r) for r in billing_repo.list_bills(conn, aid, None, month, None)]

    def bills_issued(self, ref: int | str, start_us: int, end_us: int) -> list[BillLine]:
        """Bills issued in [start, end) of account time, oldest first."""
        aid = self._refresh(ref)[0]
        with self._db.read() as conn:
            return [_bill(r) for r in billing_reports_repo.bills_issued_between(conn, aid, start_us, end_us)]

    def bills_with_periods(self, ref: int | str, kind: str, first: str, last: str) -> list[BillLine]:
        """Bills of one kind whose period is in [first, last] (as text: days or months)."""
        aid = self._refresh(ref)[0]
        with self._db.read() as conn:
            rows = billing_reports_repo.bills_with_periods(conn, aid, kind, first, last)
        return [_bill(r) for r in rows]

    def _refresh(self, ref: int | str) -> tuple[int, int]:
        """(account id, its clock now), running the billing events due by now first (one read when
        none is due)."""
        row = self._accounts.get_row(ref)
        now = self._clock.of(row).now_us()
        if Scheduler.billing_due(row, now):
            self._scheduler.run_due(int(row.id))
        return int(row.id), now
