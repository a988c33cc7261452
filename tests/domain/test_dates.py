"""Tencent's date strings (reference: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS`), always UTC+8."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.domain.clock import from_datetime
from emulator.domain.dates import DAY_US, check_status_day, days_between, fmt_time, parse_day, parse_time
from emulator.errors import FailedOperationNotSupportDate, InvalidParameterValueWrongDate


def test_day_us() -> None:
    assert DAY_US == 86_400 * 1_000_000


def test_fmt_time_shows_beijing_time() -> None:
    # 16:00:00 UTC on 5 Jan = 00:00:00 on 6 Jan in UTC+8
    assert fmt_time(from_datetime(datetime(2031, 1, 5, 16, tzinfo=UTC))) == "2031-01-06 00:00:00"
    assert (
        fmt_time(from_datetime(datetime(2031, 1, 5, 15, 59, 59, 999_999, tzinfo=UTC)))
        == "2031-01-05 23:59:59"
    )


def test_parse_day_is_midnight_utc_plus_8() -> None:
    assert parse_day("2031-01-06") == from_datetime(datetime(2031, 1, 5, 16, tzinfo=UTC))
    assert parse_day(" 2031-01-06 ") == parse_day("2031-01-06")
    assert parse_day("2031-01-07") - parse_day("2031-01-06") == DAY_US


@pytest.mark.parametrize(
    "bad", ["2031-1-6", "2031/01/06", "2031-02-30", "06-01-2031", "", "2031-01-06 00:00:00", None, 20310106]
)
def test_parse_day_refuses_malformed(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_day(bad)  # type: ignore[arg-type]


def test_parse_time_worked_example() -> None:
    assert parse_time("2031-01-06 08:00:00") == from_datetime(datetime(2031, 1, 6, 0, tzinfo=UTC))


@pytest.mark.parametrize("bad", ["2031-01-06", "2031-01-06T08:00:00", "2031-01-06 25:00:00", None])
def test_parse_time_refuses_malformed(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_time(bad)  # type: ignore[arg-type]


def test_days_between_crosses_month_ends_and_leap_days() -> None:
    assert days_between("2031-02-27", "2031-03-02") == [
        "2031-02-27",
        "2031-02-28",
        "2031-03-01",
        "2031-03-02",
    ]
    assert days_between("2032-02-28", "2032-03-01") == ["2032-02-28", "2032-02-29", "2032-03-01"]
    assert days_between("2031-12-31", "2032-01-01") == ["2031-12-31", "2032-01-01"]
    assert days_between("2031-05-05", "2031-05-05") == ["2031-05-05"]
    assert days_between("2031-05-06", "2031-05-05") == []


seconds = st.integers(min_value=0, max_value=4_000_000_000)


@given(seconds)
def test_fmt_and_parse_time_round_trip_to_the_second(s: int) -> None:
    assert parse_time(fmt_time(s * 1_000_000)) == s * 1_000_000


@given(seconds)
def test_parse_day_of_an_instants_day_is_at_or_before_it_and_less_than_a_day_away(s: int) -> None:
    us = s * 1_000_000
    start = parse_day(fmt_time(us)[:10])
    assert start <= us < start + DAY_US


@given(
    st.dates(min_value=datetime(2000, 1, 1).date(), max_value=datetime(2099, 1, 1).date()),
    st.integers(0, 800),
)
def test_days_between_lists_consecutive_days(first: object, n: int) -> None:
    start = datetime.combine(first, datetime.min.time())  # type: ignore[call-overload]
    last = start + timedelta(days=n)
    days = days_between(start.strftime("%Y-%m-%d"), last.strftime("%Y-%m-%d"))
    assert len(days) == n + 1
    assert all(parse_day(b) - parse_day(a) == DAY_US for a, b in zip(days, days[1:], strict=False))


@pytest.mark.parametrize("day", ["2026-12-06", "2026-09-07", "2026-11-30"])
def test_status_days_from_90_days_ago_to_today_are_answered(day: str) -> None:
    check_status_day(day, "2026-12-06")  # 2026-09-07 is exactly 90 days before 2026-12-06


@pytest.mark.parametrize("day", ["2026-12-07", "2026-09-06", "2025-12-06"])
def test_status_days_outside_the_window_are_refused(day: str) -> None:
    with pytest.raises(FailedOperationNotSupportDate):
        check_status_day(day, "2026-12-06")


@pytest.mark.parametrize("day", ["2026/12/06", "yesterday", "", "2026-13-01"])
def test_a_malformed_status_day_is_refused_first(day: str) -> None:
    with pytest.raises(InvalidParameterValueWrongDate):
        check_status_day(day, "2026-12-06")
