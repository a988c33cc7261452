"""The request-rate limit's hits (behaviour §9): kept in the database so that every process serving it
counts the same requests. Only written while an account has the limit switched on; each count deletes
the hits older than its window, so the table holds at most about a second of requests per account."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String
from sqlmodel import Field

from emulator.storage.schema.base import StorageModel, pk, table_of


class RateHit(StorageModel, table=True):
    __tablename__ = "rate_hits"
    __table_args__ = (Index("ix_rate_hits_key", "account_id", "action", "wall_us"),)

    id: int | None = pk()
    account_id: int = Field(foreign_key="accounts.id", ondelete="CASCADE")
    action: str = Field(sa_type=String(64))
    wall_us: int = Field(sa_type=BigInteger)  # real time: the limit is per real second


rate_hits = table_of(RateHit)
