"""Months, days and times in Billing API parameters (the account's clock, UTC+8), and the rules on them:
the same-month rule, the longest ranges, and which months have a summary yet."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from emulator.domain.clock import BEIJING, from_datetime, to_datetime
from emulator.errors import (
    FailedOperationSummaryDataNotReady,
    InvalidParameter,
    InvalidParameterInvalidParameter,
)

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$")


def _bad(name: str, value: str, form: str) -> InvalidParameter:
    return InvalidParameter(f"The parameter `{name}` must be {form} (UTC+8), got `{value}`.")


def parse_time(value: str, name: str) -> int:
    """'yyyy-MM-dd HH:mm:ss' (UTC+8) -> account time in microseconds."""
    m = _TIME.match(value.strip())
    try:
        if m is None:
            raise ValueError
        year, month, day, hour, minute, second = (int(g) for g in m.groups())
        return from_datetime(datetime(year, month, day, hour, minute, second, tzinfo=BEIJING))
    except ValueError:
        raise _bad(name, value, "yyyy-MM-dd HH:mm:ss") from None


def parse_day(value: str, name: str) -> date:
    m = _DAY.match(value.strip())
    try:
        if m is None:
            raise ValueError
        return date(*(int(g) for g in m.groups()))
    except ValueError:
        raise _bad(name, value, "yyyy-MM-dd") from None


def parse_month(value: str, name: str, *, lenient: bool = False) -> str:
    """'yyyy-mm' -> 'YYYY-MM'; `lenient` also takes a day or a time and keeps its month."""
    text = value.strip()
    m = _MONTH.match(text)
    if m is not None and 1 <= int(m[2]) <= 12:
        return text
    if lenient:
        if _TIME.match(text):
            return month_of(parse_time(text, name))
        if _DAY.match(text):
            return parse_day(text, name).strftime("%Y-%m")
    raise _bad(name, value, "yyyy-mm")


def month_of(us: int) -> str:
    return to_datetime(us).astimezone(BEIJING).strftime("%Y-%m")


def month_bounds(month: str) -> tuple[int, int]:
    """[first instant, first instant of the next month) of a month, account time."""
    year, mon = (int(x) for x in month.split("-"))
    start = datetime(year, mon, 1, tzinfo=BEIJING)
    nxt = (
        datetime(year + 1, 1, 1, tzinfo=BEIJING) if mon == 12 else datetime(year, mon + 1, 1, tzinfo=BEIJING)
    )
    return from_datetime(start), from_datetime(nxt)


def add_months(us: int, months: int) -> int:
    """The same wall time `months` later (the day clipped to the month's last day)."""
    dt = to_datetime(us).astimezone(BEIJING)
    index = dt.year * 12 + dt.month - 1 + months
    year, mon = divmod(index, 12)
    first_next = date(year + (mon + 1) // 12, (mon + 1) % 12 + 1, 1)
    last_day = (first_next - timedelta(days=1)).day
    return from_datetime(dt.replace(year=year, month=mon + 1, day=min(dt.day, last_day)))


def require_same_month(begin: str, end: str) -> str:
    """The real API answers one whole month: BeginTime and EndTime must fall in the same one."""
    if begin != end:
        raise InvalidParameterInvalidParameter(
            f"BeginTime ({begin}) and EndTime ({end}) must be in the same month: queries across months "
            "are not supported, and the answer covers that whole month."
        )
    return begin


def require_ready(month: str, now_us: int) -> None:
    """A month after the account's clock has no bill summary yet (the real API: data not ready)."""
    current = month_of(now_us)
    if month > current:
        raise FailedOperationSummaryDataNotReady(
            f"The bill summary of {month} is not ready: the account's clock is still in {current}."
        )
