"""The billing schedule (behaviour §2, §5, §6): settlement at every 00:00 UTC+8 for the day before,
dedicated-IP billing at 08:00 UTC+8 on every 1st for the month before, each event exactly once, and
the all-or-nothing deduction rule."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from emulator.domain.billing import (
    DEDICATED_IP,
    USAGE,
    Event,
    billing_floor,
    can_deduct,
    daily_settlements,
    due_events,
    monthly_ip_billings,
    next_billing_event,
    usage_amount,
)
from emulator.domain.clock import BEIJING, from_datetime

HOUR = 3_600_000_000
DAY = 24 * HOUR


def bj(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> int:
    return from_datetime(datetime(y, m, d, h, mi, tzinfo=BEIJING))


def test_three_midnights_settle_the_three_days_before_them() -> None:
    # (5 Jan 10:00, 8 Jan 00:00]: midnights of 6, 7 and 8 Jan; the end is included
    assert daily_settlements(bj(2031, 1, 5, 10), bj(2031, 1, 8)) == [
        Event(bj(2031, 1, 6), USAGE, "2031-01-05"),
        Event(bj(2031, 1, 7), USAGE, "2031-01-06"),
        Event(bj(2031, 1, 8), USAGE, "2031-01-07"),
    ]


def test_a_midnight_at_the_start_is_not_run_again() -> None:
    # (6 Jan 00:00, 6 Jan 23:59]: the 6 Jan midnight belongs to the previous window
    assert daily_settlements(bj(2031, 1, 6), bj(2031, 1, 6, 23, 59)) == []


def test_midnight_is_utc_plus_8_not_utc() -> None:
    # 00:00 UTC+8 on 6 Jan is 16:00 UTC on 5 Jan; 00:00 UTC on 6 Jan is 08:00 in Beijing
    midnight = from_datetime(datetime(2031, 1, 5, 16, tzinfo=UTC))
    assert daily_settlements(midnight - 1, midnight) == [Event(midnight, USAGE, "2031-01-05")]
    utc_midnight = from_datetime(datetime(2031, 1, 6, tzinfo=UTC))
    assert daily_settlements(midnight, utc_midnight) == []


def test_monthly_ip_billing_on_the_1st_at_0800_for_the_month_before() -> None:
    assert monthly_ip_billings(bj(2031, 1, 15), bj(2031, 3, 1, 8)) == [
        Event(bj(2031, 2, 1, 8), DEDICATED_IP, "2031-01"),
        Event(bj(2031, 3, 1, 8), DEDICATED_IP, "2031-02"),
    ]
    # 07:59 on the 1st is not yet; 08:00 itself is
    assert monthly_ip_billings(bj(2031, 4, 1), bj(2031, 4, 1, 7, 59)) == []
    assert monthly_ip_billings(bj(2031, 4, 1, 7, 59), bj(2031, 4, 1, 8)) == [
        Event(bj(2031, 4, 1, 8), DEDICATED_IP, "2031-03")
    ]


def test_december_bills_on_new_years_day() -> None:
    assert monthly_ip_billings(bj(2031, 12, 20), bj(2032, 1, 1, 8)) == [
        Event(bj(2032, 1, 1, 8), DEDICATED_IP, "2031-12")
    ]


def test_due_events_in_time_order_midnight_before_0800() -> None:
    # (31 Jan 12:00, 1 Feb 08:00]: settle 31 Jan at 00:00, then bill January at 08:00
    assert due_events(bj(2031, 1, 31, 12), bj(2031, 2, 1, 8)) == [
        Event(bj(2031, 2, 1), USAGE, "2031-01-31"),
        Event(bj(2031, 2, 1, 8), DEDICATED_IP, "2031-01"),
    ]
    assert due_events(bj(2031, 2, 1, 8), bj(2031, 2, 1, 8)) == []
    assert due_events(bj(2031, 2, 2), bj(2031, 2, 1)) == []  # an empty window


def test_next_billing_event_worked_examples() -> None:
    assert next_billing_event(bj(2031, 1, 31, 23)) == bj(2031, 2, 1)  # the midnight comes first
    assert next_billing_event(bj(2031, 2, 1)) == bj(2031, 2, 1, 8)  # then the 08:00 bill
    assert next_billing_event(bj(2031, 2, 1, 8)) == bj(2031, 2, 2)
    assert next_billing_event(bj(2031, 2, 15, 9)) == bj(2031, 2, 16)


def test_usage_amount_is_units_times_price() -> None:
    assert usage_amount(1, 280) == 280  # 1 paid email = 0.00028 USD
    assert usage_amount(2_500, 280) == 700_000  # 2,500 × 280 = 700,000 = 0.70 USD
    assert usage_amount(0, 280) == 0


def test_can_deduct_is_all_or_nothing_and_oldest_first() -> None:
    assert can_deduct(280, 280, older_unpaid=False)  # exactly enough
    assert not can_deduct(279, 280, older_unpaid=False)  # one micro-USD short: nothing is taken
    assert not can_deduct(10**9, 280, older_unpaid=True)  # an older unpaid bill comes first
    assert can_deduct(0, 0, older_unpaid=True)  # a zero bill is always "paid"
    assert can_deduct(-5, 0, older_unpaid=False)


# --- properties -----------------------------------------------------------------------------------

instants = st.integers(min_value=bj(2030, 1, 1), max_value=bj(2034, 12, 31))


def local_day_index(us: int) -> int:
    return (us + 8 * HOUR) // DAY


@given(instants, st.integers(0, 120 * DAY))
def test_one_settlement_per_utc8_day_boundary_each_at_local_midnight(after: int, span: int) -> None:
    until = after + span
    events = daily_settlements(after, until)
    assert len(events) == local_day_index(until) - local_day_index(after)
    for e in events:
        assert after < e.at_us <= until
        assert (e.at_us + 8 * HOUR) % DAY == 0  # 00:00 UTC+8
        assert datetime.strptime(e.period, "%Y-%m-%d").replace(tzinfo=BEIJING) == datetime.fromtimestamp(
            (e.at_us - DAY) / 1_000_000, BEIJING
        )


@given(instants, st.integers(0, 200 * DAY), st.integers(0, 200 * DAY))
def test_splitting_a_move_runs_every_event_exactly_once(a: int, d1: int, d2: int) -> None:
    b, c = a + d1, a + d1 + d2
    assert due_events(a, b) + due_events(b, c) == due_events(a, c)


@given(instants, st.integers(0, 400 * DAY))
def test_periods_are_unique_and_ip_bills_fall_on_the_1st_at_0800(after: int, span: int) -> None:
    events = due_events(after, after + span)
    keys = [(e.kind, e.period) for e in events]
    assert len(keys) == len(set(keys))
    assert events == sorted(events)
    for e in events:
        if e.kind == DEDICATED_IP:
            local = datetime.fromtimestamp(e.at_us // 1_000_000, BEIJING)
            assert (local.day, local.hour, local.minute, local.second) == (1, 8, 0, 0)


@given(instants)
def test_next_billing_event_is_the_first_due_event(after: int) -> None:
    nxt = next_billing_event(after)
    assert after < nxt <= after + DAY
    assert due_events(after, nxt)[0].at_us == nxt
    assert due_events(after, nxt - 1) == []


@given(st.integers(min_value=-bj(2000, 1, 1), max_value=bj(2100, 1, 1)))
def test_billing_floor_is_the_next_0000_or_0800_and_never_after_the_next_event(after: int) -> None:
    floor = billing_floor(after)
    assert after < floor <= next_billing_event(after)
    local = datetime.fromtimestamp(floor // 1_000_000, BEIJING)
    assert (local.hour, local.minute, local.second) in ((0, 0, 0), (8, 0, 0)) and floor % 1_000_000 == 0
    assert floor - after <= 16 * HOUR  # the longer gap: 08:00 to the next midnight


def test_billing_floor_worked_examples() -> None:
    assert billing_floor(bj(2031, 3, 5, 7, 59)) == bj(2031, 3, 5, 8)
    assert billing_floor(bj(2031, 3, 5, 8)) == bj(2031, 3, 6)  # strictly after
    assert billing_floor(bj(2031, 3, 5)) == bj(2031, 3, 5, 8)
    assert billing_floor(bj(2031, 3, 31, 23, 59)) == bj(2031, 4, 1) == next_billing_event(bj(2031, 3, 31, 23))
    assert (
        billing_floor(bj(2031, 4, 1, 0, 1)) == bj(2031, 4, 1, 8) == next_billing_event(bj(2031, 4, 1, 0, 1))
    )
