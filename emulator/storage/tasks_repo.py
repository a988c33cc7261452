"""Queries on batch sending tasks (BatchSendEmail / ListSendTasks)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from emulator.domain.records.tasks import SendTaskRecord
from emulator.storage.api_tables import send_tasks, task_messages
from emulator.storage.raw import RawStatement
from emulator.storage.tables import accounts
from emulator.storage.upsert import insert_ignore


def insert_task(conn: Connection, **values: Any) -> int:
    return int(conn.execute(insert(send_tasks).values(**values)).inserted_primary_key[0])  # type: ignore[index]


def get_task(conn: Connection, task_id: int) -> SendTaskRecord | None:
    row = conn.execute(select(send_tasks).where(send_tasks.c.id == task_id)).first()
    return None if row is None else SendTaskRecord._make(row)


def update_task(conn: Connection, task_id: int, **values: Any) -> None:
    conn.execute(update(send_tasks).where(send_tasks.c.id == task_id).values(**values))


def list_tasks(
    conn: Connection,
    account_id: int,
    status: int | None,
    receiver_id: int | None,
    task_type: int | None,
    offset: int,
    limit: int,
) -> tuple[list[SendTaskRecord], int]:
    cond: list[Any] = [send_tasks.c.account_id == account_id]
    if status is not None:
        cond.append(send_tasks.c.status == status)
    if receiver_id is not None:
        cond.append(send_tasks.c.receiver_id == receiver_id)
    if task_type is not None:
        cond.append(send_tasks.c.task_type == task_type)
    total = conn.execute(select(func.count()).select_from(send_tasks).where(*cond)).scalar_one()
    rows = conn.execute(
        select(send_tasks).where(*cond).order_by(send_tasks.c.id.desc()).offset(offset).limit(limit)
    )
    return [SendTaskRecord._make(r) for r in rows], int(total)


def due_tasks(conn: Connection, account_id: int, after_us: int, until_us: int) -> list[SendTaskRecord]:
    """Tasks with a start, cycle or resume time in (after, until]."""
    params = {"aid": account_id, "after": after_us, "until": until_us}
    return [SendTaskRecord._make(r) for r in conn.execute(_DUE, params)]


_DUE = select(send_tasks).where(  # every clock move of every account: built once
    send_tasks.c.account_id == bindparam("aid"),
    send_tasks.c.status.in_((1, 5, 6)),
    send_tasks.c.next_us.is_not(None),
    send_tasks.c.next_us > bindparam("after"),
    send_tasks.c.next_us <= bindparam("until"),
)


_SENDING = select(send_tasks.c.id).where(send_tasks.c.status == 5).order_by(send_tasks.c.id)
_ACTIVE = select(send_tasks.c.id).where(send_tasks.c.status.in_((1, 5, 6))).limit(1)


def sending_task_ids(conn: Connection) -> list[int]:
    """Read on every wake of the batch runner (each clock move): built once, above."""
    return list(conn.execute(_SENDING).scalars())


def has_active(conn: Connection) -> bool:
    return conn.execute(_ACTIVE).first() is not None


def claim(conn: Connection, task_id: int, now_wall_us: int, lease_us: int) -> bool:
    res = conn.execute(
        update(send_tasks)
        .where(
            send_tasks.c.id == task_id, send_tasks.c.status == 5, send_tasks.c.lease_wall_us <= now_wall_us
        )
        .values(lease_wall_us=now_wall_us + lease_us)
    )
    return bool(res.rowcount)


def link_message(conn: Connection, message_id: str, task_id: int) -> None:
    insert_ignore(conn, task_messages, {"message_id": message_id, "task_id": task_id}, ["message_id"])


_NEXT_DUE = RawStatement(
    select(send_tasks.c.account_id, func.min(send_tasks.c.next_us))
    .join(accounts, accounts.c.id == send_tasks.c.account_id)
    .where(send_tasks.c.next_us.is_not(None), send_tasks.c.next_us > accounts.c.events_until_us)
    .group_by(send_tasks.c.account_id)
)


def next_due_by_account(conn: Connection) -> dict[int, int]:
    """The scheduler's hint: each account's earliest task event not yet run (after its cursor). Read by
    every scheduler pass (raw: storage.raw)."""
    return {int(a): int(t) for a, t in _NEXT_DUE.all(conn, {})}
