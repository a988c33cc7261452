"""Tencent's date and time strings: `YYYY-MM-DD` days and `YYYY-MM-DD HH:MM:SS` times, in UTC+8."""

from __future__ import annotations

from datetime import datetime, timedelta

from emulator.domain.clock import BEIJING, from_datetime, to_datetime
from emulator.errors import FailedOperationNotSupportDate, InvalidParameterValueWrongDate

DAY_US = 86_400_000_000


def fmt_time(us: int) -> str:
    return to_datetime(us).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def parse_day(text: str) -> int:
    """00:00 UTC+8 of a `YYYY-MM-DD` day, in microseconds; ValueError if malformed."""
    if not isinstance(text, str) or len(text.strip()) != 10:
        raise ValueError(f"not a YYYY-MM-DD date: {text!r}")
    return from_datetime(datetime.strptime(text.strip(), "%Y-%m-%d").replace(tzinfo=BEIJING))


def parse_time(text: str) -> int:
    """A `YYYY-MM-DD HH:MM:SS` UTC+8 time in microseconds; ValueError if malformed."""
    if not isinstance(text, str):
        raise ValueError(f"not a YYYY-MM-DD HH:MM:SS time: {text!r}")
    return from_datetime(datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING))


def days_between(first: str, last: str) -> list[str]:
    """Every YYYY-MM-DD day from first to last inclusive."""
    start = datetime.strptime(first, "%Y-%m-%d")
    n = (datetime.strptime(last, "%Y-%m-%d") - start).days
    return [(start + timedelta(days=i)).strftime("%Y-%m-%d") for i in range(n + 1)]


STATUS_WINDOW_DAYS = 90


def check_status_day(day: str, today: str) -> None:
    """GetSendEmailStatus answers for a `RequestDate` from 90 days before today (UTC+8) up to today."""
    try:
        asked = datetime.strptime(day, "%Y-%m-%d")
    except ValueError:
        raise InvalidParameterValueWrongDate("RequestDate must be YYYY-MM-DD.") from None
    now = datetime.strptime(today, "%Y-%m-%d")
    if asked > now or asked < now - timedelta(days=STATUS_WINDOW_DAYS):
        raise FailedOperationNotSupportDate(f"RequestDate must be within the last {STATUS_WINDOW_DAYS} days.")
