"""Event callbacks: the configured URLs, the queue (one row per event, delivered in id order per
recipient stream) and every delivery attempt. Times are wall-clock microseconds."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint
from sqlmodel import Field

from emulator.storage.schema.base import StorageModel, pk, table_of


class CallbackUrl(StorageModel, table=True):
    __tablename__ = "callback_urls"
    __table_args__ = (UniqueConstraint("account_id", "sender", name="uq_callback_url"),)
    id: int | None = pk()
    account_id: int = Field(foreign_key="accounts.id", ondelete="CASCADE")
    sender: str = Field(default="", sa_type=String(320))  # '' = account level; else lower-cased
    url: str = Field(sa_type=Text)


class CallbackEvent(StorageModel, table=True):
    __tablename__ = "callback_events"
    __table_args__ = (
        Index("ix_callback_events_status", "status", "id"),
        Index("ix_callback_events_account", "account_id", "id"),
    )
    id: int | None = pk()
    account_id: int = Field(foreign_key="accounts.id", ondelete="CASCADE")
    stream: str = Field(sa_type=String(420))  # message id + recipient: order is kept within it
    url: str = Field(sa_type=Text)
    event: str = Field(sa_type=String(16))
    payload_json: str = Field(sa_type=Text)
    status: str = Field(sa_type=String(10))  # pending | sending | delivered | failed
    attempts: int = 0
    next_wall_us: int = Field(sa_type=BigInteger)
    created_wall_us: int = Field(sa_type=BigInteger)


class CallbackAttempt(StorageModel, table=True):
    __tablename__ = "callback_attempts"
    __table_args__ = (Index("ix_callback_attempts_account", "account_id", "id"),)
    id: int | None = pk()
    event_id: int = Field(foreign_key="callback_events.id", ondelete="CASCADE")
    account_id: int
    attempt: int
    url: str = Field(sa_type=Text)
    status_code: int | None = None
    error: str = Field(default="", sa_type=Text)
    duration_ms: int
    wall_us: int = Field(sa_type=BigInteger)


callback_urls = table_of(CallbackUrl)
callback_events = table_of(CallbackEvent)
callback_attempts = table_of(CallbackAttempt)
