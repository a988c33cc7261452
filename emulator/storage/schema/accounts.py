"""Accounts and what they own for sending: domains, sender identities, templates. Times are integer
microseconds since the epoch (UTC)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint
from sqlmodel import Field

from emulator.storage.schema.base import StorageModel, pk, table_of

_ACCOUNT = "accounts.id"


class Account(StorageModel, table=True):
    __tablename__ = "accounts"
    id: int | None = pk()
    name: str = Field(sa_type=String(64), unique=True)
    app_id: str = Field(sa_type=String(16))
    secret_id: str = Field(sa_type=String(64), unique=True)
    secret_key: str = Field(sa_type=String(64))
    created_us: int = Field(sa_type=BigInteger)
    # clock (domain.clock.ClockState)
    clock_offset_us: int = Field(default=0, sa_type=BigInteger)
    clock_frozen_us: int | None = Field(default=None, sa_type=BigInteger)
    # scheduler cursor: every event due at or before this account time has run
    events_until_us: int = Field(sa_type=BigInteger)
    # metering: the one counter the free quota needs, updated under the row lock
    free_quota: int
    free_used: int = 0
    # suspension: NULL = active; 'arrears' | 'manual'
    suspended_reason: str | None = Field(default=None, sa_type=String(16))
    suspended_us: int | None = Field(default=None, sa_type=BigInteger)
    simple_allowed: bool = True
    settings_json: str = Field(default="{}", sa_type=Text)
    # issue 17 (migration 0003): the profile the account was created with (domain.profiles) and its switch
    # of the SMTP message checks (domain.message_checks); the other switches are above and in settings_json
    profile: str = Field(default="sandbox", sa_type=String(16))
    smtp_checks: bool = False


class Domain(StorageModel, table=True):
    __tablename__ = "domains"
    __table_args__ = (UniqueConstraint("account_id", "domain", name="uq_domain"),)
    id: int | None = pk()
    account_id: int = Field(foreign_key=_ACCOUNT, ondelete="CASCADE")
    domain: str = Field(sa_type=String(255))
    verified: bool = True
    dkim_option: int = 0
    tags_json: str = Field(default="[]", sa_type=Text)
    created_us: int = Field(sa_type=BigInteger)


class Sender(StorageModel, table=True):
    __tablename__ = "senders"
    __table_args__ = (
        UniqueConstraint("account_id", "address", name="uq_sender"),
        Index("ix_senders_address", "address"),
    )
    id: int | None = pk()
    account_id: int = Field(foreign_key=_ACCOUNT, ondelete="CASCADE")
    address: str = Field(sa_type=String(255))
    sender_name: str | None = Field(default=None, sa_type=String(255))
    smtp_password_hash: str | None = Field(default=None, sa_type=String(128))
    created_us: int = Field(sa_type=BigInteger)


class Template(StorageModel, table=True):
    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("account_id", "template_id", name="uq_template"),)
    id: int | None = pk()
    account_id: int = Field(foreign_key=_ACCOUNT, ondelete="CASCADE")
    template_id: int
    name: str = Field(sa_type=String(255))
    html: str | None = Field(default=None, sa_type=Text)
    text: str | None = Field(default=None, sa_type=Text)
    status: int = 0  # 0 approved, 1 pending, 2 rejected
    review_reason: str = Field(default="", sa_type=String(255))
    created_us: int = Field(sa_type=BigInteger)


accounts = table_of(Account)
domains = table_of(Domain)
senders = table_of(Sender)
templates = table_of(Template)
