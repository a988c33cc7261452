"""Queries on the dedicated-IP inventory, applications and enabled intervals."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from emulator.domain.records.billing import DedicatedIpRecord, IpIntervalRecord
from emulator.storage.raw import RawStatement
from emulator.storage.tables import dedicated_ips, ip_intervals, ip_inventory


def inventory_size(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(ip_inventory)).scalar_one())


def stock_left(conn: Connection) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(ip_inventory).where(ip_inventory.c.account_id.is_(None))
        ).scalar_one()
    )


def add_inventory(conn: Connection, ips: list[str], now_us: int, account_id: int | None = None) -> None:
    if ips:
        conn.execute(
            insert(ip_inventory), [{"ip": ip, "account_id": account_id, "added_us": now_us} for ip in ips]
        )


def take_stock(conn: Connection, account_id: int) -> str | None:
    """Claim one free IP; never the same IP twice, even across processes."""
    while True:
        q = (
            select(ip_inventory.c.id, ip_inventory.c.ip)
            .where(ip_inventory.c.account_id.is_(None))
            .order_by(ip_inventory.c.id)
            .limit(1)
        )
        if conn.dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        row = conn.execute(q).first()
        if row is None:
            return None
        res = conn.execute(
            update(ip_inventory)
            .where(ip_inventory.c.id == row.id, ip_inventory.c.account_id.is_(None))
            .values(account_id=account_id)
        )
        if res.rowcount:
            return str(row.ip)


def release_to_stock(conn: Connection, ip: str) -> None:
    conn.execute(update(ip_inventory).where(ip_inventory.c.ip == ip).values(account_id=None))


def applications_in_month(conn: Connection, account_id: int, month: str) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(dedicated_ips)
            .where(dedicated_ips.c.account_id == account_id, dedicated_ips.c.application_month == month)
        ).scalar_one()
    )


def count_applications(conn: Connection, account_id: int) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(dedicated_ips).where(dedicated_ips.c.account_id == account_id)
        ).scalar_one()
    )


def insert_ip(conn: Connection, **values: Any) -> int:
    return int(conn.execute(insert(dedicated_ips).values(**values)).inserted_primary_key[0])  # type: ignore[index]


_IP = select(dedicated_ips).where(
    dedicated_ips.c.account_id == bindparam("aid"), dedicated_ips.c.id == bindparam("id")
)
_IPS = (
    select(dedicated_ips).where(dedicated_ips.c.account_id == bindparam("aid")).order_by(dedicated_ips.c.id)
)


def get_ip(conn: Connection, account_id: int, ip_id: int) -> DedicatedIpRecord | None:
    row = conn.execute(_IP, {"aid": account_id, "id": ip_id}).first()
    return None if row is None else DedicatedIpRecord._make(row)


def list_ips(conn: Connection, account_id: int) -> list[DedicatedIpRecord]:
    return [DedicatedIpRecord._make(r) for r in conn.execute(_IPS, {"aid": account_id})]


def update_ip(conn: Connection, ip_id: int, **values: Any) -> None:
    conn.execute(update(dedicated_ips).where(dedicated_ips.c.id == ip_id).values(**values))


_PENDING_DUE = (  # every clock move of every account: built once
    select(dedicated_ips)
    .where(
        dedicated_ips.c.account_id == bindparam("aid"),
        dedicated_ips.c.status == "pending",
        dedicated_ips.c.ready_us <= bindparam("until"),
    )
    .order_by(dedicated_ips.c.ready_us, dedicated_ips.c.id)
)


def pending_due(conn: Connection, account_id: int, until_us: int) -> list[DedicatedIpRecord]:
    """The account's pending IPs ready by `until_us`, however long ago: one still pending is due
    whichever window the clock move covers."""
    return [
        DedicatedIpRecord._make(r) for r in conn.execute(_PENDING_DUE, {"aid": account_id, "until": until_us})
    ]


def open_interval(conn: Connection, ip_id: int, account_id: int, start_us: int) -> None:
    conn.execute(
        insert(ip_intervals).values(
            dedicated_ip_id=ip_id, account_id=account_id, start_us=start_us, end_us=None
        )
    )


def close_interval(conn: Connection, ip_id: int, end_us: int) -> None:
    conn.execute(
        update(ip_intervals)
        .where(ip_intervals.c.dedicated_ip_id == ip_id, ip_intervals.c.end_us.is_(None))
        .values(end_us=end_us)
    )


_INTERVALS = (
    select(ip_intervals).where(ip_intervals.c.account_id == bindparam("aid")).order_by(ip_intervals.c.id)
)


def intervals(conn: Connection, account_id: int) -> list[IpIntervalRecord]:
    return [IpIntervalRecord._make(r) for r in conn.execute(_INTERVALS, {"aid": account_id})]


_PENDING_READY = RawStatement(
    select(dedicated_ips.c.account_id, func.min(dedicated_ips.c.ready_us))
    .where(dedicated_ips.c.status == "pending")
    .group_by(dedicated_ips.c.account_id)
)


def pending_ready_by_account(conn: Connection) -> dict[int, int]:
    """Each account's earliest pending IP delivery: read by every scheduler pass (raw: storage.raw)."""
    return {int(a): int(t) for a, t in _PENDING_READY.all(conn, {})}
