"""The dedicated-IP events the scheduler runs on an account's clock: an applied IP becomes ready (its lead
time is over), and the month's prorated bill. Rules are in `domain.dedicated_ips`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row

from emulator.domain import dedicated_ips as rules
from emulator.services.scheduler import Change
from emulator.storage import ips_repo


class IpEvents:
    def __init__(self, month_micro: int) -> None:
        self.month_micro = month_micro

    def next_due_by_account(self, conn: Connection) -> dict[int, int]:
        return ips_repo.pending_ready_by_account(conn)

    def due(self, conn: Connection, acct: Row[Any], after_us: int, until_us: int) -> list[tuple[int, Change]]:
        def deliver(row: Row[Any]) -> Change:
            def run(c: Connection) -> None:
                ip = rules.stock_addresses(1, ips_repo.inventory_size(c))[0]
                ips_repo.add_inventory(c, [ip], row.ready_us, account_id=acct.id)
                ips_repo.update_ip(c, row.id, ip=ip, status="enabled", enabled_us=row.ready_us)
                ips_repo.open_interval(c, row.id, acct.id, row.ready_us)

            return run

        return [(r.ready_us, deliver(r)) for r in ips_repo.pending_due(conn, acct.id, after_us, until_us)]

    def month_bill(
        self, conn: Connection, acct: Row[Any], period: str
    ) -> tuple[int, int, int, dict[str, Any]] | None:
        price = self.month_micro
        by_ip: dict[int, list[tuple[int, int | None]]] = {}
        for iv in ips_repo.intervals(conn, acct.id):
            by_ip.setdefault(iv.dedicated_ip_id, []).append((iv.start_us, iv.end_us))
        names = {r.id: r.ip for r in ips_repo.list_ips(conn, acct.id)}
        detail: dict[str, Any] = {"days_in_month": rules.days_in_month(period), "ips": []}
        total_days = total = 0
        for ip_id, spans in sorted(by_ip.items()):
            used = rules.days_used(spans, period)
            if used:
                amount = rules.ip_month_charge(price, used, period)
                detail["ips"].append({"ip": names.get(ip_id), "days_used": used, "amount_micro": amount})
                total_days += used
                total += amount
        if not detail["ips"]:
            return None
        return total_days, price, total, detail
