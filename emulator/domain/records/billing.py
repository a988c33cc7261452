"""Money and what costs it: bills, the signed ledger, the dedicated-IP inventory, applications and their
billed intervals; and the global clock moves that decide when those fall due."""

from __future__ import annotations

from typing import NamedTuple


class BillRecord(NamedTuple):
    id: int
    account_id: int
    kind: str  # usage | dedicated_ip
    period: str  # YYYY-MM-DD (usage) or YYYY-MM (dedicated_ip)
    units: int
    unit_price_micro: int
    amount_micro: int
    detail_json: str
    created_us: int  # account time
    paid_us: int | None  # account time; None: unpaid


class LedgerRecord(NamedTuple):
    id: int
    account_id: int
    kind: str  # topup | charge | settlement | adjustment
    amount_micro: int  # signed
    bill_id: int | None
    note: str
    account_time_us: int
    real_time_us: int


class IpInventoryRecord(NamedTuple):
    id: int
    ip: str
    account_id: int | None  # None: in stock
    added_us: int


class DedicatedIpRecord(NamedTuple):
    id: int
    account_id: int
    ip: str | None  # None while pending
    status: str  # pending | enabled | disabled | released
    application_month: str  # UTC+8 YYYY-MM of the application
    applied_us: int
    ready_us: int | None
    enabled_us: int | None
    disabled_us: int | None


class IpIntervalRecord(NamedTuple):
    id: int
    dedicated_ip_id: int
    account_id: int
    start_us: int
    end_us: int | None  # None while enabled


class ClockMoveRecord(NamedTuple):
    id: int
    target_us: int  # account time every clock reads once moved
    created_us: int  # wall time of the decision
    key: str | None  # the client's idempotency key
    done: bool


class LedgerLineView(NamedTuple):
    """A ledger entry with its bill's kind, period and issue time, and the balance right after it
    (billing_reports_repo.ledger_page)."""

    id: int
    account_id: int
    kind: str
    amount_micro: int
    bill_id: int | None
    note: str
    account_time_us: int
    real_time_us: int
    bill_kind: str | None
    bill_period: str | None
    bill_created_us: int | None
    balance_after_micro: int


class LedgerKindSum(NamedTuple):
    """Entries and their signed sum per (ledger kind, bill kind) (billing_reports_repo.ledger_sums)."""

    kind: str
    bill_kind: str | None
    entries: int
    amount_micro: int


TABLES = {
    BillRecord: "bills",
    LedgerRecord: "ledger",
    IpInventoryRecord: "ip_inventory",
    DedicatedIpRecord: "dedicated_ips",
    IpIntervalRecord: "ip_intervals",
    ClockMoveRecord: "clock_moves",
}
