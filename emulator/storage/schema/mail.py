"""Stored mail, one row per recipient with its outcome, and the per-day usage the bills are made of.
`account_time_us` is the account's clock, `real_time_us` the wall clock."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, LargeBinary, String, Text
from sqlmodel import Field

from emulator.storage.schema.base import StorageModel, pk, table_of


class Message(StorageModel, table=True):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_account_id", "account_id", "id"),
        # limits count recent mail per sender; this keeps that count cheap
        Index("ix_messages_account_time", "account_id", "real_time_us"),
    )
    id: int | None = pk()
    account_id: int = Field(foreign_key="accounts.id", ondelete="CASCADE")
    message_id: str = Field(sa_type=String(96), unique=True)
    source: str = Field(sa_type=String(8))  # smtp | api
    mail_from: str = Field(sa_type=String(320))
    recipients_json: str = Field(sa_type=Text)
    header_from: str = Field(default="", sa_type=Text)
    header_to: str = Field(default="", sa_type=Text)
    subject: str = Field(default="", sa_type=Text)
    search_text: str = Field(default="", sa_type=Text)
    size: int
    raw: bytes = Field(sa_type=LargeBinary)
    sending_ip: str = Field(sa_type=String(45))
    template_id: int | None = None
    account_time_us: int = Field(sa_type=BigInteger)
    real_time_us: int = Field(sa_type=BigInteger)
    free_units: int
    paid_units: int


class MessageRecipient(StorageModel, table=True):
    __tablename__ = "message_recipients"
    __table_args__ = (
        Index("ix_recipients_day", "account_id", "request_day"),
        Index("ix_recipients_message", "message_pk"),
        # limits count recent mail per recipient; this keeps that count cheap
        Index("ix_recipients_address", "account_id", "address"),
    )
    id: int | None = pk()
    message_pk: int = Field(foreign_key="messages.id", ondelete="CASCADE")
    account_id: int
    address: str = Field(sa_type=String(320))
    request_day: str = Field(sa_type=String(10))  # UTC+8 day of the account time
    request_us: int = Field(sa_type=BigInteger)
    send_status: int = 0
    deliver_status: int = 1
    deliver_us: int | None = Field(default=None, sa_type=BigInteger)
    deliver_message: str = Field(default="", sa_type=Text)
    opened: bool = False
    clicked: bool = False
    unsubscribed: bool = False
    complained: bool = False


class UsageDaily(StorageModel, table=True):
    __tablename__ = "usage_daily"
    account_id: int = Field(primary_key=True, foreign_key="accounts.id", ondelete="CASCADE")
    day: str = Field(primary_key=True, sa_type=String(10))  # UTC+8 calendar day
    free_units: int = Field(default=0, sa_type=BigInteger)
    paid_units: int = Field(default=0, sa_type=BigInteger)


messages = table_of(Message)
message_recipients = table_of(MessageRecipient)
usage_daily = table_of(UsageDaily)
