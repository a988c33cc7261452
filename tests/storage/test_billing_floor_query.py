"""`accounts_repo.clocks_past_floor`, the scheduler's first cut of the accounts it looks at each pass,
against the domain's rule on both databases: the SQL floor selects exactly the accounts whose clock reads
at or past `billing_floor` of their cursor (plus those named), so it never drops an account that has a
billing event due; and the scheduler's due list is still exactly the accounts whose next event has come."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.domain.billing import UTC8_US, billing_floor, next_billing_event
from emulator.domain.clock import ClockState
from emulator.storage import accounts_repo
from tests.storage.test_accounts_repo import _values

DAY = 86_400_000_000
Y2031 = 1_924_992_000_000_000  # 2031-01-01T00:00:00Z
_names = itertools.count()

instants = st.integers(min_value=-400 * DAY, max_value=Y2031 + 3_000 * DAY)
clock = st.one_of(
    st.tuples(st.integers(-20 * DAY, 20 * DAY), st.none()),  # running, at wall + offset
    st.tuples(st.just(0), instants),  # frozen
)
account = st.tuples(instants, clock, st.booleans())  # (events cursor, clock, named in `also`)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(wall=instants, population=st.lists(account, min_size=1, max_size=25))
def test_the_sql_floor_selects_exactly_the_accounts_past_it(
    core: Any, wall: int, population: list[Any]
) -> None:
    ids: dict[int, tuple[int, ClockState]] = {}
    also: set[int] = set()
    with core.db.write() as conn:
        for cursor, (offset, frozen), named in population:
            n = next(_names)
            values = _values(f"floor-{n}", f"AKIDfloor{n:08d}")
            values.update(events_until_us=cursor, clock_offset_us=offset, clock_frozen_us=frozen)
            aid = accounts_repo.insert_account(conn, **values)
            ids[aid] = (cursor, ClockState(offset, frozen))
            if named:
                also.add(aid)
    with core.db.read() as conn:
        got = [r[0] for r in accounts_repo.clocks_past_floor(conn, wall, also) if r[0] in ids]
    past = [aid for aid, (cursor, clk) in ids.items() if clk.now_us(wall) >= billing_floor(cursor)]
    early = {aid for aid, (cursor, _) in ids.items() if cursor + UTC8_US < 0}  # returned whatever the clock
    assert got == sorted(set(past) | also | early)
    # nothing with an event due is left out: the next event is never before the floor
    due = [aid for aid, (cursor, clk) in ids.items() if next_billing_event(cursor) <= clk.now_us(wall)]
    assert set(due) <= set(got)
    # the scheduler's pass (on the machine's wall clock: frozen clocks only, which do not read it)
    frozen = {aid: v for aid, v in ids.items() if v[1].frozen}
    exact = sorted(
        aid for aid, (cursor, clk) in frozen.items() if next_billing_event(cursor) <= clk.now_us(0)
    )
    assert [aid for aid in core.scheduler._accounts_due() if aid in frozen] == exact


def test_a_clock_exactly_at_the_floor_is_selected_one_microsecond_before_it_is_not(core: Any) -> None:
    cursor = Y2031 + 3 * DAY + 5  # 2031-01-04 08:00:00.000005 UTC+8: the floor is the next midnight
    floor = billing_floor(cursor)
    assert floor == Y2031 + 3 * DAY + 16 * 3_600_000_000
    made = {}
    with core.db.write() as conn:
        for at in (floor, floor - 1):
            n = next(_names)
            values = _values(f"floor-{n}", f"AKIDfloor{n:08d}")
            values.update(events_until_us=cursor, clock_frozen_us=at)
            made[at] = accounts_repo.insert_account(conn, **values)
    with core.db.read() as conn:
        got = {r[0] for r in accounts_repo.clocks_past_floor(conn, 0)}
    assert made[floor] in got and made[floor - 1] not in got
