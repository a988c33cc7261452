"""Dedicated-IP proration as worked examples, plus properties (behaviour §6)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from emulator.domain.clock import BEIJING, from_datetime
from emulator.domain.dedicated_ips import days_in_month, days_used, ip_month_charge, lead_time_us

PRICE = 120_000_000


def t(y: int, m: int, d: int, h: int = 12) -> int:
    return from_datetime(datetime(y, m, d, h, tzinfo=BEIJING))


def test_enabled_10_jan_bills_22_of_31() -> None:
    used = days_used([(t(2031, 1, 10), None)], "2031-01")
    assert used == 22
    assert ip_month_charge(PRICE, used, "2031-01") == 85_160_000  # 85.16 USD


def test_disabled_15_feb_bills_15_of_28() -> None:
    used = days_used([(t(2031, 1, 10), t(2031, 2, 15))], "2031-02")
    assert used == 15
    assert ip_month_charge(PRICE, used, "2031-02") == 64_290_000  # 120 × 15/28 = 64.2857 → 64.29


def test_month_lengths() -> None:
    assert [days_in_month(p) for p in ("2031-02", "2028-02", "2031-04", "2031-01")] == [28, 29, 30, 31]
    assert ip_month_charge(PRICE, 1, "2028-02") == 4_140_000  # 120/29 = 4.1379 → 4.14
    assert ip_month_charge(PRICE, 1, "2031-04") == 4_000_000
    assert ip_month_charge(PRICE, 30, "2031-04") == PRICE


def test_enable_disable_enable_in_one_month_counts_each_day_once() -> None:
    spans = [(t(2031, 4, 3), t(2031, 4, 5)), (t(2031, 4, 5, 20), t(2031, 4, 6)), (t(2031, 4, 20), None)]
    # {3,4,5} ∪ {5,6} = 4 days (the 5th counted once) + 20..30 = 11 days
    assert days_used(spans, "2031-04") == 15


def test_day_boundary_is_utc_plus_8() -> None:
    # enabled at 23:30 UTC on 31 Jan = 07:30 on 1 Feb in Beijing: nothing in January
    start = from_datetime(datetime(2031, 1, 31, 23, 30, tzinfo=UTC))
    assert days_used([(start, None)], "2031-01") == 0
    assert days_used([(start, None)], "2031-02") == 28


def test_lead_time_is_deterministic_and_in_range() -> None:
    values = {lead_time_us("seed", 7, n) for n in range(1, 50)}
    assert all(14 * 86_400_000_000 <= v <= 28 * 86_400_000_000 for v in values)
    assert lead_time_us("seed", 7, 1) == lead_time_us("seed", 7, 1)
    assert len(values) > 3


@given(st.sampled_from(["2031-01", "2031-02", "2028-02", "2031-04"]), st.integers(0, 31))
def test_never_above_a_month_and_exact_cents(period: str, used: int) -> None:
    used = min(used, days_in_month(period))
    amount = ip_month_charge(PRICE, used, period)
    assert 0 <= amount <= PRICE and amount % 10_000 == 0
    exact_times_denominator = PRICE * used
    # half-up rounding: |amount − exact| ≤ half a cent
    assert abs(amount * days_in_month(period) - exact_times_denominator) * 2 <= 10_000 * days_in_month(period)


def test_next_billing_event_is_the_earliest_of_midnight_and_the_1st_0800() -> None:
    from emulator.domain.billing import due_events, next_billing_event

    for start in (
        t(2031, 1, 31, 12),
        t(2031, 2, 1, 3),
        t(2031, 2, 1, 9),
        t(2031, 12, 31, 23),
        t(2031, 12, 1, 8),
    ):
        assert next_billing_event(start) == due_events(start, start + 40 * 86_400_000_000)[0].at_us
