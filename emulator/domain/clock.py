"""Account clocks.

Every account reads time from its own clock. A clock follows real time by default (an offset of zero),
can be frozen, set forward or advanced, and never moves backwards. Its whole state is two numbers, so
it lives in the account row and survives restarts. `SystemWallClock` is the only code in the project
that reads the machine's time; everything else receives a `WallClock`.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Protocol

from emulator.errors import ClockBackwards

BEIJING = timezone(timedelta(hours=8), "UTC+8")
US_PER_SECOND = 1_000_000


class WallClock(Protocol):
    def now_us(self) -> int:
        """Microseconds since the Unix epoch."""
        ...


class SystemWallClock:
    """The machine's time; the only place the project reads it."""

    def now_us(self) -> int:
        return time.time_ns() // 1000


class FixedWallClock:
    """A wall clock tests can set, for frozen-"now" checks such as signature freshness."""

    def __init__(self, now_us: int) -> None:
        self._now = now_us

    def now_us(self) -> int:
        return self._now

    def set(self, now_us: int) -> None:
        self._now = now_us


def to_datetime(us: int) -> datetime:
    return datetime.fromtimestamp(us // US_PER_SECOND, UTC) + timedelta(microseconds=us % US_PER_SECOND)


def from_datetime(dt: datetime) -> int:
    if dt.tzinfo is None:
        raise ValueError("naive datetime: give a time zone")
    delta = dt.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * US_PER_SECOND + delta.microseconds


@dataclass(frozen=True)
class ClockState:
    """Account time = wall time + offset while running, or `frozen_us` while frozen."""

    offset_us: int = 0
    frozen_us: int | None = None

    @property
    def frozen(self) -> bool:
        return self.frozen_us is not None

    def now_us(self, wall_us: int) -> int:
        return self.frozen_us if self.frozen_us is not None else wall_us + self.offset_us

    def freeze(self, wall_us: int) -> ClockState:
        return replace(self, frozen_us=self.now_us(wall_us))

    def resume(self, wall_us: int) -> ClockState:
        """Run again from the moment it shows now (no jump)."""
        return ClockState(offset_us=self.now_us(wall_us) - wall_us, frozen_us=None)

    def set_to(self, target_us: int, wall_us: int) -> ClockState:
        current = self.now_us(wall_us)
        if target_us < current:
            raise ClockBackwards(
                f"clock cannot move backwards: it shows {to_datetime(current).isoformat()}, "
                f"asked for {to_datetime(target_us).isoformat()}"
            )
        if self.frozen:
            return ClockState(offset_us=self.offset_us, frozen_us=target_us)
        return ClockState(offset_us=target_us - wall_us, frozen_us=None)

    def advance(self, delta_us: int, wall_us: int) -> ClockState:
        if delta_us < 0:
            raise ClockBackwards("clock cannot move backwards: advance by a positive duration")
        return self.set_to(self.now_us(wall_us) + delta_us, wall_us)


class Clock:
    """One account's clock, bound to a wall clock: what domain code asks for the time."""

    def __init__(self, state: ClockState, wall: WallClock) -> None:
        self.state = state
        self.wall = wall

    def now_us(self) -> int:
        return self.state.now_us(self.wall.now_us())

    def now(self) -> datetime:
        return to_datetime(self.now_us())


class HasClock(Protocol):
    """What an account record carries of its clock."""

    @property
    def clock_offset_us(self) -> int: ...
    @property
    def clock_frozen_us(self) -> int | None: ...


class ClockSource:
    """The one source of time services get: the wall clock, and each account's clock over it."""

    def __init__(self, wall: WallClock) -> None:
        self.wall = wall

    def wall_us(self) -> int:
        return self.wall.now_us()

    def of(self, account: HasClock) -> Clock:
        return Clock(ClockState(account.clock_offset_us, account.clock_frozen_us), self.wall)


def beijing_day(us: int) -> str:
    """The UTC+8 calendar day (YYYY-MM-DD) that contains this instant."""
    return _beijing_day((us + 8 * 3600 * US_PER_SECOND) // (86_400 * US_PER_SECOND))


@functools.lru_cache(maxsize=256)
def _beijing_day(day_index: int) -> str:
    """Every sent message asks; the answer changes once a day."""
    return (datetime(1970, 1, 1) + timedelta(days=day_index)).strftime("%Y-%m-%d")


def beijing_midnight_after(us: int) -> int:
    """The first 00:00 UTC+8 strictly after this instant."""
    local = to_datetime(us).astimezone(BEIJING)
    nxt = datetime(local.year, local.month, local.day, tzinfo=BEIJING) + timedelta(days=1)
    return from_datetime(nxt)
