"""Account notices (services.notices): each account's notification settings and every notice recorded,
in the transaction of the billing change that caused it. Money is integer micro-USD; `account_time_us`
is the account's clock, `real_time_us` the wall clock."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String, Text
from sqlmodel import Field

from emulator.storage.schema.base import StorageModel, pk, table_of


class NoticeSetting(StorageModel, table=True):
    __tablename__ = "notice_settings"
    account_id: int = Field(
        primary_key=True,
        foreign_key="accounts.id",
        ondelete="CASCADE",
        sa_column_kwargs={"autoincrement": False},  # the account's id, never a sequence
    )
    address: str | None = Field(default=None, sa_type=String(320))  # NULL: the documented default
    low_balance_threshold_micro: int | None = Field(default=None, sa_type=BigInteger)  # NULL: off
    low_balance_below: bool = False  # the balance was below the threshold when last evaluated


class Notice(StorageModel, table=True):
    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_account", "account_id", "id"),)
    id: int | None = pk()
    account_id: int = Field(foreign_key="accounts.id", ondelete="CASCADE")
    kind: str = Field(sa_type=String(16))  # deduction_failed | suspended | resumed | low_balance
    address: str = Field(sa_type=String(320))
    subject: str = Field(sa_type=Text)
    message_id: str = Field(sa_type=String(96))  # the mailbox message (it may be deleted since)
    bill_id: int | None = None  # deduction_failed: the bill
    balance_micro: int = Field(sa_type=BigInteger)
    unpaid_micro: int = Field(sa_type=BigInteger)
    threshold_micro: int | None = Field(default=None, sa_type=BigInteger)  # low_balance
    callback_event_id: int | None = None  # the queued webhook event, when a callback URL was set
    account_time_us: int = Field(sa_type=BigInteger)
    real_time_us: int = Field(sa_type=BigInteger)


notice_settings = table_of(NoticeSetting)
notices = table_of(Notice)
