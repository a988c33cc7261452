"""The captured-mail record (behaviour §7) and the identifiers it carries."""

from __future__ import annotations

import functools
import hashlib
import re
import string
from dataclasses import dataclass, field

from emulator.domain.clock import BEIJING, to_datetime
from emulator.domain.unique import unique_text

_ALNUM = string.ascii_letters + string.digits

SHARED_POOL = [f"198.51.100.{n}" for n in range(10, 26)]  # TEST-NET-2: the shared sending pool


# what new_message_id makes, wherever it appears in text (snapshots give imported mail new ids)
MESSAGE_ID = re.compile(r"qcloudses-30-[A-Za-z0-9]+-date-[0-9]{14}-[A-Za-z0-9]{13}")


def new_message_id(app_id: str, account_time_us: int) -> str:
    """qcloudses-30-<appId>-date-<yyyyMMddHHmmss in UTC+8>-<13 alphanumerics>, like the real ones."""
    stamp = _stamp(account_time_us // 1_000_000)
    tail = unique_text(_ALNUM, 13)  # unique, not secret: it is shown to everyone who sees the mail
    return f"qcloudses-30-{app_id}-date-{stamp}-{tail}"


@functools.lru_cache(maxsize=64)
def _stamp(second: int) -> str:
    """yyyyMMddHHmmss in UTC+8; many messages share a second."""
    return to_datetime(second * 1_000_000).astimezone(BEIJING).strftime("%Y%m%d%H%M%S")


def pick_ip(dedicated: list[str], message_id: str) -> str:
    """One of the account's enabled dedicated IPs, else the shared pool; stable per message."""
    pool = dedicated or SHARED_POOL
    digest = hashlib.blake2b(message_id.encode(), digest_size=2).digest()
    return pool[int.from_bytes(digest, "big") % len(pool)]


@dataclass
class OutgoingMessage:
    """One accepted message, ready to be metered and stored in one transaction."""

    source: str  # "smtp" | "api"
    mail_from: str
    recipients: list[str]  # distinct envelope recipients: one billable unit each
    raw: bytes
    subject: str = ""
    header_from: str = ""
    header_to: str = ""
    search_text: str = ""
    template_id: int | None = None
    message_id: str | None = None  # assigned at store time unless given
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MailFilter:
    """A mailbox search (admin API, web UI, `wait`): substrings of recipients, sender, subject and text,
    an account-time window and the source; None matches everything."""

    to: str | None = None
    sender: str | None = None
    subject: str | None = None
    text: str | None = None
    since_us: int | None = None
    until_us: int | None = None
    source: str | None = None
