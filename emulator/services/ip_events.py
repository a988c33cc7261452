"""The dedicated-IP events the scheduler runs on an account's clock: an applied IP becomes ready (its lead
time is over), and the month's prorated bill. Rules are in `domain.dedicated_ips`."""

from __future__ import annotations

from typing import Any

from emulator.domain import dedicated_ips as rules
from emulator.domain.records import AccountRecord
from emulator.services.scheduler import Change
from emulator.storage import ips_repo
from emulator.storage.db import Tx


class IpEvents:
    def __init__(self, month_micro: int) -> None:
        self.month_micro = month_micro

    def next_due_by_account(self, conn: Tx) -> dict[int, int]:
        return ips_repo.pending_ready_by_account(conn)

    def due(self, conn: Tx, acct: AccountRecord, after_us: int, until_us: int) -> list[tuple[int, Change]]:
        def deliver(ip_id: int, ready_us: int) -> Change:
            def run(c: Tx) -> None:
                ip = rules.stock_addresses(1, ips_repo.inventory_size(c))[0]
                ips_repo.add_inventory(c, [ip], ready_us, account_id=acct.id)
                ips_repo.update_ip(c, ip_id, ip=ip, status="enabled", enabled_us=ready_us)
                ips_repo.open_interval(c, ip_id, acct.id, ready_us)

            return run

        out: list[tuple[int, Change]] = []
        for r in ips_repo.pending_due(conn, acct.id, until_us):
            assert r.ready_us is not None  # a pending IP always has its ready time; the query compared it
            out.append((r.ready_us, deliver(r.id, r.ready_us)))
        return out

    def month_bill(
        self, conn: Tx, acct: AccountRecord, period: str
    ) -> tuple[int, int, int, dict[str, Any]] | None:
        names = {r.id: r.ip for r in ips_repo.list_ips(conn, acct.id)}
        spans = [(iv.dedicated_ip_id, iv.start_us, iv.end_us) for iv in ips_repo.intervals(conn, acct.id)]
        return self.month_bill_of(spans, names, period)

    def month_bill_of(
        self, spans: list[tuple[int, int, int | None]], names: dict[int, str | None], period: str
    ) -> tuple[int, int, int, dict[str, Any]] | None:
        """The same bill from intervals and IP names read beforehand (a batch of accounts at once)."""
        return rules.month_bill(spans, names, period, self.month_micro)
