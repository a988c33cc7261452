"""Delivery outcomes (behaviour §10): what a fault rule makes of a recipient, as GetSendEmailStatus
columns (reference §5.4), and the callback events (reference §7.3) those columns stand for.

The events are derived from the stored columns alone, so the status a client reads and the events it
is called back with can never disagree:

    outcome          SendStatus DeliverStatus DeliverMessage                      flags       events
    (none)           0          1 delivered                                                   delivered
    hard_bounce      0          3 rejected    551 5.1.1 recipient is not exist                bounce (hard_bounce)
    soft_bounce      0          3 rejected    452 4.2.2 mailbox is full                       bounce (soft_bounce)
    dropped          0          2 dropped     dropped: ...                                    dropped
    deferred         0          8 deferred    421 4.7.0 ... try again later                   deferred
    rejected         1008       3 rejected    554 5.7.1 ... rejected by the recipient domain  dropped
    open             0          1             opened                                          delivered, open
    click            0          1             opened, clicked                                 delivered, open, click
    unsubscribe      0          1             opened, unsubscribed                            delivered, open, unsubscribe
    spam_complaint   0          1             complained                                      delivered, spamreport

A bounce is hard when its SMTP reply is permanent (5xx), soft when transient (4xx).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

OUTCOMES = (
    "hard_bounce",
    "soft_bounce",
    "dropped",
    "deferred",
    "rejected",
    "open",
    "click",
    "unsubscribe",
    "spam_complaint",
)

HARD_BOUNCE_REPLY = "551 5.1.1 recipient is not exist"
SOFT_BOUNCE_REPLY = "452 4.2.2 mailbox is full"
DROPPED_REASON = "dropped: the recipient address is unroutable"
DEFERRED_REPLY = "421 4.7.0 the recipient server deferred the message; try again later"
REJECTED_REPLY = "554 5.7.1 the message was rejected by the recipient domain"

# eventid per event (reference §7.3)
EVENT_IDS = {
    "delivered": 1,
    "dropped": 2,
    "bounce": 3,
    "open": 4,
    "click": 5,
    "spamreport": 6,
    "unsubscribe": 7,
    "deferred": 8,
}
USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0"


def validate_pattern(pattern: str) -> str:
    """A rule pattern: a glob on the whole address, 1–320 printable characters without spaces."""
    p = (pattern or "").strip()
    if not p or len(p) > 320 or not p.isprintable() or " " in p:
        raise ValueError(
            "pattern must be 1-320 printable characters without spaces, e.g. *@bounce.example.com"
        )
    return p


def matches(pattern: str, address: str) -> bool:
    """Case-insensitive glob over the whole recipient address (`*`, `?`, `[...]`)."""
    return fnmatch.fnmatchcase(address.lower(), pattern.lower())


def first_outcome(rules: list[tuple[str, str]], address: str) -> str | None:
    """The outcome of the first rule (in creation order) whose pattern matches, else None."""
    for pattern, outcome in rules:
        if matches(pattern, address):
            return outcome
    return None


def columns_for(outcome: str, at_us: int) -> dict[str, Any]:
    """Every status column of message_recipients for a recipient with this outcome ("delivered" for
    none). Always the full set: rows are inserted with one executemany, which takes its columns from
    the first row."""
    delivered: dict[str, Any] = {
        "send_status": 0,
        "deliver_status": 1,
        "deliver_us": at_us,
        "deliver_message": "",
        "opened": False,
        "clicked": False,
        "unsubscribed": False,
        "complained": False,
    }
    table: dict[str, dict[str, Any]] = {
        "delivered": {},
        "hard_bounce": {"deliver_status": 3, "deliver_message": HARD_BOUNCE_REPLY},
        "soft_bounce": {"deliver_status": 3, "deliver_message": SOFT_BOUNCE_REPLY},
        "dropped": {"deliver_status": 2, "deliver_message": DROPPED_REASON},
        "deferred": {"deliver_status": 8, "deliver_message": DEFERRED_REPLY, "deliver_us": None},
        "rejected": {"send_status": 1008, "deliver_status": 3, "deliver_message": REJECTED_REPLY},
        "open": {"opened": True},
        "click": {"opened": True, "clicked": True},
        "unsubscribe": {"opened": True, "unsubscribed": True},
        "spam_complaint": {"complained": True},
    }
    if outcome not in table:
        raise ValueError(f"unknown outcome {outcome!r}")
    return {**delivered, **table[outcome]}


@dataclass(frozen=True)
class Event:
    event: str
    reason: str = ""
    bounce_type: str | None = None


def events_of(
    send_status: int, deliver_status: int, deliver_message: str, flags: dict[str, bool]
) -> list[Event]:
    """The callback events, in order, of one recipient's stored status."""
    msg = deliver_message or ""
    if send_status != 0:
        return [Event("dropped", msg)]
    if deliver_status == 2:
        return [Event("dropped", msg)]
    if deliver_status == 3:
        return [Event("bounce", msg, "hard_bounce" if msg.startswith("5") else "soft_bounce")]
    if deliver_status == 8:
        return [Event("deferred", msg)]
    if deliver_status != 1:
        return []
    out = [Event("delivered")]
    if flags.get("opened"):
        out.append(Event("open"))
    if flags.get("clicked"):
        out.append(Event("click"))
    if flags.get("unsubscribed"):
        out.append(Event("unsubscribe"))
    if flags.get("complained"):
        out.append(Event("spamreport"))
    return out


def payload(
    ev: Event,
    *,
    email: str,
    bulk_id: str,
    timestamp: int,
    app_id: str,
    mail_from: str,
    template_id: int | None,
    subject: str,
    message_id_header: str,
    task_id: int | None = None,
    link: str | None = None,
) -> dict[str, Any]:
    """The JSON body Tencent POSTs for one event (field names and values as documented)."""
    body: dict[str, Any] = {
        "event": ev.event,
        "email": email,
        "bulkId": bulk_id,
        "timestamp": timestamp,
        "reason": ev.reason,
        "username": app_id,
        "from": mail_from,
        "fromDomain": mail_from.rpartition("@")[2],
        "templateId": template_id or 0,
        "subject": subject,
        "messageId": message_id_header,
        "sentTimestamp": timestamp,
        "eventid": EVENT_IDS[ev.event],
    }
    if ev.bounce_type:
        body["bounceType"] = ev.bounce_type
    if ev.event in ("open", "click"):
        body["useragent"] = USER_AGENT
    if ev.event == "click":
        body["link"] = link or ""
    if task_id is not None:
        body["taskId"] = task_id
    return body
