"""Money and what costs it: bills, the signed ledger, dedicated IPs and their billed intervals. Money
is integer micro-USD; times are account time (microseconds) unless said otherwise."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint
from sqlmodel import Field

from emulator.storage.schema.base import StorageModel, pk, table_of

_ACCOUNT = "accounts.id"


class Bill(StorageModel, table=True):
    __tablename__ = "bills"
    __table_args__ = (
        UniqueConstraint("account_id", "kind", "period", name="uq_bill_period"),
        Index("ix_bills_unpaid", "account_id", "paid_us"),
    )
    id: int | None = pk()
    account_id: int = Field(foreign_key=_ACCOUNT, ondelete="CASCADE")
    kind: str = Field(sa_type=String(16))  # usage | dedicated_ip
    period: str = Field(sa_type=String(10))  # YYYY-MM-DD (usage) or YYYY-MM (dedicated_ip)
    units: int = Field(sa_type=BigInteger)
    unit_price_micro: int = Field(sa_type=BigInteger)
    amount_micro: int = Field(sa_type=BigInteger)
    detail_json: str = Field(default="{}", sa_type=Text)
    created_us: int = Field(sa_type=BigInteger)  # account time
    paid_us: int | None = Field(default=None, sa_type=BigInteger)  # account time; NULL = unpaid


class LedgerEntry(StorageModel, table=True):
    __tablename__ = "ledger"
    __table_args__ = (Index("ix_ledger_account", "account_id", "id"),)
    id: int | None = pk()
    account_id: int = Field(foreign_key=_ACCOUNT, ondelete="CASCADE")
    kind: str = Field(sa_type=String(16))  # topup | charge | settlement | adjustment
    amount_micro: int = Field(sa_type=BigInteger)  # signed
    bill_id: int | None = Field(default=None, foreign_key="bills.id", unique=True)
    note: str = Field(default="", sa_type=Text)
    account_time_us: int = Field(sa_type=BigInteger)
    real_time_us: int = Field(sa_type=BigInteger)


class IpInventory(StorageModel, table=True):
    __tablename__ = "ip_inventory"
    id: int | None = pk()
    ip: str = Field(sa_type=String(45), unique=True)
    account_id: int | None = Field(default=None, foreign_key=_ACCOUNT, ondelete="SET NULL")  # NULL = in stock
    added_us: int = Field(sa_type=BigInteger)


class DedicatedIp(StorageModel, table=True):
    __tablename__ = "dedicated_ips"
    __table_args__ = (Index("ix_dedicated_ips_account", "account_id", "status"),)
    id: int | None = pk()
    account_id: int = Field(foreign_key=_ACCOUNT, ondelete="CASCADE")
    ip: str | None = Field(default=None, sa_type=String(45))  # NULL while pending
    status: str = Field(sa_type=String(10))  # pending | enabled | disabled | released
    application_month: str = Field(sa_type=String(7))  # UTC+8 YYYY-MM of the application
    applied_us: int = Field(sa_type=BigInteger)
    ready_us: int | None = Field(default=None, sa_type=BigInteger)
    enabled_us: int | None = Field(default=None, sa_type=BigInteger)
    disabled_us: int | None = Field(default=None, sa_type=BigInteger)


class IpInterval(StorageModel, table=True):
    __tablename__ = "ip_intervals"
    __table_args__ = (Index("ix_ip_intervals_account", "account_id"),)
    id: int | None = pk()
    dedicated_ip_id: int = Field(foreign_key="dedicated_ips.id", ondelete="CASCADE")
    account_id: int
    start_us: int = Field(sa_type=BigInteger)
    end_us: int | None = Field(default=None, sa_type=BigInteger)  # NULL while enabled


bills = table_of(Bill)
ledger = table_of(LedgerEntry)
ip_inventory = table_of(IpInventory)
dedicated_ips = table_of(DedicatedIp)
ip_intervals = table_of(IpInterval)
