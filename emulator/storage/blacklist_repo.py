"""Queries for the platform blacklist (hard bounces), unsubscribes and the custom blacklist."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Connection,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from emulator.domain.records.policy import CustomBlacklistRecord, PlatformBlacklistRecord
from emulator.storage.api_tables import (
    custom_blacklist,
    platform_blacklist,
    unsubscribed,
)
from emulator.storage.upsert import insert_ignore

# --- platform blacklist (hard bounces) -----------------------------------------------------------


def add_platform(conn: Connection, account_id: int, address: str, bounce_us: int, isp: str) -> None:
    insert_ignore(
        conn,
        platform_blacklist,
        {"account_id": account_id, "address": address.lower(), "bounce_us": bounce_us, "isp_desc": isp},
        ["account_id", "address"],
    )


def list_platform(
    conn: Connection,
    account_id: int,
    since_us: int,
    until_us: int,
    address: str | None,
    offset: int,
    limit: int,
) -> tuple[list[PlatformBlacklistRecord], int]:
    cond = [
        platform_blacklist.c.account_id == account_id,
        platform_blacklist.c.bounce_us >= since_us,
        platform_blacklist.c.bounce_us < until_us,
    ]
    if address:
        cond.append(platform_blacklist.c.address == address.strip().lower())
    total = conn.execute(select(func.count()).select_from(platform_blacklist).where(*cond)).scalar_one()
    rows = conn.execute(
        select(platform_blacklist).where(*cond).order_by(platform_blacklist.c.id).offset(offset).limit(limit)
    )
    return [PlatformBlacklistRecord._make(r) for r in rows], int(total)


def delete_platform(conn: Connection, account_id: int, addresses: list[str]) -> int:
    res = conn.execute(
        delete(platform_blacklist).where(
            platform_blacklist.c.account_id == account_id,
            platform_blacklist.c.address.in_([a.strip().lower() for a in addresses]),
        )
    )
    return res.rowcount or 0


def add_unsubscribed(conn: Connection, account_id: int, address: str, at_us: int) -> None:
    insert_ignore(
        conn,
        unsubscribed,
        {"account_id": account_id, "address": address.lower(), "at_us": at_us},
        ["account_id", "address"],
    )


def unsubscribed_of(conn: Connection, account_id: int, addresses: list[str]) -> list[str]:
    return list(
        conn.execute(
            select(unsubscribed.c.address).where(
                unsubscribed.c.account_id == account_id,
                unsubscribed.c.address.in_([a.lower() for a in addresses]),
            )
        ).scalars()
    )


def blocked(
    conn: Connection, account_id: int, addresses: list[str], today: str
) -> tuple[list[str], list[str]]:
    """(addresses on the platform list, addresses on the active custom list), lower-cased."""
    lowered = list({a.lower() for a in addresses})
    platform = conn.execute(
        select(platform_blacklist.c.address).where(
            platform_blacklist.c.account_id == account_id, platform_blacklist.c.address.in_(lowered)
        )
    ).scalars()
    custom = conn.execute(
        select(custom_blacklist.c.address).where(
            custom_blacklist.c.account_id == account_id,
            custom_blacklist.c.address.in_(lowered),
            or_(custom_blacklist.c.expire_date.is_(None), custom_blacklist.c.expire_date >= today),
        )
    ).scalars()
    return list(platform), list(custom)


# --- custom blacklist ----------------------------------------------------------------------------


def custom_addresses(conn: Connection, account_id: int) -> set[str]:
    return set(
        conn.execute(
            select(custom_blacklist.c.address).where(custom_blacklist.c.account_id == account_id)
        ).scalars()
    )


def insert_custom(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(custom_blacklist), rows)


def list_custom(
    conn: Connection, account_id: int, status: int, today: str, email: str | None, offset: int, limit: int
) -> tuple[list[CustomBlacklistRecord], int]:
    cond: list[Any] = [custom_blacklist.c.account_id == account_id]
    active = or_(custom_blacklist.c.expire_date.is_(None), custom_blacklist.c.expire_date >= today)
    if status == 1:
        cond.append(active)
    elif status == 0:
        cond.append(custom_blacklist.c.expire_date < today)
    if email:
        cond.append(custom_blacklist.c.address == email.strip().lower())
    total = conn.execute(select(func.count()).select_from(custom_blacklist).where(*cond)).scalar_one()
    rows = conn.execute(
        select(custom_blacklist).where(*cond).order_by(custom_blacklist.c.id).offset(offset).limit(limit)
    )
    return [CustomBlacklistRecord._make(r) for r in rows], int(total)


def get_custom(conn: Connection, account_id: int, entry_id: int) -> CustomBlacklistRecord | None:
    row = conn.execute(
        select(custom_blacklist).where(
            custom_blacklist.c.account_id == account_id, custom_blacklist.c.id == entry_id
        )
    ).first()
    return None if row is None else CustomBlacklistRecord._make(row)


def custom_by_address(conn: Connection, account_id: int, address: str) -> CustomBlacklistRecord | None:
    row = conn.execute(
        select(custom_blacklist).where(
            custom_blacklist.c.account_id == account_id, custom_blacklist.c.address == address.lower()
        )
    ).first()
    return None if row is None else CustomBlacklistRecord._make(row)


def update_custom(conn: Connection, entry_id: int, **values: Any) -> None:
    conn.execute(update(custom_blacklist).where(custom_blacklist.c.id == entry_id).values(**values))


def delete_custom(conn: Connection, account_id: int, addresses: list[str]) -> int:
    res = conn.execute(
        delete(custom_blacklist).where(
            custom_blacklist.c.account_id == account_id,
            custom_blacklist.c.address.in_([a.strip().lower() for a in addresses]),
        )
    )
    return res.rowcount or 0
