"""Dedicated-IP rules besides the charge itself (that is test_dedicated_ip_proration.py): UTC+8
calendar months for the 3-a-month limit, the 14–28 day lead time, the documentation-range stock and
the day count behind proration."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from emulator.domain.clock import BEIJING, from_datetime
from emulator.domain.dedicated_ips import (
    DAY_US,
    LEAD_MAX_DAYS,
    LEAD_MIN_DAYS,
    MAX_APPLICATIONS_PER_MONTH,
    days_in_month,
    days_used,
    ip_month_charge,
    lead_time_us,
    month_of,
    next_month_start,
    stock_addresses,
)

PRICE = 120_000_000


def bj(y: int, m: int, d: int, h: int = 0) -> int:
    return from_datetime(datetime(y, m, d, h, tzinfo=BEIJING))


def test_contract_constants() -> None:
    assert MAX_APPLICATIONS_PER_MONTH == 3
    assert (LEAD_MIN_DAYS, LEAD_MAX_DAYS) == (14, 28)


def test_the_month_is_the_utc_plus_8_month() -> None:
    # 16:30 UTC on 31 Jan is 00:30 on 1 Feb in Beijing: a February application
    assert month_of(from_datetime(datetime(2031, 1, 31, 16, 30, tzinfo=UTC))) == "2031-02"
    assert month_of(from_datetime(datetime(2031, 1, 31, 15, 59, tzinfo=UTC))) == "2031-01"


def test_next_month_start_is_local_midnight_on_the_1st() -> None:
    assert next_month_start(bj(2031, 1, 15)) == bj(2031, 2, 1)
    assert next_month_start(bj(2031, 12, 31, 23)) == bj(2032, 1, 1)
    assert next_month_start(bj(2031, 2, 1)) == bj(2031, 3, 1)  # the start itself is in February


def test_stock_starts_in_203_0_113_and_continues_in_198_18() -> None:
    assert stock_addresses(3) == ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
    assert stock_addresses(2, skip=253) == ["203.0.113.254", "198.18.0.1"]
    assert len(set(stock_addresses(600))) == 600


def test_a_whole_month_enabled_is_the_full_price() -> None:
    # enabled since December and still on: every one of February's 28 days counts
    assert days_used([(bj(2030, 12, 3), None)], "2031-02") == 28
    assert ip_month_charge(PRICE, 28, "2031-02") == PRICE


def test_enabled_and_disabled_on_the_same_day_counts_that_day() -> None:
    # on for one minute on 10 Apr: 1 day of 30 → 120 × 1/30 = 4.00 USD
    start = bj(2031, 4, 10, 9)
    assert days_used([(start, start + 60_000_000)], "2031-04") == 1
    assert ip_month_charge(PRICE, 1, "2031-04") == 4_000_000


def test_disabled_exactly_at_midnight_does_not_count_the_next_day() -> None:
    # [1 Apr 12:00, 3 Apr 00:00): 1 and 2 April only (the interval is open at its end)
    assert days_used([(bj(2031, 4, 1, 12), bj(2031, 4, 3))], "2031-04") == 2


def test_intervals_outside_the_month_count_nothing() -> None:
    assert days_used([(bj(2031, 3, 1), bj(2031, 3, 20))], "2031-04") == 0
    assert days_used([(bj(2031, 5, 1), None)], "2031-04") == 0


@given(st.text(max_size=20), st.integers(1, 10**6), st.integers(1, 10**4))
def test_lead_time_is_whole_days_between_14_and_28(seed: str, account: int, n: int) -> None:
    lead = lead_time_us(seed, account, n)
    assert lead % DAY_US == 0
    assert LEAD_MIN_DAYS * DAY_US <= lead <= LEAD_MAX_DAYS * DAY_US
    assert lead == lead_time_us(seed, account, n)


def test_lead_times_cover_the_whole_range() -> None:
    seen = {lead_time_us("ses-emulator", 1, n) // DAY_US for n in range(1, 400)}
    assert seen == set(range(14, 29))


PERIODS = ["2031-01", "2031-02", "2032-02", "2031-04", "2031-12"]


@st.composite
def spans(draw: st.DrawFn) -> tuple[str, list[tuple[int, int | None]]]:
    period = draw(st.sampled_from(PERIODS))
    y, m = (int(x) for x in period.split("-"))
    lo, hi = bj(y, m, 1) - 3 * DAY_US, bj(y, m, 1) + 34 * DAY_US
    out: list[tuple[int, int | None]] = []
    for _ in range(draw(st.integers(0, 4))):
        a = draw(st.integers(lo, hi))
        b = draw(st.none() | st.integers(a + 1, hi + DAY_US))
        out.append((a, b))
    return period, out


def brute_days(intervals: list[tuple[int, int | None]], period: str) -> int:
    y, m = (int(x) for x in period.split("-"))
    first = bj(y, m, 1)
    return sum(
        any(s < first + (d + 1) * DAY_US and (e is None or e > first + d * DAY_US) for s, e in intervals)
        for d in range(days_in_month(period))
    )


@given(spans())
def test_days_used_is_the_days_touched_never_more_than_the_month(
    case: tuple[str, list[tuple[int, int | None]]],
) -> None:
    period, intervals = case
    used = days_used(intervals, period)
    assert used == brute_days(intervals, period)
    assert 0 <= used <= days_in_month(period)
    assert 0 <= ip_month_charge(PRICE, used, period) <= PRICE


@given(spans(), st.integers(0, 10**6))
def test_splitting_an_interval_never_changes_the_days(
    case: tuple[str, list[tuple[int, int | None]]], cut: int
) -> None:
    # disabling and re-enabling at the same instant is the same use: no day gained or lost
    period, intervals = case
    split: list[tuple[int, int | None]] = []
    for s, e in intervals:
        end = e if e is not None else s + 40 * DAY_US
        mid = s + cut % max(end - s, 1)
        split += [(s, mid), (mid, e)] if s < mid else [(s, e)]
    assert days_used(split, period) == days_used(intervals, period)
