"""Queries for the limit settings and the counts the sending limits need."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (
    Connection,
    func,
    select,
)

from emulator.storage.api_tables import (
    global_settings,
)
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
