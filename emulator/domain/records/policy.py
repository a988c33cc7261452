"""Send policies: delivery fault rules, the platform blacklist, the custom blacklist."""

from __future__ import annotations

from typing import NamedTuple


class FaultRuleRecord(NamedTuple):
    id: int
    account_id: int
    pattern: str  # case-insensitive glob on the recipient
    outcome: str
    created_us: int  # wall time


class PlatformBlacklistRecord(NamedTuple):
    id: int
    account_id: int
    address: str  # lower-cased
    bounce_us: int
    isp_desc: str


class CustomBlacklistRecord(NamedTuple):
    id: int
    account_id: int
    address: str  # lower-cased
    expire_date: str | None  # UTC+8 YYYY-MM-DD; None: permanent
    created_us: int


TABLES = {
    FaultRuleRecord: "fault_rules",
    PlatformBlacklistRecord: "platform_blacklist",
    CustomBlacklistRecord: "custom_blacklist",
}
