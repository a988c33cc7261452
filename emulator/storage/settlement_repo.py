"""Set-wise queries for settling a batch of accounts at once (services.scheduler.Scheduler.apply_due_many):
one statement per kind of fact for the whole batch instead of one per account, and the writes as
executemany / multi-row INSERT ... RETURNING. Every query takes the batch's account ids (a few hundred)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Connection,
    TextClause,
    any_,
    bindparam,
    cast,
    func,
    literal,
    select,
    text,
    update,
)

from emulator.domain.records import AccountRecord
from emulator.domain.records.mail import UsageDayRecord
from emulator.domain.records.notices import NoticeSettingRecord
from emulator.storage.raw import RawInsert, RawStatement
from emulator.storage.schema.notices import notice_settings
from emulator.storage.tables import (
    accounts,
    bills,
    dedicated_ips,
    ip_intervals,
    ledger,
    usage_daily,
)


def _in(conn: Connection, col: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """col IN (ids): on PostgreSQL `= ANY(array)`, one parameter however many ids (a few hundred
    separate parameters cost more to parse and plan than the query itself)."""
    if conn.dialect.name == "postgresql":
        return col == any_(cast(literal(list(ids), ARRAY(BigInteger)), ARRAY(BigInteger)))  # type: ignore[no-any-return]
    return col.in_(list(ids))  # type: ignore[no-any-return]


def lock_batch(conn: Connection, ids: Sequence[int]) -> list[AccountRecord]:
    """The accounts' rows, locked in id order in one statement (PostgreSQL; SQLite's BEGIN IMMEDIATE
    already holds the write lock)."""
    query = (  # NO KEY UPDATE, as accounts_repo.lock_accounts
        select(accounts)
        .where(_in(conn, accounts.c.id, ids))
        .order_by(accounts.c.id)
        .with_for_update(key_share=True)
    )
    return [AccountRecord._make(r) for r in conn.execute(query)]


def usage_between(
    conn: Connection, ids: Sequence[int], first_day: str, last_day: str
) -> dict[int, list[UsageDayRecord]]:
    """{account: its usage rows for UTC+8 days first_day..last_day, oldest first}."""
    query = (
        select(usage_daily)
        .where(
            _in(conn, usage_daily.c.account_id, ids),
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
        .where(_in(conn, ip_intervals.c.account_id, ids))
        .order_by(ip_intervals.c.id)
    )
    out: dict[int, list[tuple[int, int, int | None]]] = {}
    for aid, ip_id, start, end in conn.execute(query):
        out.setdefault(int(aid), []).append((int(ip_id), int(start), None if end is None else int(end)))
    return out


def ip_names(conn: Connection, ids: Sequence[int]) -> dict[int, str | None]:
    """{dedicated ip id: its address} for the accounts' IPs."""
    query = select(dedicated_ips.c.id, dedicated_ips.c.ip).where(_in(conn, dedicated_ips.c.account_id, ids))
    return {int(i): ip for i, ip in conn.execute(query)}


def balances(conn: Connection, ids: Sequence[int]) -> dict[int, int]:
    """{account: sum of its ledger} (accounts without entries are absent: 0)."""
    query = (
        select(ledger.c.account_id, func.sum(ledger.c.amount_micro))
        .where(_in(conn, ledger.c.account_id, ids))
        .group_by(ledger.c.account_id)
    )
    return {int(a): int(s) for a, s in conn.execute(query)}


def with_unpaid(conn: Connection, ids: Sequence[int]) -> set[int]:
    query = (
        select(bills.c.account_id)
        .where(_in(conn, bills.c.account_id, ids), bills.c.paid_us.is_(None))
        .distinct()
    )
    return {int(a) for (a,) in conn.execute(query)}


def bill_keys_after(conn: Connection, ids: Sequence[int], after_us: int) -> set[tuple[int, str, str]]:
    """(account, kind, period) of the accounts' bills created after this account time (a bill's
    created_us is its event time, so these are the only keys a settlement of (after, ...] can meet)."""
    query = select(bills.c.account_id, bills.c.kind, bills.c.period).where(
        _in(conn, bills.c.account_id, ids), bills.c.created_us > after_us
    )
    return {(int(a), str(k), str(p)) for a, k, p in conn.execute(query)}


def notice_settings_of(conn: Connection, ids: Sequence[int]) -> dict[int, NoticeSettingRecord]:
    query = select(notice_settings).where(_in(conn, notice_settings.c.account_id, ids))
    return {int(r.account_id): NoticeSettingRecord._make(r) for r in conn.execute(query)}


_BILL_COLUMNS = (
    "account_id",
    "kind",
    "period",
    "units",
    "unit_price_micro",
    "amount_micro",
    "detail_json",
    "created_us",
    "paid_us",
)
_LEDGER_COLUMNS = ("account_id", "kind", "amount_micro", "bill_id", "note", "account_time_us", "real_time_us")
_PG_TYPES = {
    "account_id": "bigint",
    "bill_id": "bigint",
    "units": "bigint",
    "unit_price_micro": "bigint",
    "amount_micro": "bigint",
    "created_us": "bigint",
    "paid_us": "bigint",
    "account_time_us": "bigint",
    "real_time_us": "bigint",
}


def _pg_unnest(table: str, columns: tuple[str, ...], returning: str = "") -> TextClause:
    """INSERT INTO table (columns) SELECT ... FROM ROWS FROM (one JSON array per column): any number of
    rows as one statement with one parameter per column. JSON, not PostgreSQL arrays: psycopg quotes
    every element of a text array in Python, json.dumps does a whole column in C."""
    sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT {_casts(columns)} FROM {_rows_from(columns)}"
    return text(sql + (f" RETURNING {returning}" if returning else ""))


def _rows_from(columns: tuple[str, ...] | list[str]) -> str:
    """ROWS FROM (json_array_elements_text(:c), ...) AS v(c, ...): the columns zipped into rows."""
    fns = ", ".join(f"json_array_elements_text(CAST(:{c} AS json))" for c in columns)
    return f"ROWS FROM ({fns}) AS v({', '.join(columns)})"


def _casts(columns: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f"CAST(v.{c} AS {_PG_TYPES.get(c, 'text')})" for c in columns)


_PG_BILLS = _pg_unnest("bills", _BILL_COLUMNS, "id, account_id, kind, period")
_PG_LEDGER = _pg_unnest("ledger", _LEDGER_COLUMNS)


_RAW_BILLS = RawInsert(bills)
_RAW_LEDGER = RawInsert(ledger)


def _columns_of(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> dict[str, str]:
    return {c: json.dumps([r[c] for r in rows]) for c in columns}


def insert_paid_bills(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert bills (in the given order: ids are given in it) and return their ids in that order."""
    if not rows:
        return []
    if conn.dialect.name == "postgresql":
        got = conn.execute(_PG_BILLS, _columns_of(rows, _BILL_COLUMNS)).all()
        by_key = {(int(a), str(k), str(p)): int(i) for i, a, k, p in got}
        return [by_key[(r["account_id"], r["kind"], r["period"])] for r in rows]
    # SQLite: multi-row INSERTs with the keys assigned under the write lock (storage.raw.RawInsert)
    return _RAW_BILLS.many_returning_keys(conn, rows)


def insert_ledger(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(_PG_LEDGER, _columns_of(rows, _LEDGER_COLUMNS))
    else:
        _RAW_LEDGER.many(conn, rows)


_RAW_SETS: dict[tuple[str, ...], RawStatement] = {}


def _set_by_id(conn: Connection, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Set `columns` of accounts from rows (account id, *values): on PostgreSQL one
    UPDATE ... FROM unnest(arrays) for them all instead of a round trip per account; on SQLite (in
    process, no round trips) an executemany."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        names = ["aid", *(f"v{j}" for j in range(len(columns)))]
        sets = ", ".join(f"{c} = CAST(v.v{j} AS bigint)" for j, c in enumerate(columns))
        sql = f"UPDATE accounts SET {sets} FROM {_rows_from(names)} WHERE accounts.id = CAST(v.aid AS bigint)"
        conn.execute(text(sql), {n: json.dumps([r[j] for r in rows]) for j, n in enumerate(names)})
        return
    stmt = _RAW_SETS.get(columns)
    if stmt is None:
        stmt = _RAW_SETS[columns] = RawStatement(
            update(accounts)
            .where(accounts.c.id == bindparam("aid"))
            .values(**{name: bindparam(f"v{j}") for j, name in enumerate(columns)})
        )
    stmt.executemany(conn, [{"aid": r[0], **{f"v{j}": x for j, x in enumerate(r[1:])}} for r in rows])


def set_clocks(conn: Connection, rows: list[tuple[int, int, int | None]]) -> None:
    """(account id, clock offset, frozen at) for each account: the accounts' clock states."""
    _set_by_id(conn, ("clock_offset_us", "clock_frozen_us"), list(rows))


def set_cursors(conn: Connection, rows: list[tuple[int, int]]) -> None:
    """(account id, account time) for each account: the scheduler cursor (every event up to it ran)."""
    _set_by_id(conn, ("events_until_us",), list(rows))
