"""Queries for callback URLs, the callback event queue and the delivery-attempt log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from emulator.domain.records.events import CallbackAttemptView, CallbackEventRecord, CallbackMessage
from emulator.storage import mail_codec
from emulator.storage.api_tables import callback_attempts, callback_events, callback_urls, task_messages
from emulator.storage.tables import messages


def set_url(conn: Connection, account_id: int, sender: str, url: str | None) -> None:
    conn.execute(
        delete(callback_urls).where(
            callback_urls.c.account_id == account_id, callback_urls.c.sender == sender
        )
    )
    if url is not None:
        conn.execute(insert(callback_urls).values(account_id=account_id, sender=sender, url=url))


def urls_of(conn: Connection, account_id: int) -> dict[str, str]:
    """sender ('' = account level) -> URL."""
    rows = conn.execute(
        select(callback_urls.c.sender, callback_urls.c.url).where(callback_urls.c.account_id == account_id)
    ).all()
    return {r.sender: r.url for r in rows}


def accounts_with_urls(conn: Connection) -> set[int]:
    return set(conn.execute(select(callback_urls.c.account_id).distinct()).scalars())


def messages_by_pk(conn: Connection, pks: list[int]) -> list[CallbackMessage]:
    query = (
        select(
            messages.c.id,
            messages.c.account_id,
            messages.c.message_id,
            messages.c.mail_from,
            messages.c.raw,
            messages.c.template_id,
            messages.c.size,  # to unpack raw (storage.mail_codec); not a field of the record
        )
        .where(messages.c.id.in_(pks))
        .order_by(messages.c.id)
    )
    return [
        CallbackMessage._make((*r[:4], mail_codec.unpack(r.raw, r.size), r.template_id))
        for r in conn.execute(query)
    ]


def task_of(conn: Connection, message_id: str) -> int | None:
    value = conn.execute(
        select(task_messages.c.task_id).where(task_messages.c.message_id == message_id)
    ).scalar()
    return None if value is None else int(value)


def insert_events(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(callback_events), rows)


def pending(conn: Connection, limit: int) -> list[CallbackEventRecord]:
    query = (
        select(callback_events)
        .where(callback_events.c.status == "pending")
        .order_by(callback_events.c.id)
        .limit(limit)
    )
    return [CallbackEventRecord._make(r) for r in conn.execute(query)]


def has_pending(conn: Connection) -> bool:
    return (
        conn.execute(
            select(callback_events.c.id).where(callback_events.c.status == "pending").limit(1)
        ).first()
        is not None
    )


def claim(conn: Connection, event_id: int, now_us: int, lease_us: int) -> bool:
    """Take a due event for one attempt (the lease makes it due again if this process dies)."""
    res = conn.execute(
        update(callback_events)
        .where(
            callback_events.c.id == event_id,
            callback_events.c.status == "pending",
            callback_events.c.next_wall_us <= now_us,
        )
        .values(next_wall_us=now_us + lease_us, attempts=callback_events.c.attempts + 1)
    )
    return bool(res.rowcount)


def finish(conn: Connection, event_id: int, **values: Any) -> None:
    conn.execute(update(callback_events).where(callback_events.c.id == event_id).values(**values))


def log_attempt(conn: Connection, **values: Any) -> None:
    conn.execute(insert(callback_attempts).values(**values))


def attempts(conn: Connection, account_id: int, offset: int, limit: int) -> list[CallbackAttemptView]:
    query = (
        select(
            callback_attempts,
            callback_events.c.event,
            callback_events.c.payload_json,
            callback_events.c.status.label("event_status"),
        )
        .join(callback_events, callback_events.c.id == callback_attempts.c.event_id)
        .where(callback_attempts.c.account_id == account_id)
        .order_by(callback_attempts.c.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [CallbackAttemptView._make(r) for r in conn.execute(query)]


def events(conn: Connection, account_id: int, offset: int, limit: int) -> list[CallbackEventRecord]:
    query = (
        select(callback_events)
        .where(callback_events.c.account_id == account_id)
        .order_by(callback_events.c.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [CallbackEventRecord._make(r) for r in conn.execute(query)]
