"""Queries on recipient lists (receivers) and their addresses (receiver details)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from emulator.domain.records.tasks import ReceiverDetailRecord, ReceiverListing, ReceiverRecord
from emulator.storage.api_tables import receiver_details, receivers, send_tasks


def _like(value: str) -> str:
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def insert_receiver(conn: Connection, **values: Any) -> int:
    return int(conn.execute(insert(receivers).values(**values)).inserted_primary_key[0])  # type: ignore[index]


def get_receiver(conn: Connection, account_id: int, receiver_id: int) -> ReceiverRecord | None:
    row = conn.execute(
        select(receivers).where(receivers.c.account_id == account_id, receivers.c.id == receiver_id)
    ).first()
    return None if row is None else ReceiverRecord._make(row)


def receiver_by_name(conn: Connection, account_id: int, name: str) -> ReceiverRecord | None:
    row = conn.execute(
        select(receivers).where(receivers.c.account_id == account_id, receivers.c.name == name)
    ).first()
    return None if row is None else ReceiverRecord._make(row)


def count_receivers(conn: Connection, account_id: int) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(receivers).where(receivers.c.account_id == account_id)
        ).scalar_one()
    )


def _counts() -> tuple[Any, Any]:
    """The address counts ReceiverListing ends with, after the list's own columns."""
    total = (
        select(func.count())
        .where(receiver_details.c.receiver_id == receivers.c.id)
        .correlate(receivers)
        .scalar_subquery()
    )
    invalid = (
        select(func.count())
        .where(receiver_details.c.receiver_id == receivers.c.id, receiver_details.c.valid == 0)
        .correlate(receivers)
        .scalar_subquery()
    )
    return total.label("detail_count"), invalid.label("invalid_count")


def list_receivers(
    conn: Connection, account_id: int, keyword: str | None, has_details: bool | None, offset: int, limit: int
) -> tuple[list[ReceiverListing], int]:
    total_c, invalid_c = _counts()
    base = select(receivers, total_c, invalid_c).where(receivers.c.account_id == account_id)
    if keyword:
        base = base.where(func.lower(receivers.c.name).like(_like(keyword), escape="\\"))
    sub = base.subquery()
    q = select(sub)
    if has_details is True:
        q = q.where(sub.c.detail_count > 0)
    elif has_details is False:
        q = q.where(sub.c.detail_count == 0)
    total = conn.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    rows = conn.execute(q.order_by(sub.c.id.desc()).offset(offset).limit(limit))
    return [ReceiverListing._make(r) for r in rows], int(total)


def delete_receiver(conn: Connection, receiver_id: int) -> None:
    conn.execute(delete(receiver_details).where(receiver_details.c.receiver_id == receiver_id))
    conn.execute(delete(receivers).where(receivers.c.id == receiver_id))


def detail_emails(conn: Connection, receiver_id: int) -> set[str]:
    return set(
        conn.execute(
            select(func.lower(receiver_details.c.email)).where(receiver_details.c.receiver_id == receiver_id)
        ).scalars()
    )


def detail_count(conn: Connection, receiver_id: int) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(receiver_details)
            .where(receiver_details.c.receiver_id == receiver_id)
        ).scalar_one()
    )


def sample_template_data(conn: Connection, receiver_id: int) -> tuple[bool, str | None]:
    """(whether the list has addresses, the TemplateData of its first one)."""
    row = conn.execute(
        select(receiver_details.c.template_data)
        .where(receiver_details.c.receiver_id == receiver_id)
        .order_by(receiver_details.c.id)
        .limit(1)
    ).first()
    return (row is not None, row[0] if row is not None else None)


def insert_details(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(receiver_details), rows)


def list_details(
    conn: Connection,
    receiver_id: int,
    email: str | None,
    since_us: int | None,
    until_us: int | None,
    valid: int | None,
    offset: int,
    limit: int,
) -> tuple[list[ReceiverDetailRecord], int, int, int]:
    """(page, total matching, valid in list, invalid in list)."""
    cond: list[Any] = [receiver_details.c.receiver_id == receiver_id]
    if email:
        cond.append(func.lower(receiver_details.c.email).like(_like(email), escape="\\"))
    if since_us is not None:
        cond.append(receiver_details.c.created_us >= since_us)
    if until_us is not None:
        cond.append(receiver_details.c.created_us <= until_us)
    if valid is not None:
        cond.append(receiver_details.c.valid == valid)
    total = conn.execute(select(func.count()).select_from(receiver_details).where(*cond)).scalar_one()
    rows = [
        ReceiverDetailRecord._make(r)
        for r in conn.execute(
            select(receiver_details).where(*cond).order_by(receiver_details.c.id).offset(offset).limit(limit)
        )
    ]
    counts: dict[int, int] = dict(
        conn.execute(
            select(receiver_details.c.valid, func.count())
            .where(receiver_details.c.receiver_id == receiver_id)
            .group_by(receiver_details.c.valid)
        ).all()
    )
    return rows, int(total), int(counts.get(1, 0)), int(counts.get(0, 0))


def details_after(
    conn: Connection, receiver_id: int, after_id: int, limit: int
) -> list[ReceiverDetailRecord]:
    """Valid addresses of a list in id order, after `after_id` (batch sending walks the list)."""
    query = (
        select(receiver_details)
        .where(
            receiver_details.c.receiver_id == receiver_id,
            receiver_details.c.id > after_id,
            receiver_details.c.valid == 1,
        )
        .order_by(receiver_details.c.id)
        .limit(limit)
    )
    return [ReceiverDetailRecord._make(r) for r in conn.execute(query)]


def valid_count(conn: Connection, receiver_id: int) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(receiver_details)
            .where(receiver_details.c.receiver_id == receiver_id, receiver_details.c.valid == 1)
        ).scalar_one()
    )


def has_task_in(conn: Connection, receiver_id: int, statuses: tuple[int, ...]) -> bool:
    """Whether a send task in one of `statuses` uses the recipient list."""
    query = (
        select(send_tasks.c.id)
        .where(send_tasks.c.receiver_id == receiver_id, send_tasks.c.status.in_(list(statuses)))
        .limit(1)
    )
    return conn.execute(query).first() is not None
