"""Queries on accounts, identities and templates."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from emulator.domain.billing import UTC8_US, WAKE_HOUR_US
from emulator.domain.dates import DAY_US
from emulator.domain.records import AccountRecord, DomainRecord, SenderRecord, TemplateRecord
from emulator.errors import Conflict
from emulator.storage.raw import RawStatement
from emulator.storage.tables import accounts, domains, senders, templates

_INSERT_ACCOUNT = insert(accounts)  # built once: the values are each call's parameters
_INSERT_DOMAIN = insert(domains)
_INSERT_SENDER = insert(senders)


def insert_account(conn: Connection, **values: Any) -> int:
    """The new account's id; Conflict when its name or SecretId was taken since the caller looked
    (two processes creating the default account at their first start)."""
    try:
        return int(conn.execute(_INSERT_ACCOUNT, values).inserted_primary_key[0])  # type: ignore[index]
    except IntegrityError:
        raise Conflict("an account with that name or SecretId already exists") from None


def insert_accounts(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Many accounts in multi-row INSERTs; their ids in the order given (Conflict as insert_account)."""
    stmt = insert(accounts).returning(accounts.c.id, sort_by_parameter_order=True)
    try:
        return [int(r[0]) for r in conn.execute(stmt, rows)]
    except IntegrityError:
        raise Conflict("one of those account names was taken while they were being created") from None


def insert_identities(
    conn: Connection, domain_rows: list[dict[str, Any]], sender_rows: list[dict[str, Any]]
) -> None:
    """Many domains and sender addresses (bulk account creation)."""
    if domain_rows:
        conn.execute(insert(domains), domain_rows)
    if sender_rows:
        conn.execute(insert(senders), sender_rows)


def names_taken(conn: Connection, names: list[str]) -> set[str]:
    """Which of these account names exist (looked up 500 at a time)."""
    found: set[str] = set()
    for i in range(0, len(names), 500):
        part = names[i : i + 500]
        found.update(
            str(n) for (n,) in conn.execute(select(accounts.c.name).where(accounts.c.name.in_(part)))
        )
    return found


# Statements every request runs are built once, here: SQLAlchemy then finds them in its compiled cache
# without building them and their cache keys again (a look-up by id: 99 -> 31 CPU-us measured here).
_BY_ID = select(accounts).where(accounts.c.id == bindparam("v"))
_BY_NAME = select(accounts).where(accounts.c.name == bindparam("v"))
_BY_SECRET_ID = select(accounts).where(accounts.c.secret_id == bindparam("v"))


def account_by_id(conn: Connection, account_id: int) -> AccountRecord | None:
    row = conn.execute(_BY_ID, {"v": account_id}).first()
    return None if row is None else AccountRecord._make(row)


def account_by_name(conn: Connection, name: str) -> AccountRecord | None:
    row = conn.execute(_BY_NAME, {"v": name}).first()
    return None if row is None else AccountRecord._make(row)


def account_by_secret_id(conn: Connection, secret_id: str) -> AccountRecord | None:
    row = conn.execute(_BY_SECRET_ID, {"v": secret_id}).first()
    return None if row is None else AccountRecord._make(row)


# FOR NO KEY UPDATE: it excludes every other locker of the row as FOR UPDATE does, but not the KEY SHARE
# lock a foreign-key check takes, so rows referencing the account (rate hits, notices, callbacks) are
# not held up behind a send transaction (PostgreSQL; SQLite ignores it)
_LOCK = RawStatement(
    select(accounts).where(accounts.c.id == bindparam("aid")).with_for_update(key_share=True)
)
_ADD_FREE = RawStatement(
    update(accounts)
    .where(accounts.c.id == bindparam("aid"))
    .values(free_used=accounts.c.free_used + bindparam("units"))
)


def lock_accounts(conn: Connection, ids: list[int]) -> dict[int, AccountRecord]:
    """Row-lock accounts in id order (no deadlocks between processes); SQLite already holds its write lock.
    A batch usually names one account."""
    found: dict[int, AccountRecord] = {}
    for aid in sorted(set(ids)):
        for r in _LOCK.all(conn, {"aid": aid}):
            rec = AccountRecord._make(r)
            found[rec.id] = rec
    return found


_ALL = select(accounts).order_by(accounts.c.id)


def list_accounts(conn: Connection) -> list[AccountRecord]:
    return [AccountRecord._make(r) for r in conn.execute(_ALL)]


def clocks_past_floor(
    conn: Connection, wall_us: int, also: Collection[int] = ()
) -> list[tuple[int, int, int | None, int]]:
    """(id, clock offset, frozen instant, events cursor), in id order, of the accounts whose clock reads
    at or past `billing.billing_floor` of their cursor, plus those in `also`: the only ones that can
    have a billing event due. The floor is worked out here in SQL, the same arithmetic as the domain's
    (a test holds the two together); a cursor before 1970 is always returned (SQL division truncates
    towards zero where Python's floors). One scan in the database instead of a row object per account."""
    params: dict[str, Any] = {"wall": wall_us, "off": UTC8_US, "wake": WAKE_HOUR_US, "day": DAY_US}
    rows: Sequence[Any]
    if also:  # accounts with a pending IP or task: an IN list, through SQLAlchemy
        params["also"] = sorted(also)
        rows = conn.execute(_PAST_FLOOR_OR_ALSO, params).all()
    else:  # every pass of an idle server: raw (storage.raw)
        rows = _PAST_FLOOR_RAW.all(conn, params)
    return [(int(r[0]), int(r[1]), r[2], int(r[3])) for r in rows]


_DAY_START = "((events_until_us + :off) / :day * :day - :off)"
_PAST_FLOOR = (
    "SELECT id, clock_offset_us, clock_frozen_us, events_until_us FROM accounts "
    "WHERE events_until_us + :off < 0 "
    "OR coalesce(clock_frozen_us, :wall + clock_offset_us) >= CASE "
    f"WHEN events_until_us < {_DAY_START} + :wake THEN {_DAY_START} + :wake "
    f"ELSE {_DAY_START} + :day END"
    "{extra} ORDER BY id"
)
_PAST_FLOOR_RAW = RawStatement(text(_PAST_FLOOR.format(extra="")))
_PAST_FLOOR_OR_ALSO = text(_PAST_FLOOR.format(extra=" OR id IN :also")).bindparams(
    bindparam("also", expanding=True)
)


def update_account(conn: Connection, account_id: int, **values: Any) -> None:
    params = {f"v_{k}": v for k, v in values.items()}
    params["aid"] = account_id
    conn.execute(_update_of(tuple(values)), params)


@lru_cache(maxsize=64)
def _update_of(columns: tuple[str, ...]) -> Any:
    """The UPDATE of these columns of one account, built once per column set."""
    values = {accounts.c[k]: bindparam(f"v_{k}", type_=accounts.c[k].type) for k in columns}
    return update(accounts).where(accounts.c.id == bindparam("aid")).values(values)


def add_free_used_many(conn: Connection, spent: list[tuple[int, int]]) -> None:
    if spent:
        _ADD_FREE.executemany(conn, [{"aid": a, "units": u} for a, u in spent])


# --- domains -------------------------------------------------------------------------------------


def insert_domain(conn: Connection, **values: Any) -> None:
    conn.execute(_INSERT_DOMAIN, values)


_DOMAIN = select(domains).where(domains.c.account_id == bindparam("aid"), domains.c.domain == bindparam("d"))
_DOMAINS = select(domains).where(domains.c.account_id == bindparam("aid")).order_by(domains.c.id)


def get_domain(conn: Connection, account_id: int, domain: str) -> DomainRecord | None:
    row = conn.execute(_DOMAIN, {"aid": account_id, "d": domain}).first()
    return None if row is None else DomainRecord._make(row)


def list_domains(conn: Connection, account_id: int) -> list[DomainRecord]:
    return [DomainRecord._make(r) for r in conn.execute(_DOMAINS, {"aid": account_id})]


def delete_domain(conn: Connection, account_id: int, domain: str) -> int:
    res = conn.execute(delete(domains).where(domains.c.account_id == account_id, domains.c.domain == domain))
    return res.rowcount or 0


# --- sender addresses ----------------------------------------------------------------------------


def insert_sender(conn: Connection, **values: Any) -> None:
    conn.execute(_INSERT_SENDER, values)


_SENDER = select(senders).where(
    senders.c.account_id == bindparam("aid"), func.lower(senders.c.address) == bindparam("a")
)
_SENDER_ADDRESSES = select(senders.c.address).where(senders.c.account_id == bindparam("aid"))
_SENDERS_BY_ADDRESS = (
    select(senders).where(func.lower(senders.c.address) == bindparam("a")).order_by(senders.c.id)
)
_SENDERS = select(senders).where(senders.c.account_id == bindparam("aid")).order_by(senders.c.id)


def get_sender(conn: Connection, account_id: int, address: str) -> SenderRecord | None:
    row = conn.execute(_SENDER, {"aid": account_id, "a": address.lower()}).first()
    return None if row is None else SenderRecord._make(row)


def sender_addresses(conn: Connection, account_id: int) -> frozenset[str]:
    """The account's sender addresses, lower-cased."""
    rows = conn.execute(_SENDER_ADDRESSES, {"aid": account_id}).all()
    return frozenset(str(r.address).lower() for r in rows)


def senders_by_address(conn: Connection, address: str) -> list[SenderRecord]:
    return [SenderRecord._make(r) for r in conn.execute(_SENDERS_BY_ADDRESS, {"a": address.lower()})]


def list_senders(conn: Connection, account_id: int) -> list[SenderRecord]:
    return [SenderRecord._make(r) for r in conn.execute(_SENDERS, {"aid": account_id})]


def count_senders_in_domain(conn: Connection, account_id: int, domain: str) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(senders)
            .where(senders.c.account_id == account_id, senders.c.address.like(f"%@{domain}"))
        ).scalar_one()
    )


def update_sender(conn: Connection, sender_id: int, **values: Any) -> None:
    conn.execute(update(senders).where(senders.c.id == sender_id).values(**values))


def delete_sender(conn: Connection, account_id: int, address: str) -> int:
    res = conn.execute(
        delete(senders).where(
            senders.c.account_id == account_id, func.lower(senders.c.address) == address.lower()
        )
    )
    return res.rowcount or 0


# --- templates -----------------------------------------------------------------------------------


def next_template_id(conn: Connection, account_id: int) -> int:
    top = conn.execute(
        select(func.max(templates.c.template_id)).where(templates.c.account_id == account_id)
    ).scalar()
    return max(int(top or 0) + 1, 10001)


def insert_template(conn: Connection, **values: Any) -> None:
    conn.execute(insert(templates).values(**values))


_TEMPLATE = select(templates).where(
    templates.c.account_id == bindparam("aid"), templates.c.template_id == bindparam("tid")
)


def get_template(conn: Connection, account_id: int, template_id: int) -> TemplateRecord | None:
    row = conn.execute(_TEMPLATE, {"aid": account_id, "tid": template_id}).first()
    return None if row is None else TemplateRecord._make(row)


def list_templates(
    conn: Connection, account_id: int, offset: int, limit: int
) -> tuple[list[TemplateRecord], int]:
    base = select(templates).where(templates.c.account_id == account_id)
    total = conn.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    rows = conn.execute(base.order_by(templates.c.template_id.desc()).offset(offset).limit(limit))
    return [TemplateRecord._make(r) for r in rows], int(total)


def update_template(conn: Connection, account_id: int, template_id: int, **values: Any) -> int:
    res = conn.execute(
        update(templates)
        .where(templates.c.account_id == account_id, templates.c.template_id == template_id)
        .values(**values)
    )
    return res.rowcount or 0


def delete_template(conn: Connection, account_id: int, template_id: int) -> int:
    res = conn.execute(
        delete(templates).where(templates.c.account_id == account_id, templates.c.template_id == template_id)
    )
    return res.rowcount or 0


_COUNT = select(func.count()).select_from(accounts)


def count_accounts(conn: Connection) -> int:
    return int(conn.execute(_COUNT).scalar_one())
