"""Account clocks (behaviour §2): wall time + offset, or frozen; never backwards; UTC+8 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.domain.clock import (
    BEIJING,
    Clock,
    ClockState,
    FixedWallClock,
    SystemWallClock,
    beijing_day,
    beijing_midnight_after,
    from_datetime,
    to_datetime,
)
from emulator.errors import ClockBackwards

S = 1_000_000
HOUR = 3600 * S
DAY = 24 * HOUR
W = from_datetime(datetime(2031, 3, 10, 12, tzinfo=BEIJING))


def test_a_fresh_clock_follows_the_wall() -> None:
    s = ClockState()
    assert not s.frozen
    assert s.now_us(W) == W and s.now_us(W + 5) == W + 5


def test_freeze_stops_and_resume_continues_without_a_jump() -> None:
    s = ClockState(offset_us=DAY).freeze(W)  # a day ahead, frozen at wall W
    assert s.frozen and s.now_us(W + HOUR) == W + DAY  # an hour of wall time later: still W + 1 day
    r = s.resume(W + HOUR)
    # resume from what it showed: offset = (W + DAY) - (W + HOUR) = DAY - HOUR
    assert r == ClockState(offset_us=DAY - HOUR, frozen_us=None)
    assert r.now_us(W + HOUR) == W + DAY and r.now_us(W + 2 * HOUR) == W + DAY + HOUR


def test_set_to_and_advance_keep_the_mode() -> None:
    running = ClockState().set_to(W + DAY, W)
    assert running == ClockState(offset_us=DAY)
    frozen = ClockState().freeze(W).advance(90 * S, W + HOUR)
    assert frozen == ClockState(offset_us=0, frozen_us=W + 90 * S)


def test_never_backwards() -> None:
    s = ClockState(offset_us=DAY)
    with pytest.raises(ClockBackwards):
        s.set_to(W + DAY - 1, W)
    with pytest.raises(ClockBackwards):
        s.advance(-1, W)
    assert s.set_to(W + DAY, W) == s  # to the very instant it shows: allowed


def test_clock_binds_state_to_a_wall() -> None:
    wall = FixedWallClock(W)
    c = Clock(ClockState(offset_us=HOUR), wall)
    assert c.now_us() == W + HOUR
    wall.set(W + S)
    assert c.now() == datetime(2031, 3, 10, 5, 0, 1, tzinfo=UTC)  # 12:00+08 = 04:00 UTC, + 1 h + 1 s


def test_system_wall_clock_reads_real_time() -> None:
    before = from_datetime(datetime.now(UTC))
    assert before - S <= SystemWallClock().now_us() <= from_datetime(datetime.now(UTC)) + S


def test_from_datetime_refuses_naive_and_converts_zones() -> None:
    with pytest.raises(ValueError):
        from_datetime(datetime(2031, 1, 1))
    assert from_datetime(datetime(1970, 1, 1, 8, tzinfo=BEIJING)) == 0
    assert to_datetime(1) == datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC)


def test_beijing_day_turns_at_1600_utc() -> None:
    midnight = from_datetime(datetime(2031, 1, 5, 16, tzinfo=UTC))  # 6 Jan 00:00 UTC+8
    assert beijing_day(midnight - 1) == "2031-01-05"
    assert beijing_day(midnight) == "2031-01-06"
    assert beijing_day(-1) == "1970-01-01"  # 07:59:59.999999 on 1 Jan 1970 in Beijing


def test_beijing_midnight_after_is_strictly_after() -> None:
    midnight = from_datetime(datetime(2031, 1, 6, tzinfo=BEIJING))
    assert beijing_midnight_after(midnight - 1) == midnight
    assert beijing_midnight_after(midnight) == midnight + DAY


instants = st.integers(min_value=-(10**15), max_value=4 * 10**15)


@given(instants)
def test_datetime_round_trip(us: int) -> None:
    assert from_datetime(to_datetime(us)) == us
    assert from_datetime(to_datetime(us).astimezone(timezone(timedelta(hours=-5)))) == us


@given(instants)
def test_beijing_day_agrees_with_the_calendar(us: int) -> None:
    assert beijing_day(us) == to_datetime(us).astimezone(BEIJING).strftime("%Y-%m-%d")
    m = beijing_midnight_after(us)
    assert us < m <= us + DAY and (m + 8 * HOUR) % DAY == 0
    assert beijing_day(m - 1) == beijing_day(us)


ops = st.lists(
    st.tuples(st.sampled_from(["freeze", "resume", "advance", "set", "wall"]), st.integers(0, 10 * DAY)),
    max_size=30,
)


@given(ops)
def test_no_sequence_of_operations_moves_a_clock_backwards(steps: list[tuple[str, int]]) -> None:
    wall = W
    s = ClockState()
    shown = s.now_us(wall)
    for op, n in steps:
        if op == "freeze":
            s = s.freeze(wall)
        elif op == "resume":
            s = s.resume(wall)
        elif op == "advance":
            s = s.advance(n, wall)
            assert s.now_us(wall) == shown + n
        elif op == "set":
            s = s.set_to(shown + n, wall)
        else:
            wall += n  # real time passes
        now = s.now_us(wall)
        assert now >= shown
        if op in ("freeze", "resume"):
            assert now == shown  # neither jumps
        shown = now
