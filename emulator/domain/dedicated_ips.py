"""Dedicated (independent) IPs, behaviour §6.

Design: a shared inventory of pre-heated IPs (documentation range 203.0.113.0/24, then 198.18.0.0/15).
An account may apply for at most 3 IPs per UTC+8 calendar month (applications are counted, not live
IPs). Stock fills an application at once (enabled that moment); otherwise it is pending until a ready
time 14–28 days ahead, deterministic from a seed, and is enabled when the account's clock reaches it.
Billing at 08:00 UTC+8 on the 1st charges each IP 120 USD × days used / days in the previous month,
rounded half-up to the cent; a day counts when the IP was enabled at any moment of it.
"""

from __future__ import annotations

import calendar
import hashlib
import ipaddress
import itertools
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from emulator.domain.clock import BEIJING, from_datetime, to_datetime
from emulator.domain.money import ratio_to_cent_half_up

MAX_APPLICATIONS_PER_MONTH = 3
LEAD_MIN_DAYS, LEAD_MAX_DAYS = 14, 28
DAY_US = 86_400 * 1_000_000


def month_of(us: int) -> str:
    return to_datetime(us).astimezone(BEIJING).strftime("%Y-%m")


def next_month_start(us: int) -> int:
    local = to_datetime(us).astimezone(BEIJING)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return from_datetime(datetime(year, month, 1, tzinfo=BEIJING))


def lead_time_us(seed: str, account_id: int, application_no: int) -> int:
    """Deterministic 14–28 days (whole days) from the seed, account and application number."""
    digest = hashlib.sha256(f"{seed}:{account_id}:{application_no}".encode()).digest()
    days = LEAD_MIN_DAYS + int.from_bytes(digest[:4], "big") % (LEAD_MAX_DAYS - LEAD_MIN_DAYS + 1)
    return days * DAY_US


def stock_addresses(count: int, skip: int = 0) -> list[str]:
    """Documentation-range addresses for the inventory: 203.0.113.1–254, then 198.18.0.0/15."""
    # lazily: listing all 131,000 addresses cost 0.6 s at every start on a new database
    hosts = itertools.chain(
        ipaddress.ip_network("203.0.113.0/24").hosts(), ipaddress.ip_network("198.18.0.0/15").hosts()
    )
    return [str(ip) for ip in itertools.islice(hosts, skip, skip + count)]


def days_in_month(period: str) -> int:
    year, month = (int(x) for x in period.split("-"))
    return calendar.monthrange(year, month)[1]


def days_used(intervals: Iterable[tuple[int, int | None]], period: str) -> int:
    """Distinct UTC+8 days of the month `period` (YYYY-MM) touched by any enabled interval
    [start, end) — end None means still enabled."""
    year, month = (int(x) for x in period.split("-"))
    first = datetime(year, month, 1, tzinfo=BEIJING)
    n = days_in_month(period)
    used: set[int] = set()
    for start_us, end_us in intervals:
        for d in range(n):
            day_start = from_datetime(first + timedelta(days=d))
            day_end = day_start + DAY_US
            if start_us < day_end and (end_us is None or end_us > day_start):
                used.add(d)
    return len(used)


def ip_month_charge(month_price_micro: int, used: int, period: str) -> int:
    """120 USD × used / days in month, rounded half-up to the cent (integers only)."""
    return ratio_to_cent_half_up(month_price_micro, used, days_in_month(period))


def month_bill(
    intervals: Iterable[tuple[int, int, int | None]],
    names: dict[int, str | None],
    period: str,
    month_price_micro: int,
) -> tuple[int, int, int, dict[str, Any]] | None:
    """The DEDICATED_IP bill of month `period` from the account's enabled intervals
    [(dedicated ip id, start, end)]: (days used in all, unit price, amount, detail), or None when no IP
    was enabled in it. Each IP is charged on its own (rounded per IP), in IP id order."""
    by_ip: dict[int, list[tuple[int, int | None]]] = {}
    for ip_id, start_us, end_us in intervals:
        by_ip.setdefault(ip_id, []).append((start_us, end_us))
    detail: dict[str, Any] = {"days_in_month": days_in_month(period), "ips": []}
    total_days = total = 0
    for ip_id, spans in sorted(by_ip.items()):
        used = days_used(spans, period)
        if used:
            amount = ip_month_charge(month_price_micro, used, period)
            detail["ips"].append({"ip": names.get(ip_id), "days_used": used, "amount_micro": amount})
            total_days += used
            total += amount
    if not detail["ips"]:
        return None
    return total_days, month_price_micro, total, detail
