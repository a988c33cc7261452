"""Queries for global clock moves (tables.clock_moves): the record, and the lock that serialises them."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from emulator.domain.records import AccountRecord
from emulator.domain.records.billing import ClockMoveRecord
from emulator.storage.tables import accounts, clock_moves


def lock_all_accounts(conn: Connection) -> list[AccountRecord]:
    """Every account row, locked in id order (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises):
    two global moves, in any processes, are decided one after the other."""
    return [
        AccountRecord._make(r)
        for r in conn.execute(select(accounts).order_by(accounts.c.id).with_for_update(key_share=True))
    ]


def insert_move(conn: Connection, *, target_us: int, created_us: int, key: str | None) -> ClockMoveRecord:
    new_id = conn.execute(
        insert(clock_moves).values(target_us=target_us, created_us=created_us, key=key, done=False)
    ).inserted_primary_key[0]  # type: ignore[index]
    return ClockMoveRecord._make(conn.execute(select(clock_moves).where(clock_moves.c.id == new_id)).one())


def move_by_key(conn: Connection, key: str) -> ClockMoveRecord | None:
    row = conn.execute(select(clock_moves).where(clock_moves.c.key == key)).first()
    return None if row is None else ClockMoveRecord._make(row)


def move_by_id(conn: Connection, move_id: int) -> ClockMoveRecord | None:
    row = conn.execute(select(clock_moves).where(clock_moves.c.id == move_id)).first()
    return None if row is None else ClockMoveRecord._make(row)


def pending_moves(conn: Connection) -> list[ClockMoveRecord]:
    """Recorded moves not yet finished, oldest first."""
    query = select(clock_moves).where(clock_moves.c.done.is_(False)).order_by(clock_moves.c.id)
    return [ClockMoveRecord._make(r) for r in conn.execute(query)]


def mark_done(conn: Connection, move_id: int) -> None:
    conn.execute(update(clock_moves).where(clock_moves.c.id == move_id).values(done=True))
