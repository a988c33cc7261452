"""Captured mail: messages, their recipients with each one's outcome, and the per-day usage bills are
made of; and the projections the mailbox listing and GetSendEmailStatus read."""

from __future__ import annotations

from typing import NamedTuple


class MessageRecord(NamedTuple):
    id: int
    account_id: int
    message_id: str
    source: str  # smtp | api
    mail_from: str
    recipients_json: str
    header_from: str
    header_to: str
    subject: str
    search_text: str
    size: int
    raw: bytes
    sending_ip: str
    template_id: int | None
    account_time_us: int
    real_time_us: int
    free_units: int
    paid_units: int


class MessageRecipientRecord(NamedTuple):
    id: int
    message_pk: int
    account_id: int
    address: str
    request_day: str  # UTC+8 day of the account time
    request_us: int
    send_status: int
    deliver_status: int
    deliver_us: int | None
    deliver_message: str
    opened: bool
    clicked: bool
    unsubscribed: bool
    complained: bool


class UsageDayRecord(NamedTuple):
    account_id: int
    day: str  # UTC+8 calendar day
    free_units: int
    paid_units: int


class MessageListing(NamedTuple):
    """A message as the mailbox lists and searches it: every column but `search_text` and `raw`
    (mail_repo.LIST_COLUMNS, in table order)."""

    id: int
    account_id: int
    message_id: str
    source: str
    mail_from: str
    recipients_json: str
    header_from: str
    header_to: str
    subject: str
    size: int
    sending_ip: str
    template_id: int | None
    account_time_us: int
    real_time_us: int
    free_units: int
    paid_units: int


class EmailStatus(NamedTuple):
    """GetSendEmailStatus: a recipient row with its message's id and envelope sender
    (mail_repo.STATUS_COLUMNS)."""

    id: int
    message_pk: int
    account_id: int
    address: str
    request_day: str
    request_us: int
    send_status: int
    deliver_status: int
    deliver_us: int | None
    deliver_message: str
    opened: bool
    clicked: bool
    unsubscribed: bool
    complained: bool
    message_id: str
    mail_from: str


TABLES = {
    MessageRecord: "messages",
    MessageRecipientRecord: "message_recipients",
    UsageDayRecord: "usage_daily",
}
