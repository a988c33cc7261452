"""Global clock moves (services.clocks) in process over a SQLite file: one target for every account
whatever its clock, a pending record finished by start-up recovery, retries and concurrent moves."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from emulator.domain.clock import FixedWallClock, from_datetime
from emulator.services.core import Core, build_core
from emulator.storage import clock_moves_repo
from emulator.storage.tables import accounts, clock_moves
from tests.conftest import make_settings

DAY = 86_400_000_000
WALL = from_datetime(datetime.fromisoformat("2031-03-10T12:00:00+08:00"))


@pytest.fixture
def wall() -> FixedWallClock:
    return FixedWallClock(WALL)


@pytest.fixture
def core(tmp_path: Path, wall: FixedWallClock) -> Iterator[Core]:
    settings, _ = make_settings(tmp_path, "sqlite")
    c = build_core(settings, wall)
    yield c
    c.close()


def make_accounts(core: Core) -> None:
    """Frozen a day ahead, frozen three days ahead, running a day ahead, running on wall time."""
    for name in ("f1", "f3", "r1", "r0"):
        core.accounts.create(name)
    core.clocks.freeze("f1")
    core.clocks.advance("f1", DAY)
    core.clocks.freeze("f3")
    core.clocks.advance("f3", 3 * DAY)
    core.clocks.advance("r1", DAY)


def clocks(core: Core) -> dict[str, tuple[int, int | None]]:
    """name -> (offset, frozen) as stored, for the four accounts of make_accounts."""
    with core.db.engine.connect() as conn:
        rows = conn.execute(select(accounts).where(accounts.c.name.in_(["f1", "f3", "r1", "r0"]))).all()
    return {r.name: (r.clock_offset_us, r.clock_frozen_us) for r in rows}


def readings(core: Core) -> set[int]:
    return {s.clock_us for s in core.accounts.list()}


def moves(core: Core) -> list[tuple[int, bool]]:
    with core.db.engine.connect() as conn:
        return [
            (r.target_us, bool(r.done)) for r in conn.execute(select(clock_moves).order_by(clock_moves.c.id))
        ]


def test_target_is_latest_clock_plus_delta_frozen_exact_running_same_offset(
    core: Core, wall: FixedWallClock
) -> None:
    make_accounts(core)
    core.accounts.create("ahead")
    core.clocks.freeze("ahead")
    core.clocks.advance("ahead", 10 * DAY)
    core.clocks.advance_all(2 * DAY)
    # the latest clock ("ahead", wall + 10 days) + 2 days; nobody was ahead of that
    target = WALL + 12 * DAY
    assert clocks(core) == {
        "f1": (0, target),
        "f3": (0, target),
        "r1": (target - WALL, None),
        "r0": (target - WALL, None),
    }
    assert readings(core) == {target}
    assert moves(core) == [(target, True)]
    wall.set(WALL + 3_600_000_000)  # an hour of real time: running clocks go on together
    by_name = {s.name: s.clock_us for s in core.accounts.list()}
    assert by_name["r0"] == by_name["r1"] == target + 3_600_000_000
    assert by_name["f1"] == by_name["f3"] == target


def test_an_account_past_the_target_is_left_where_it_is_and_named(core: Core) -> None:
    make_accounts(core)  # f1 +1 d, f3 +3 d (frozen); r1 +1 d, r0 +0 (running)
    moved = core.clocks.set_all(WALL + 2 * DAY)
    assert moved.left_ahead == ["f3"]
    by_name = {s.name: s.clock_us for s in moved.states}
    assert by_name == {"f1": WALL + 2 * DAY, "f3": WALL + 3 * DAY, "r1": WALL + 2 * DAY, "r0": WALL + 2 * DAY}
    assert clocks(core)["f3"] == (0, WALL + 3 * DAY)  # untouched: never backwards
    assert moves(core) == [(WALL + 2 * DAY, True)]
    assert core.clocks.set_all(WALL + 3 * DAY).left_ahead == []  # f3 is at it exactly: not past it
    assert readings(core) == {WALL + 3 * DAY}


def test_start_up_recovery_finishes_a_pending_move(tmp_path: Path, core: Core, wall: FixedWallClock) -> None:
    make_accounts(core)
    target = WALL + 5 * DAY
    with core.db.writer.begin() as conn:  # what a crash right after recording the decision leaves
        clock_moves_repo.insert_move(conn, target_us=target, created_us=WALL, key="k1")
    core.clocks.set_to("f1", target)  # ... with the first account already moved
    core.close()
    wall.set(WALL + 7_200_000_000)  # the restart comes two hours later
    restarted = build_core(core.settings, wall)
    try:
        assert restarted.clocks.recover() == 1
        assert moves(restarted) == [(target, True)]
        c = clocks(restarted)
        assert c["f1"] == (0, target) and c["f3"] == (0, target)
        assert c["r1"] == c["r0"] == (target - WALL, None)  # what they would read had it ended at once
        assert restarted.clocks.recover() == 0
        # the client's retry with the same key converges: nothing moves again
        restarted.clocks.advance_all(5 * DAY, key="k1")
        assert clocks(restarted) == c and moves(restarted) == [(target, True)]
    finally:
        restarted.close()


def test_a_new_global_move_finishes_the_pending_one_first(core: Core) -> None:
    make_accounts(core)
    with core.db.writer.begin() as conn:
        clock_moves_repo.insert_move(conn, target_us=WALL + 4 * DAY, created_us=WALL, key=None)
    core.clocks.advance_all(DAY)
    assert moves(core) == [(WALL + 4 * DAY, True), (WALL + 5 * DAY, True)]
    assert readings(core) == {WALL + 5 * DAY}


def test_concurrent_global_moves_each_apply_once(core: Core) -> None:
    make_accounts(core)
    for i in range(8):
        core.accounts.create(f"x{i}")
    errors: list[BaseException] = []

    def go() -> None:
        try:
            core.clocks.advance_all(DAY)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert readings(core) == {WALL + 6 * DAY}  # f3's three days, then three moves of one day
    assert [done for _t, done in moves(core)] == [True, True, True]


def _cursors(core: Core) -> dict[str, int]:
    with core.db.engine.connect() as conn:
        rows = conn.execute(select(accounts.c.name, accounts.c.events_until_us)).all()
    return {r.name: r.events_until_us for r in rows}


def test_freeze_all_and_resume_all_leave_each_account_as_one_by_one(tmp_path: Path) -> None:
    """Batched (a transaction per batch of accounts, two accounts a batch here) against `freeze` and
    `resume` account by account, on two databases with the same history: the same clocks, and the same
    events run (the wall passes 00:00 UTC+8 before the freeze: the running clocks owe a settlement)."""
    cores, walls = [], []
    for i in range(2):
        wall = FixedWallClock(WALL)
        (tmp_path / f"c{i}").mkdir()
        settings, _ = make_settings(tmp_path / f"c{i}", "sqlite", settle_batch_accounts=2)
        core = build_core(settings, wall)
        make_accounts(core)
        cores.append(core)
        walls.append(wall)
    try:
        batched, one_by_one = cores
        names = ["f1", "f3", "r1", "r0"]
        for wall in walls:
            wall.set(WALL + DAY // 2 + 3_600_000_000)  # 2031-03-11 01:00 UTC+8
        frozen = {s.name: s.clock_us for s in batched.clocks.freeze_all() if s.name in names}
        for name in names:
            one_by_one.clocks.freeze(name)
        assert clocks(batched) == clocks(one_by_one)
        assert frozen == {"f1": WALL + DAY, "f3": WALL + 3 * DAY, "r1": WALL + DAY // 2 + 3_600_000_000 + DAY,
                          "r0": WALL + DAY // 2 + 3_600_000_000}  # fmt: skip
        assert all(f is not None for _o, f in clocks(batched).values())
        assert _cursors(batched) == _cursors(one_by_one)
        for wall in walls:
            wall.set(WALL + DAY)
        batched.clocks.resume_all()
        for name in names:
            one_by_one.clocks.resume(name)
        assert clocks(batched) == clocks(one_by_one)
        assert all(f is None for _o, f in clocks(batched).values())
        assert _cursors(batched) == _cursors(one_by_one)
    finally:
        for core in cores:
            core.close()
