"""Queries for account notices: the per-account settings and the notices recorded."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from emulator.domain.records.notices import NoticeRecord, NoticeSettingRecord
from emulator.storage.schema.accounts import senders
from emulator.storage.schema.callbacks import callback_events
from emulator.storage.schema.notices import notice_settings, notices
from emulator.storage.upsert import dialect_insert

_SETTINGS = select(notice_settings).where(notice_settings.c.account_id == bindparam("aid"))


def settings_of(conn: Connection, account_id: int) -> NoticeSettingRecord | None:
    row = conn.execute(_SETTINGS, {"aid": account_id}).first()
    return None if row is None else NoticeSettingRecord._make(row)


def put_settings(conn: Connection, account_id: int, **values: Any) -> None:
    """Create the account's row or change the given columns of it."""
    stmt = dialect_insert(conn, notice_settings).values(account_id=account_id, **values)
    conn.execute(stmt.on_conflict_do_update(index_elements=["account_id"], set_=values))


def set_below(conn: Connection, account_id: int, below: bool) -> None:
    conn.execute(
        update(notice_settings)
        .where(notice_settings.c.account_id == account_id)
        .values(low_balance_below=below)
    )


def first_sender(conn: Connection, account_id: int) -> str | None:
    """The account's oldest sender address (the default notification address is derived from it)."""
    return conn.execute(
        select(senders.c.address).where(senders.c.account_id == account_id).order_by(senders.c.id).limit(1)
    ).scalar()


def insert_notice(conn: Connection, **values: Any) -> int:
    return int(conn.execute(insert(notices).values(**values)).inserted_primary_key[0])  # type: ignore[index]


def link_event(conn: Connection, notice_id: int, event_id: int) -> None:
    conn.execute(update(notices).where(notices.c.id == notice_id).values(callback_event_id=event_id))


def insert_event(conn: Connection, **values: Any) -> int:
    """One event on the callback queue (services.callbacks delivers it); its id."""
    return int(conn.execute(insert(callback_events).values(**values)).inserted_primary_key[0])  # type: ignore[index]


def list_notices(
    conn: Connection, account_id: int, kind: str | None, offset: int, limit: int
) -> list[NoticeRecord]:
    q = select(notices).where(notices.c.account_id == account_id)
    if kind:
        q = q.where(notices.c.kind == kind)
    rows = conn.execute(q.order_by(notices.c.id.desc()).offset(offset).limit(limit))
    return [NoticeRecord._make(r) for r in rows]


def event_states(conn: Connection, event_ids: list[int]) -> dict[int, tuple[str, int]]:
    """{callback event id: (status, attempts)}."""
    if not event_ids:
        return {}
    rows = conn.execute(
        select(callback_events.c.id, callback_events.c.status, callback_events.c.attempts).where(
            callback_events.c.id.in_(event_ids)
        )
    )
    return {int(r.id): (str(r.status), int(r.attempts)) for r in rows}


def reset(conn: Connection, account_id: int) -> None:
    """An account reset: its notices go (the mail with them); the settings stay, the warning re-armed."""
    conn.execute(delete(notices).where(notices.c.account_id == account_id))
    set_below(conn, account_id, False)
