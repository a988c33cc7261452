"""Sender-domain reputation (reference §7.2): a level 1–20 per sender domain, each with a daily cap
(`limits.REPUTATION_DAILY_CAP`); a new verified domain is level 1 (500 a day).

Design overview
---------------
* **One evaluation per domain per day, at the day boundary.** At 00:00 UTC+8 of the account's clock
  (the instant daily settlement runs) every domain that sent on the day just ended is evaluated from
  that day's sends and their outcomes; the verdict moves the level by at most one step, and the new
  level applies from that instant, i.e. for the whole next day. A day without sends is not evaluated
  (no rule can fire on zero sends), so the level stays.
* **"Upgrades take effect immediately, downgrades next day"** (Tencent's text) maps onto the boundary
  like this: an upgrade earned on day *d* applies the moment day *d* ends (00:00 of *d+1*), with no
  further delay; a downgrade earned on day *d* applies from the same instant, which is "the next day".
  The emulator never upgrades in the middle of a day: a mid-day upgrade would let a domain send more on
  day *d* than its level's cap, so code tested here could rely on more than production may give.
* **Same-day block**: once a day's sends from a domain exceed 300 with invalid > 11 % or spam bounces
  > 15 %, every further send from that domain is refused for the rest of that UTC+8 day
  (`FailedOperation.HighRejectionRate`). The block is a pure function of the day's stored sends, so it
  needs no state and ends by itself at 00:00; the boundary evaluation then downgrades (the block
  thresholds are above the downgrade ones).
* **Precedence**: when a day meets both a downgrade and an upgrade rule (possible through the opens
  rule: delivered 90–91 % with invalid 9–10 %), the downgrade wins.

Outcome mapping
---------------
Every ratio has the same denominator, the day's *sends*: recipients of stored mail from the domain
(refused sends are never stored, so never counted). A recipient's stored status columns (what
`domain.outcomes.columns_for` writes for a fault rule's outcome, reference §5.4) count as:

    fault outcome    SendStatus DeliverStatus  counts as
    (none)/open/...  0          1              delivered (open/click/unsubscribe also: opened)
    spam_complaint   0          1              delivered + complaint
    hard_bounce      0          3, 5xx reply   invalid (the address does not exist)
    dropped          0          2              invalid (the address is unroutable)
    rejected         1008       3              spam bounce (554 5.7.1, refused by the recipient domain)
    soft_bounce      0          3, 4xx reply   not delivered, nothing else (mailbox full)
    deferred         0          8              not delivered, nothing else

Opens are modelled (fault outcomes `open`, `click`, `unsubscribe` set the opened flag), so the
second upgrade rule (delivered > 90 %, complaints < 0.1 %, opens > 50 %) is evaluated too. All
comparisons are exact integer arithmetic (no floats): "invalid < 5 %" is `100·invalid < 5·sends`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from emulator.domain.limits import NEW_DOMAIN_LEVEL, REPUTATION_DAILY_CAP, domain_cap

MIN_LEVEL = 1
MAX_LEVEL = 20
BLOCK_MIN_SENDS = 300  # "sends > 300" for both the downgrade and the same-day block
UPGRADE, DOWNGRADE, HOLD = "upgrade", "downgrade", "hold"

__all__ = [
    "BLOCK_MIN_SENDS",
    "DOWNGRADE",
    "HOLD",
    "MAX_LEVEL",
    "MIN_LEVEL",
    "NEW_DOMAIN_LEVEL",
    "REPUTATION_DAILY_CAP",
    "UPGRADE",
    "DayStats",
    "Verdict",
    "blocked",
    "category_counts",
    "daily_quota",
    "evaluate",
    "is_downgrade",
    "is_upgrade",
    "valid_level",
]


class DayStats(NamedTuple):
    """One domain's sends of one day and what became of them (see the mapping above)."""

    sends: int = 0
    delivered: int = 0
    invalid: int = 0
    spam_bounces: int = 0
    soft_bounces: int = 0
    deferred: int = 0
    complaints: int = 0
    opened: int = 0

    def __add__(self, other: object) -> DayStats:
        if not isinstance(other, DayStats):
            return NotImplemented
        return DayStats(*(a + b for a, b in zip(self, other, strict=True)))


def category_counts(columns: Mapping[str, Any], n: int = 1) -> DayStats:
    """What `n` recipients with these stored status columns add to a day's stats: the one place the
    outcome mapping lives (the SQL aggregation groups by these columns and calls this)."""
    send_status = int(columns.get("send_status") or 0)
    deliver_status = int(columns.get("deliver_status") or 0)
    reply = str(columns.get("deliver_message") or "")[:1]
    delivered = send_status == 0 and deliver_status == 1
    return DayStats(
        sends=n,
        delivered=n if delivered else 0,
        invalid=n
        if send_status == 0 and (deliver_status == 2 or (deliver_status == 3 and reply == "5"))
        else 0,
        spam_bounces=n if send_status == 1008 else 0,
        soft_bounces=n if send_status == 0 and deliver_status == 3 and reply != "5" else 0,
        deferred=n if send_status == 0 and deliver_status == 8 else 0,
        complaints=n if columns.get("complained") else 0,
        opened=n if columns.get("opened") else 0,
    )


def valid_level(level: object) -> int:
    """A level an admin may set: an integer 1..20 (ValueError otherwise)."""
    if isinstance(level, bool) or not isinstance(level, int) or not MIN_LEVEL <= level <= MAX_LEVEL:
        raise ValueError(f"level must be an integer from {MIN_LEVEL} to {MAX_LEVEL}")
    return level


def daily_quota(level: int) -> int:
    return domain_cap(level)


def is_upgrade(level: int, s: DayStats) -> bool:
    """Sends ≥ 70 % of the level's cap and (invalid < 5 %, delivered > 92 %, spam bounces < 2.5 %,
    complaints < 0.1 %) or (delivered > 90 %, complaints < 0.1 %, opens > 50 %)."""
    if s.sends == 0 or 10 * s.sends < 7 * domain_cap(level):
        return False
    n = s.sends
    few_complaints = 1000 * s.complaints < n
    clean = 100 * s.invalid < 5 * n and 100 * s.delivered > 92 * n and 1000 * s.spam_bounces < 25 * n
    engaged = 100 * s.delivered > 90 * n and 100 * s.opened > 50 * n
    return few_complaints and (clean or engaged)


def is_downgrade(s: DayStats) -> bool:
    """Sends > 300 and any of invalid > 9 %, delivered < 65 %, spam bounces > 5 %, complaints > 0.5 %."""
    n = s.sends
    if n <= BLOCK_MIN_SENDS:
        return False
    return (
        100 * s.invalid > 9 * n
        or 100 * s.delivered < 65 * n
        or 100 * s.spam_bounces > 5 * n
        or 1000 * s.complaints > 5 * n
    )


def blocked(s: DayStats) -> bool:
    """Same-day block: sends > 300 and (invalid > 11 % or spam bounces > 15 %)."""
    n = s.sends
    return n > BLOCK_MIN_SENDS and (100 * s.invalid > 11 * n or 100 * s.spam_bounces > 15 * n)


@dataclass(frozen=True)
class Verdict:
    level_before: int
    level_after: int
    verdict: str  # upgrade | downgrade | hold (the rule that fired; the level stays at 1 or 20)
    blocked: bool


def evaluate(level: int, s: DayStats) -> Verdict:
    """The boundary evaluation of one finished day: at most one step, downgrade before upgrade."""
    level = max(MIN_LEVEL, min(level, MAX_LEVEL))
    if is_downgrade(s):
        return Verdict(level, max(MIN_LEVEL, level - 1), DOWNGRADE, blocked(s))
    if is_upgrade(level, s):
        return Verdict(level, min(MAX_LEVEL, level + 1), UPGRADE, False)
    return Verdict(level, level, HOLD, False)
