"""Billing design (behaviour §3, §5, §6).

Scheduled events run on each account's clock, in time order, exactly once:
  * daily settlement at 00:00 UTC+8: the previous day's paid units become a usage bill (units × price);
  * monthly dedicated-IP billing at 08:00 UTC+8 on the 1st, for the previous month.
Every bill is keyed (account, kind, period) — the database refuses a second one — and is deducted
all-or-nothing from the balance. A bill that cannot be paid stays unpaid and suspends the account;
a top-up pays unpaid bills strictly oldest first, each in full, and the account resumes when none is
left. Zero bills are recorded (and count as paid) but never suspend. The balance is always the sum of
the ledger: +top-ups, −charges (paid at issue), −settlements (paid later), ±adjustments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from emulator.domain.clock import BEIJING, from_datetime, to_datetime

USAGE = "usage"
DEDICATED_IP = "dedicated_ip"


@dataclass(frozen=True, order=True)
class Event:
    at_us: int
    kind: str  # USAGE | DEDICATED_IP
    period: str  # YYYY-MM-DD for usage, YYYY-MM for dedicated IPs


def _local(us: int) -> datetime:
    return to_datetime(us).astimezone(BEIJING)


def daily_settlements(after_us: int, until_us: int) -> list[Event]:
    """Every 00:00 UTC+8 in (after, until], each settling the day before it."""
    return list(_daily_settlements(after_us, until_us))


_DAY_US = 86_400_000_000


@lru_cache(maxsize=64)
def _daily_settlements(after_us: int, until_us: int) -> tuple[Event, ...]:
    """UTC+8 has no daylight saving: the midnights are whole days apart, so each is an addition, not a
    time-zone conversion. Cached: a global move asks every account of a batch for the same window (a
    year of them is 365 events per account otherwise)."""
    local = _local(after_us)
    day = date(local.year, local.month, local.day)
    at = from_datetime(datetime(day.year, day.month, day.day, tzinfo=BEIJING)) + _DAY_US
    out: list[Event] = []
    while at <= until_us:
        out.append(Event(at, USAGE, day.isoformat()))
        at += _DAY_US
        day += _ONE_DAY
    return tuple(out)


_ONE_DAY = timedelta(days=1)


def monthly_ip_billings(after_us: int, until_us: int) -> list[Event]:
    """Every 1st 08:00 UTC+8 in (after, until], each billing the month before it."""
    out: list[Event] = []
    local = _local(after_us)
    year, month = local.year, local.month
    while True:
        at_dt = datetime(year, month, 1, 8, tzinfo=BEIJING)
        at = from_datetime(at_dt)
        if at > until_us:
            return out
        if at > after_us:
            prev = at_dt - timedelta(days=1)
            out.append(Event(at, DEDICATED_IP, prev.strftime("%Y-%m")))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def due_events(after_us: int, until_us: int) -> list[Event]:
    """All billing events in (after, until], in time order."""
    if until_us <= after_us:
        return []
    return sorted(daily_settlements(after_us, until_us) + monthly_ip_billings(after_us, until_us))


UTC8_US = int(BEIJING.utcoffset(None).total_seconds()) * 1_000_000  # a fixed offset: no daylight saving
WAKE_HOUR_US = 8 * 3_600_000_000  # 08:00, the hour of a 1st's dedicated-IP bill


def billing_floor(after_us: int) -> int:
    """The first 00:00 or 08:00 UTC+8 of any day strictly after this instant: never later than
    `next_billing_event` (a midnight or a 1st 08:00), and plain integer arithmetic, so storage works it
    out in SQL for every account at once and the scheduler checks in Python only the accounts past it."""
    day_start = (after_us + UTC8_US) // _DAY_US * _DAY_US - UTC8_US
    wake = day_start + WAKE_HOUR_US
    return wake if after_us < wake else day_start + _DAY_US


def next_billing_event(after_us: int) -> int:
    """The first billing event strictly after this instant (always a midnight or a 1st 08:00)."""
    local = _local(after_us)
    midnight = from_datetime(datetime(local.year, local.month, local.day, tzinfo=BEIJING) + timedelta(days=1))
    first_0800 = from_datetime(datetime(local.year, local.month, 1, 8, tzinfo=BEIJING))
    if first_0800 <= after_us:
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        first_0800 = from_datetime(datetime(year, month, 1, 8, tzinfo=BEIJING))
    return min(midnight, first_0800)


@lru_cache(maxsize=4096)
def usage_settled_at(day: str) -> int:
    """When the usage of UTC+8 day `day` (YYYY-MM-DD) is settled: the next 00:00 UTC+8."""
    year, month, dom = (int(x) for x in day.split("-"))
    return from_datetime(datetime(year, month, dom, tzinfo=BEIJING) + timedelta(days=1))


def usage_amount(paid_units: int, price_micro: int) -> int:
    return paid_units * price_micro


def can_deduct(balance_micro: int, amount_micro: int, older_unpaid: bool) -> bool:
    """All-or-nothing, and never ahead of an older unpaid bill."""
    return amount_micro == 0 or (not older_unpaid and balance_micro >= amount_micro)
