"""Account notices: each account's notification settings and every notice recorded."""

from __future__ import annotations

from typing import NamedTuple


class NoticeSettingRecord(NamedTuple):
    account_id: int
    address: str | None  # None: the documented default (domain.notices.default_address)
    low_balance_threshold_micro: int | None  # None: the warning is off
    low_balance_below: bool  # the balance was below the threshold when last evaluated


class NoticeRecord(NamedTuple):
    id: int
    account_id: int
    kind: str  # deduction_failed | suspended | resumed | low_balance
    address: str
    subject: str
    message_id: str  # the mailbox message (it may have been deleted since)
    bill_id: int | None  # deduction_failed: the bill
    balance_micro: int
    unpaid_micro: int
    threshold_micro: int | None  # low_balance: the threshold crossed
    callback_event_id: int | None  # the queued webhook event, when a callback URL was set
    account_time_us: int
    real_time_us: int


TABLES = {NoticeSettingRecord: "notice_settings", NoticeRecord: "notices"}
