"""Sender-domain reputation (services.reputation, docs/reputation.md): each verified domain's current
level, and one history row per evaluated day (the day's figures and the verdict) or admin change. A
domain without a `domain_reputation` row is at level 1. Both go with their domain (ON DELETE CASCADE):
a domain deleted and added again starts at level 1, as a new verified domain does."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String, UniqueConstraint
from sqlmodel import Field

from emulator.storage.schema.base import StorageModel, pk, table_of

_DOMAIN = "domains.id"
_ACCOUNT = "accounts.id"


class DomainReputation(StorageModel, table=True):
    __tablename__ = "domain_reputation"
    __table_args__ = (Index("ix_domain_reputation_account", "account_id"),)
    domain_id: int = Field(
        primary_key=True,
        foreign_key=_DOMAIN,
        ondelete="CASCADE",
        sa_column_kwargs={"autoincrement": False},  # the domain's id, never a sequence
    )
    account_id: int = Field(foreign_key=_ACCOUNT, ondelete="CASCADE")
    level: int
    # the last UTC+8 day evaluated: a day is evaluated once, never again (exactly once per domain/day)
    evaluated_day: str | None = Field(default=None, sa_type=String(10))
    updated_us: int = Field(sa_type=BigInteger)  # account time of the last change


class ReputationHistory(StorageModel, table=True):
    __tablename__ = "reputation_history"
    __table_args__ = (
        # the database refuses a second evaluation of one domain's day (admin rows have NULL here)
        UniqueConstraint("domain_id", "evaluated_day", name="uq_reputation_evaluated_day"),
        Index("ix_reputation_history_domain", "domain_id", "id"),
    )
    id: int | None = pk()
    account_id: int = Field(foreign_key=_ACCOUNT, ondelete="CASCADE")
    domain_id: int = Field(foreign_key=_DOMAIN, ondelete="CASCADE")
    kind: str = Field(sa_type=String(16))  # evaluation | admin
    evaluated_day: str | None = Field(default=None, sa_type=String(10))  # the day evaluated; NULL: admin
    effective_day: str = Field(sa_type=String(10))  # the UTC+8 day from which level_after applies
    level_before: int
    level_after: int
    verdict: str = Field(sa_type=String(16))  # upgrade | downgrade | hold | set
    blocked: bool = False  # the day met the same-day block thresholds
    sends: int = 0
    delivered: int = 0
    invalid: int = 0
    spam_bounces: int = 0
    soft_bounces: int = 0
    deferred: int = 0
    complaints: int = 0
    opened: int = 0
    account_time_us: int = Field(sa_type=BigInteger)
    real_time_us: int = Field(sa_type=BigInteger)


domain_reputation = table_of(DomainReputation)
reputation_history = table_of(ReputationHistory)
