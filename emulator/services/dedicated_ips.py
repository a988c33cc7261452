"""Dedicated IPs: applications (3 per month), stock or lead time, enable/disable/release, monthly bills.
Rules are in `domain.dedicated_ips`; this module applies them in transactions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from emulator.domain import dedicated_ips as rules
from emulator.domain.clock import BEIJING, to_datetime
from emulator.domain.records.billing import DedicatedIpRecord, IpIntervalRecord
from emulator.errors import Conflict, FailedOperation, LimitError, NotFound
from emulator.storage import accounts_repo, ips_repo
from emulator.storage.db import Tx

if TYPE_CHECKING:
    from emulator.config import Settings
    from emulator.domain.clock import ClockSource
    from emulator.services.accounts import AccountService
    from emulator.services.scheduler import Scheduler
    from emulator.storage.db import Database


@dataclass(frozen=True)
class IpOverview:
    ips: list[DedicatedIpRecord]
    stock_left: int
    applications_this_month: int
    month: str
    periods: dict[int, list[IpIntervalRecord]]  # IP id -> its enabled periods, oldest first


class DedicatedIpService:
    def __init__(
        self,
        db: Database,
        clock: ClockSource,
        settings: Settings,
        accounts: AccountService,
        scheduler: Scheduler,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.accounts = accounts
        self.scheduler = scheduler

    def ensure_stock(self) -> None:
        """Seed the shared inventory once, on a new database."""
        with self.db.write() as conn:
            if ips_repo.inventory_size(conn) == 0 and self.settings.dedicated_ip_stock > 0:
                ips_repo.add_inventory(
                    conn,
                    rules.stock_addresses(self.settings.dedicated_ip_stock),
                    self.clock.wall_us(),
                )

    def add_stock(self, count: int) -> int:
        if not 1 <= count <= 1000:
            raise FailedOperation("count must be between 1 and 1000")
        with self.db.write() as conn:
            ips_repo.add_inventory(
                conn, rules.stock_addresses(count, ips_repo.inventory_size(conn)), self.clock.wall_us()
            )
            return ips_repo.stock_left(conn)

    def stock_left(self) -> int:
        with self.db.read() as conn:
            return ips_repo.stock_left(conn)

    def overview(self, ref: int | str) -> IpOverview:
        with self.db.read() as conn:
            acct = self.accounts.get_row(ref, conn)
            month = rules.month_of(self.clock.of(acct).now_us())
            return IpOverview(
                ips_repo.list_ips(conn, acct.id),
                ips_repo.stock_left(conn),
                ips_repo.applications_in_month(conn, acct.id, month),
                month,
                self._periods(conn, acct.id),
            )

    def periods(self, ref: int | str) -> dict[int, list[IpIntervalRecord]]:
        """Every IP's enabled periods (ip_intervals: one row per enable, closed by disable/release)."""
        with self.db.read() as conn:
            return self._periods(conn, self.accounts.get_row(ref, conn).id)

    @staticmethod
    def _periods(conn: Tx, account_id: int) -> dict[int, list[IpIntervalRecord]]:
        out: dict[int, list[IpIntervalRecord]] = {}
        for iv in ips_repo.intervals(conn, account_id):
            out.setdefault(int(iv.dedicated_ip_id), []).append(iv)
        return out

    def apply(self, ref: int | str) -> DedicatedIpRecord:
        self.scheduler.run_due(self.accounts.get_row(ref).id)
        with self.db.write() as conn:
            acct = self.accounts.get_row(ref, conn)
            accounts_repo.lock_accounts(conn, [acct.id])
            now = self.clock.of(acct).now_us()
            month = rules.month_of(now)
            if ips_repo.applications_in_month(conn, acct.id, month) >= rules.MAX_APPLICATIONS_PER_MONTH:
                resets = to_datetime(rules.next_month_start(now)).astimezone(BEIJING).isoformat()
                raise LimitError(
                    f"at most {rules.MAX_APPLICATIONS_PER_MONTH} dedicated IP applications per calendar month "
                    f"(UTC+8); {month} is used up, the limit resets at {resets}"
                )
            ip = ips_repo.take_stock(conn, acct.id)
            if ip is not None:
                ip_id = ips_repo.insert_ip(
                    conn,
                    account_id=acct.id,
                    ip=ip,
                    status="enabled",
                    application_month=month,
                    applied_us=now,
                    ready_us=now,
                    enabled_us=now,
                )
                ips_repo.open_interval(conn, ip_id, acct.id, now)
            else:
                ip_id = ips_repo.insert_ip(
                    conn,
                    account_id=acct.id,
                    ip=None,
                    status="pending",
                    application_month=month,
                    applied_us=now,
                    ready_us=now + self._lead_us(conn, acct.id),
                )
            row = ips_repo.get_ip(conn, acct.id, ip_id)
        assert row is not None
        return row

    def _lead_us(self, conn: Tx, account_id: int) -> int:
        fixed = self.settings.dedicated_ip_lead_days
        if fixed is not None:
            return fixed * rules.DAY_US
        return rules.lead_time_us(
            self.settings.dedicated_ip_seed,
            account_id,
            ips_repo.count_applications(conn, account_id) + 1,
        )

    def _change(self, ref: int | str, ip_id: int, action: str) -> DedicatedIpRecord:
        with self.db.write() as conn:
            acct = self.accounts.get_row(ref, conn)
            accounts_repo.lock_accounts(conn, [acct.id])
            row = ips_repo.get_ip(conn, acct.id, ip_id)
            if row is None:
                raise NotFound(f"no dedicated IP {ip_id} in this account")
            now = self.clock.of(acct).now_us()
            if action == "disable":
                if row.status != "enabled":
                    raise Conflict(f"only an enabled IP can be disabled (it is {row.status})")
                ips_repo.close_interval(conn, row.id, now)
                ips_repo.update_ip(conn, row.id, status="disabled", disabled_us=now)
            elif action == "enable":
                if row.status != "disabled":
                    raise Conflict(f"only a disabled IP can be enabled (it is {row.status})")
                ips_repo.open_interval(conn, row.id, acct.id, now)
                ips_repo.update_ip(conn, row.id, status="enabled", enabled_us=now)
            else:  # release
                if row.status == "released":
                    raise Conflict("the IP is already released")
                if row.status == "enabled":
                    ips_repo.close_interval(conn, row.id, now)
                if row.ip:
                    ips_repo.release_to_stock(conn, row.ip)
                ips_repo.update_ip(
                    conn,
                    row.id,
                    status="released",
                    disabled_us=now if row.status == "enabled" else row.disabled_us,
                )
            out = ips_repo.get_ip(conn, acct.id, ip_id)
        assert out is not None
        return out

    def disable(self, ref: int | str, ip_id: int) -> DedicatedIpRecord:
        return self._change(ref, ip_id, "disable")

    def enable(self, ref: int | str, ip_id: int) -> DedicatedIpRecord:
        return self._change(ref, ip_id, "enable")

    def release(self, ref: int | str, ip_id: int) -> DedicatedIpRecord:
        return self._change(ref, ip_id, "release")
