"""Clock control per account and for all accounts. Moving a clock forward runs the events that fell
due on the way (the scheduler), in time order, before returning.

A global move is all-or-nothing across accounts: it is decided once, as one target instant recorded in
`clock_moves` before any account moves, and then each account moves to that target. A crash part-way
leaves the record pending; start-up (`recover`) and any later global move finish it first, so every
account ends at the same instant. Due events stay exactly-once through the scheduler's cursor and the
unique bill key, whoever finishes the move."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from emulator.domain.clock import ClockState
from emulator.domain.records.billing import ClockMoveRecord
from emulator.errors import ClockBackwards, NotFound
from emulator.services.accounts import AccountState
from emulator.storage import accounts_repo, clock_moves_repo

if TYPE_CHECKING:
    from emulator.domain.clock import ClockSource
    from emulator.services.accounts import AccountService
    from emulator.storage.db import Database


def toward(state: ClockState, target_us: int, decided_wall_us: int) -> ClockState:
    """One account's clock after a global move to `target_us`, decided at wall time `decided_wall_us`.

    A frozen clock then shows the target exactly. A running clock gets the offset that showed the target
    at the decision, so all running clocks read the same instant however late the move is finished (a
    restart hours later included). A clock already at or past that stays: clocks never move backwards."""
    if state.frozen_us is not None:
        return state if state.frozen_us >= target_us else replace(state, frozen_us=target_us)
    offset = target_us - decided_wall_us
    return state if state.offset_us >= offset else ClockState(offset_us=offset, frozen_us=None)


@dataclass(frozen=True)
class ClockView:
    """One account's clock as the admin API shows it."""

    account_id: int
    account: str
    now_us: int
    frozen: bool
    wall_us: int  # the real time it was read at


@dataclass(frozen=True)
class GlobalMove:
    """A global move's outcome: every account's state, and the names of those already past the target
    when it was decided (left where they were; empty for a retry under a known key)."""

    states: list[AccountState]
    left_ahead: list[str]


class ClockService:
    def __init__(
        self,
        db: Database,
        clock: ClockSource,
        accounts: AccountService,
        after_move: tuple[Callable[[int], object], ...],
    ) -> None:
        self.db = db
        self.clock = clock
        self.accounts = accounts
        self.after_move = after_move  # run the account's due events; wake the batch runner

    def _apply(self, ref: int | str, change: Callable[[ClockState, int], ClockState]) -> int:
        with self.db.write() as conn:
            row = self.accounts.get_row(ref, conn)
            accounts_repo.lock_accounts(conn, [row.id])
            state = ClockState(row.clock_offset_us, row.clock_frozen_us)
            new = change(state, self.clock.wall_us())
            if new != state:
                accounts_repo.update_account(
                    conn, row.id, clock_offset_us=new.offset_us, clock_frozen_us=new.frozen_us
                )
        for hook in self.after_move:
            hook(row.id)
        return int(row.id)

    def _change(self, ref: int | str, change: Callable[[ClockState, int], ClockState]) -> AccountState:
        return self.accounts.state(self._apply(ref, change))

    def view(self, ref: int | str) -> ClockView:
        with self.db.read() as conn:
            row = self.accounts.get_row(ref, conn)
        wall = self.clock.wall_us()
        state = ClockState(row.clock_offset_us, row.clock_frozen_us)
        return ClockView(int(row.id), row.name, state.now_us(wall), state.frozen, wall)

    def freeze(self, ref: int | str, at_us: int | None = None) -> AccountState:
        """Stop the clock: where it stands, or at `at_us` (never earlier than now; the events due on the
        way run, as with `set_to`)."""
        if at_us is None:
            return self._change(ref, lambda s, w: s.freeze(w))
        return self._change(ref, lambda s, w: s.set_to(at_us, w).freeze(w))

    def resume(self, ref: int | str) -> AccountState:
        return self._change(ref, lambda s, w: s.resume(w))

    def set_to(self, ref: int | str, target_us: int) -> AccountState:
        return self._change(ref, lambda s, w: s.set_to(target_us, w))

    def advance(self, ref: int | str, delta_us: int) -> AccountState:
        return self._change(ref, lambda s, w: s.advance(delta_us, w))

    def all_ids(self) -> list[int]:
        with self.db.read() as conn:
            return [r.id for r in accounts_repo.list_accounts(conn)]

    # --- global moves ------------------------------------------------------------------------------
    def advance_all(self, delta_us: int, key: str | None = None) -> list[AccountState]:
        """Every clock to one instant: the latest account clock now, plus `delta_us`. An account already
        at or past it stays where it is. `key` makes a retry safe: a move already recorded under that key
        is finished, never made again."""
        if delta_us < 0:
            raise ClockBackwards("clock cannot move backwards: advance by a positive duration")
        return self._move_all(lambda now: max(now.values()) + delta_us, key)

    def set_all(self, target_us: int, key: str | None = None) -> GlobalMove:
        """Every clock up to the same instant; an account already past it stays where it is (clocks never
        move backwards) and is named in `left_ahead`."""
        ahead: list[str] = []

        def plan(now: dict[str, int]) -> int:
            ahead[:] = sorted(name for name, us in now.items() if us > target_us)
            return target_us

        return GlobalMove(self._move_all(plan, key), ahead)  # a retry under a known key decides nothing

    def recover(self) -> int:
        """Finish every recorded global move a crash (or a concurrent call still running) left pending,
        oldest first; returns how many. Called at start-up before the first scheduler pass."""
        with self.db.read() as conn:
            pending = clock_moves_repo.pending_moves(conn)
        for move in pending:
            self._finish(move)
        return len(pending)

    def _move_all(self, plan: Callable[[dict[str, int]], int], key: str | None) -> list[AccountState]:
        self._finish(self._record(plan, key))
        return self.accounts.list()

    def _record(self, plan: Callable[[dict[str, int]], int], key: str | None) -> ClockMoveRecord:
        """Decide the target under a lock on every account and record it; a pending move is finished
        first (so a second global move waits for the first), and a known key returns its move."""
        while True:
            self.recover()
            with self.db.write() as conn:
                rows = clock_moves_repo.lock_all_accounts(conn)
                found = clock_moves_repo.move_by_key(conn, key) if key is not None else None
                if found is not None:
                    return found
                if clock_moves_repo.pending_moves(conn):
                    continue  # another call recorded one meanwhile: finish it, then decide again
                wall = self.clock.wall_us()
                now = {r.name: ClockState(r.clock_offset_us, r.clock_frozen_us).now_us(wall) for r in rows}
                target = plan(now) if rows else wall
                return clock_moves_repo.insert_move(conn, target_us=target, created_us=wall, key=key)

    def _finish(self, move: ClockMoveRecord) -> None:
        target, decided = int(move.target_us), int(move.created_us)
        for aid in self.all_ids():  # accounts created since the decision join the common instant too
            try:
                self._apply(aid, lambda s, _w: toward(s, target, decided))
            except NotFound:
                continue
        with self.db.write() as conn:
            clock_moves_repo.mark_done(conn, int(move.id))

    def freeze_all(self) -> list[AccountState]:
        return [self.freeze(aid) for aid in self.all_ids()]

    def resume_all(self) -> list[AccountState]:
        return [self.resume(aid) for aid in self.all_ids()]
