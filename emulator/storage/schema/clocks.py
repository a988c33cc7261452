"""A global clock move (services.clocks), recorded before any account moves so a crash part-way can be
finished at start-up: every account then reads `target_us` (frozen clocks exactly; running clocks get
the offset target_us - created_us, i.e. they read what they would have had the move ended at once)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String
from sqlmodel import Field

from emulator.storage.schema.base import StorageModel, pk, table_of


class ClockMove(StorageModel, table=True):
    __tablename__ = "clock_moves"
    __table_args__ = (Index("ix_clock_moves_done", "done"),)
    id: int | None = pk()
    target_us: int = Field(sa_type=BigInteger)  # account time every clock reads once moved
    created_us: int = Field(sa_type=BigInteger)  # wall time of the decision
    key: str | None = Field(default=None, sa_type=String(64), unique=True)  # the client's idempotency key
    done: bool = False


clock_moves = table_of(ClockMove)
