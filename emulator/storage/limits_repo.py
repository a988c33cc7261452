"""Queries for the limit settings and the counts the sending limits need."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from emulator.storage.api_tables import (
    global_settings,
)
from emulator.storage.schema.limits import rate_hits
from emulator.storage.tables import message_recipients, messages, usage_daily
from emulator.storage.upsert import dialect_insert

# --- settings ------------------------------------------------------------------------------------


def get_global(conn: Connection, key: str) -> dict[str, Any]:
    value = conn.execute(select(global_settings.c.value_json).where(global_settings.c.key == key)).scalar()
    return dict(json.loads(value)) if value else {}


def put_global(conn: Connection, key: str, value: dict[str, Any]) -> None:
    stmt = dialect_insert(conn, global_settings).values(key=key, value_json=json.dumps(value))
    stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={"value_json": stmt.excluded.value_json})
    conn.execute(stmt)


# --- counts for the limits -----------------------------------------------------------------------


def recipient_counts(
    conn: Connection, account_id: int, addresses: list[str], since_us: int
) -> dict[str, int]:
    """Mail per recipient (lower-cased) stored since `since_us` (account time)."""
    lowered = list({a.lower() for a in addresses})
    rows = conn.execute(
        select(func.lower(message_recipients.c.address), func.count())
        .where(
            message_recipients.c.account_id == account_id,
            func.lower(message_recipients.c.address).in_(lowered),
            message_recipients.c.request_us > since_us,
        )
        .group_by(func.lower(message_recipients.c.address))
    ).all()
    return {r[0]: int(r[1]) for r in rows}


def day_total(conn: Connection, account_id: int, day: str) -> int:
    row = conn.execute(
        select(usage_daily.c.free_units + usage_daily.c.paid_units).where(
            usage_daily.c.account_id == account_id, usage_daily.c.day == day
        )
    ).scalar()
    return int(row or 0)


def smtp_messages_since(conn: Connection, account_id: int, since_wall_us: int) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(messages)
            .where(
                messages.c.account_id == account_id,
                messages.c.real_time_us > since_wall_us,
                messages.c.source == "smtp",
            )
        ).scalar_one()
    )


# --- the request-rate limit's hits, shared by every process on the database ----------------------


def _rate_lock_key(account_id: int, action: str) -> int:
    digest = hashlib.blake2b(f"rate:{account_id}:{action}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def take_rate_slot(
    conn: Connection, account_id: int, action: str, now_us: int, window_us: int, limit: int
) -> bool:
    """Count one request if fewer than `limit` were counted in the window ending now; False when full.
    Serialised per (account, action): SQLite's write lock is taken at BEGIN, PostgreSQL takes a
    transaction-scoped advisory lock, so processes never both see room for the last slot."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(_rate_lock_key(account_id, action))))
    key = (rate_hits.c.account_id == account_id, rate_hits.c.action == action)
    conn.execute(delete(rate_hits).where(*key, rate_hits.c.wall_us <= now_us - window_us))
    if conn.execute(select(func.count()).select_from(rate_hits).where(*key)).scalar_one() >= limit:
        return False
    conn.execute(insert(rate_hits).values(account_id=account_id, action=action, wall_us=now_us))
    return True
