"""Delivery outcomes, blacklists, sending limits and unsubscribe settings. Every list is scoped per
account so that parallel test suites never see each other's bounces. Times are microseconds."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint
from sqlmodel import Field

from emulator.storage.schema.base import StorageModel, pk, table_of

_ACCOUNT = "accounts.id"


class FaultRule(StorageModel, table=True):
    __tablename__ = "fault_rules"
    __table_args__ = (Index("ix_fault_rules_account", "account_id", "id"),)
    id: int | None = pk()
    account_id: int = Field(foreign_key=_ACCOUNT, ondelete="CASCADE")
    pattern: str = Field(sa_type=String(320))  # case-insensitive glob on the recipient
    outcome: str = Field(sa_type=String(16))
    created_us: int = Field(sa_type=BigInteger)  # wall time


class PlatformBlacklist(StorageModel, table=True):
    """The platform hard-bounce list (ListBlackEmailAddress)."""

    __tablename__ = "platform_blacklist"
    __table_args__ = (UniqueConstraint("account_id", "address", name="uq_platform_blacklist"),)
    id: int | None = pk()
    account_id: int = Field(foreign_key=_ACCOUNT, ondelete="CASCADE")
    address: str = Field(sa_type=String(320))  # lower-cased
    bounce_us: int = Field(sa_type=BigInteger)
    isp_desc: str = Field(default="", sa_type=Text)


class Unsubscribed(StorageModel, table=True):
    """Recipients who unsubscribed (fault rule `unsubscribe`) from an account's mail."""

    __tablename__ = "unsubscribed"
    __table_args__ = (UniqueConstraint("account_id", "address", name="uq_unsubscribed"),)
    id: int | None = pk()
    account_id: int = Field(foreign_key=_ACCOUNT, ondelete="CASCADE")
    address: str = Field(sa_type=String(320))  # lower-cased
    at_us: int = Field(sa_type=BigInteger)


class CustomBlacklist(StorageModel, table=True):
    __tablename__ = "custom_blacklist"
    __table_args__ = (UniqueConstraint("account_id", "address", name="uq_custom_blacklist"),)
    id: int | None = pk()
    account_id: int = Field(foreign_key=_ACCOUNT, ondelete="CASCADE")
    address: str = Field(sa_type=String(320))  # lower-cased
    expire_date: str | None = Field(default=None, sa_type=String(10))  # UTC+8 YYYY-MM-DD, NULL = permanent
    created_us: int = Field(sa_type=BigInteger)


class GlobalSetting(StorageModel, table=True):
    """Global defaults of the sending limits (key 'limits'); per-account values live in
    accounts.settings_json."""

    __tablename__ = "global_settings"
    key: str = Field(primary_key=True, sa_type=String(64))
    value_json: str = Field(sa_type=Text)


class UnsubscribeConfig(StorageModel, table=True):
    __tablename__ = "unsubscribe_configs"
    __table_args__ = (UniqueConstraint("account_id", "address", name="uq_unsubscribe_config"),)
    id: int | None = pk()
    account_id: int = Field(foreign_key=_ACCOUNT, ondelete="CASCADE")
    address: str = Field(sa_type=String(320))
    config: str = Field(sa_type=String(4))
    status: int


fault_rules = table_of(FaultRule)
platform_blacklist = table_of(PlatformBlacklist)
unsubscribed = table_of(Unsubscribed)
custom_blacklist = table_of(CustomBlacklist)
global_settings = table_of(GlobalSetting)
unsubscribe_configs = table_of(UnsubscribeConfig)
