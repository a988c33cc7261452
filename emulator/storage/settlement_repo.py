"""Set-wise queries for settling a batch of accounts at once (services.scheduler.Scheduler.apply_due_many):
one statement per kind of fact for the whole batch instead of one per account, and the writes as
executemany / multi-row INSERT ... RETURNING. Every query takes the batch's account ids (a few hundred)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from emulator.domain.records import AccountRecord
from emulator.domain.records.mail import UsageDayRecord
from emulator.domain.records.notices import NoticeSettingRecord
from emulator.storage.schema.notices import notice_settings
from emulator.storage.tables import (
    accounts,
    bills,
    dedicated_ips,
    ip_intervals,
    ledger,
    usage_daily,
)


def lock_batch(conn: Connection, ids: Sequence[int]) -> list[AccountRecord]:
    """The accounts' rows, locked in id order in one statement (PostgreSQL; SQLite's BEGIN IMMEDIATE
    already holds the write lock)."""
    query = select(accounts).where(accounts.c.id.in_(list(ids))).order_by(accounts.c.id).with_for_update()
    return [AccountRecord._make(r) for r in conn.execute(query)]


def usage_between(
    conn: Connection, ids: Sequence[int], first_day: str, last_day: str
) -> dict[int, list[UsageDayRecord]]:
    """{account: its usage rows for UTC+8 days first_day..last_day, oldest first}."""
    query = (
        select(usage_daily)
        .where(
            usage_daily.c.account_id.in_(list(ids)),
            usage_daily.c.day >= first_day,
            usage_daily.c.day <= last_day,
        )
        .order_by(usage_daily.c.account_id, usage_daily.c.day)
    )
    out: dict[int, list[UsageDayRecord]] = {}
    for r in conn.execute(query):
        rec = UsageDayRecord._make(r)
        out.setdefault(int(rec.account_id), []).append(rec)
    return out


def intervals_of(conn: Connection, ids: Sequence[int]) -> dict[int, list[tuple[int, int, int | None]]]:
    """{account: [(dedicated ip id, start, end)] in interval id order} for the accounts that have any."""
    query = (
        select(
            ip_intervals.c.account_id,
            ip_intervals.c.dedicated_ip_id,
            ip_intervals.c.start_us,
            ip_intervals.c.end_us,
        )
        .where(ip_intervals.c.account_id.in_(list(ids)))
        .order_by(ip_intervals.c.id)
    )
    out: dict[int, list[tuple[int, int, int | None]]] = {}
    for aid, ip_id, start, end in conn.execute(query):
        out.setdefault(int(aid), []).append((int(ip_id), int(start), None if end is None else int(end)))
    return out


def ip_names(conn: Connection, ids: Sequence[int]) -> dict[int, str | None]:
    """{dedicated ip id: its address} for the accounts' IPs."""
    query = select(dedicated_ips.c.id, dedicated_ips.c.ip).where(dedicated_ips.c.account_id.in_(list(ids)))
    return {int(i): ip for i, ip in conn.execute(query)}


def balances(conn: Connection, ids: Sequence[int]) -> dict[int, int]:
    """{account: sum of its ledger} (accounts without entries are absent: 0)."""
    query = (
        select(ledger.c.account_id, func.sum(ledger.c.amount_micro))
        .where(ledger.c.account_id.in_(list(ids)))
        .group_by(ledger.c.account_id)
    )
    return {int(a): int(s) for a, s in conn.execute(query)}


def with_unpaid(conn: Connection, ids: Sequence[int]) -> set[int]:
    query = (
        select(bills.c.account_id)
        .where(bills.c.account_id.in_(list(ids)), bills.c.paid_us.is_(None))
        .distinct()
    )
    return {int(a) for (a,) in conn.execute(query)}


def bill_keys_after(conn: Connection, ids: Sequence[int], after_us: int) -> set[tuple[int, str, str]]:
    """(account, kind, period) of the accounts' bills created after this account time (a bill's
    created_us is its event time, so these are the only keys a settlement of (after, ...] can meet)."""
    query = select(bills.c.account_id, bills.c.kind, bills.c.period).where(
        bills.c.account_id.in_(list(ids)), bills.c.created_us > after_us
    )
    return {(int(a), str(k), str(p)) for a, k, p in conn.execute(query)}


def notice_settings_of(conn: Connection, ids: Sequence[int]) -> dict[int, NoticeSettingRecord]:
    query = select(notice_settings).where(notice_settings.c.account_id.in_(list(ids)))
    return {int(r.account_id): NoticeSettingRecord._make(r) for r in conn.execute(query)}


def insert_paid_bills(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert bills (in the given order) and return their ids in that order."""
    if not rows:
        return []
    stmt = insert(bills).returning(bills.c.id, sort_by_parameter_order=True)
    return [int(r[0]) for r in conn.execute(stmt, rows)]


def insert_ledger(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(ledger), rows)


_SET_CLOCK = (
    update(accounts)
    .where(accounts.c.id == bindparam("aid"))
    .values(clock_offset_us=bindparam("offset"), clock_frozen_us=bindparam("frozen"))
)
_SET_CURSOR = (
    update(accounts).where(accounts.c.id == bindparam("aid")).values(events_until_us=bindparam("until"))
)


def set_clocks(conn: Connection, rows: list[tuple[int, int, int | None]]) -> None:
    """executemany over (account id, clock offset, frozen at): the accounts' clock states."""
    if rows:
        conn.execute(_SET_CLOCK, [{"aid": a, "offset": o, "frozen": f} for a, o, f in rows])


def set_cursors(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """executemany over {aid, until}: the scheduler cursor."""
    if rows:
        conn.execute(_SET_CURSOR, rows)
