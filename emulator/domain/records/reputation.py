"""Sender-domain reputation: each domain's current level and its history (docs/reputation.md)."""

from __future__ import annotations

from typing import NamedTuple


class DomainReputationRecord(NamedTuple):
    domain_id: int
    account_id: int
    level: int
    evaluated_day: str | None  # the last UTC+8 day evaluated; None: never
    updated_us: int


class ReputationHistoryRecord(NamedTuple):
    id: int
    account_id: int
    domain_id: int
    kind: str  # evaluation | admin
    evaluated_day: str | None  # the day whose sends were evaluated; None for an admin change
    effective_day: str  # the UTC+8 day from which level_after applies
    level_before: int
    level_after: int
    verdict: str  # upgrade | downgrade | hold | set
    blocked: bool
    sends: int
    delivered: int
    invalid: int
    spam_bounces: int
    soft_bounces: int
    deferred: int
    complaints: int
    opened: int
    account_time_us: int
    real_time_us: int


class DomainLevel(NamedTuple):
    """A sender domain with its level (1 when it has no reputation row yet)."""

    domain_id: int
    domain: str
    level: int
    evaluated_day: str | None


TABLES = {DomainReputationRecord: "domain_reputation", ReputationHistoryRecord: "reputation_history"}
