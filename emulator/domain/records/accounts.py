"""Accounts and what they own for sending: domains, sender identities, templates."""

from __future__ import annotations

from typing import NamedTuple


class AccountRecord(NamedTuple):
    id: int
    name: str
    app_id: str
    secret_id: str
    secret_key: str
    created_us: int
    clock_offset_us: int  # domain.clock.ClockState
    clock_frozen_us: int | None
    events_until_us: int  # scheduler cursor: every event due at or before this account time has run
    free_quota: int
    free_used: int
    suspended_reason: str | None  # None: active; 'arrears' | 'manual'
    suspended_us: int | None
    simple_allowed: bool
    settings_json: str
    profile: str  # domain.profiles: 'sandbox' | 'production', as created (the switches may differ since)
    smtp_checks: bool  # the SMTP message checks of domain.message_checks are on


class DomainRecord(NamedTuple):
    id: int
    account_id: int
    domain: str
    verified: bool
    dkim_option: int
    tags_json: str
    created_us: int


class SenderRecord(NamedTuple):
    id: int
    account_id: int
    address: str
    sender_name: str | None
    smtp_password_hash: str | None
    created_us: int


class TemplateRecord(NamedTuple):
    id: int
    account_id: int
    template_id: int
    name: str
    html: str | None
    text: str | None
    status: int  # 0 approved, 1 pending, 2 rejected
    review_reason: str
    created_us: int


TABLES = {
    AccountRecord: "accounts",
    DomainRecord: "domains",
    SenderRecord: "senders",
    TemplateRecord: "templates",
}
