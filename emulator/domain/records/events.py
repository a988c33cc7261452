"""What happened to stored mail, as read back: the event callbacks (URLs, the queue, every delivery
attempt), the statistics and abuse reports, and the address-level unsubscribe settings."""

from __future__ import annotations

from typing import NamedTuple


class CallbackUrlRecord(NamedTuple):
    id: int
    account_id: int
    sender: str  # '' = account level; else lower-cased
    url: str


class CallbackEventRecord(NamedTuple):
    id: int
    account_id: int
    stream: str  # message id + recipient: order is kept within it
    url: str
    event: str
    payload_json: str
    status: str  # pending | sending | delivered | failed
    attempts: int
    next_wall_us: int
    created_wall_us: int


class CallbackAttemptRecord(NamedTuple):
    id: int
    event_id: int
    account_id: int
    attempt: int
    url: str
    status_code: int | None
    error: str
    duration_ms: int
    wall_us: int


class UnsubscribeConfigRecord(NamedTuple):
    id: int
    account_id: int
    address: str
    config: str  # '0' .. '10'
    status: int  # 0 off, 1 on


# --- projections ---------------------------------------------------------------------------------


class CallbackAttemptView(NamedTuple):
    """A delivery attempt (callback_attempts' columns) with its event's kind, body and status."""

    id: int
    event_id: int
    account_id: int
    attempt: int
    url: str
    status_code: int | None
    error: str
    duration_ms: int
    wall_us: int
    event: str
    payload_json: str
    event_status: str


class CallbackMessage(NamedTuple):
    """What a stored message contributes to its recipients' callback events."""

    id: int
    account_id: int
    message_id: str
    mail_from: str
    raw: bytes
    template_id: int | None


class DailyVolume(NamedTuple):
    """One UTC+8 request day of GetStatisticsReport: recipients counted by outcome."""

    request_day: str
    requests: int
    accepted: int
    delivered: int
    opened: int
    clicked: int
    bounced: int
    unsubscribed: int


class Complaint(NamedTuple):
    """A recipient with a spam complaint, and its message (GetAbuseReport)."""

    address: str
    request_us: int
    deliver_us: int | None
    mail_from: str
    sending_ip: str
    template_id: int | None
    message_id: str
    subject: str
    source: str  # smtp | api
    raw: bytes


TABLES = {
    CallbackUrlRecord: "callback_urls",
    CallbackEventRecord: "callback_events",
    CallbackAttemptRecord: "callback_attempts",
    UnsubscribeConfigRecord: "unsubscribe_configs",
}
