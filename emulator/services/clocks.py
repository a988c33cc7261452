"""Clock control per account and for all accounts. Moving a clock forward runs the events that fell
due on the way (the scheduler), in time order, before returning.

A global move is all-or-nothing across accounts: it is decided once, as one target instant recorded in
`clock_moves` before any account moves, and then each account moves to that target. A crash part-way
leaves the record pending; start-up (`recover`) and any later global move finish it first, so every
account ends at the same instant. Due events stay exactly-once through the scheduler's cursor and the
unique bill key, whoever finishes the move."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from emulator.domain.clock import ClockState
from emulator.domain.records.billing import ClockMoveRecord
from emulator.errors import ClockBackwards
from emulator.services.accounts import AccountState
from emulator.services.scheduler import Window, chunks
from emulator.storage import accounts_repo, clock_moves_repo, settlement_repo

if TYPE_CHECKING:
    from emulator.domain.clock import ClockSource
    from emulator.services.accounts import AccountService
    from emulator.services.scheduler import Scheduler
    from emulator.storage.db import Database


log = logging.getLogger("emulator.clocks")


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


@dataclass(frozen=True)
class MoveStatus:
    """A recorded global move as GET /admin/clock/moves/{id} shows it. `accounts_done` counts the
    accounts moved (and settled) so far by the process finishing it; a finished move has them all."""

    id: int
    target_us: int
    created_us: int
    key: str | None
    done: bool
    accounts_done: int
    accounts_total: int


class ClockService:
    def __init__(
        self,
        db: Database,
        clock: ClockSource,
        accounts: AccountService,
        scheduler: Scheduler,
        after_move: tuple[Callable[[int], object], ...],
    ) -> None:
        self.db = db
        self.clock = clock
        self.accounts = accounts
        self.scheduler = scheduler  # runs the due events of the accounts moved
        self.after_move = after_move  # e.g. wake the batch runner
        self._finishing = threading.Lock()  # one finisher per process; others wait, then find it done
        self._progress: dict[int, tuple[int, int]] = {}  # move id -> (accounts done, of)

    def _change(self, ref: int | str, change: Callable[[ClockState, int], ClockState]) -> AccountState:
        """`change` on one account in one transaction: the row locked, the clock set, the events due by
        its new time run (`Scheduler.apply_due`) and the state read as committed. (Three transactions
        before: a one-day move, the usual step of a test, cost two more commits and row reads.)"""
        with self.db.write() as conn:
            acct = self.accounts.locked_row(ref, conn)
            state = ClockState(acct.clock_offset_us, acct.clock_frozen_us)
            wall = self.clock.wall_us()
            new = change(state, wall)
            if new != state:
                accounts_repo.update_account(
                    conn, acct.id, clock_offset_us=new.offset_us, clock_frozen_us=new.frozen_us
                )
            moved = acct._replace(clock_offset_us=new.offset_us, clock_frozen_us=new.frozen_us)
            self.scheduler.apply_due(conn, moved, new.now_us(wall))
            result = self.accounts.state_in(conn, acct.id)
        for hook in self.after_move:
            hook(acct.id)
        return result

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

    # --- the same, answered before it is finished (POST /admin/clock/advance with "wait": false) ----
    def start_advance_all(self, delta_us: int, key: str | None = None) -> MoveStatus:
        """`advance_all`, recorded now and finished on a background thread: the answer is the move
        (poll `move_status`). A crash before it ends leaves it pending; start-up finishes it."""
        if delta_us < 0:
            raise ClockBackwards("clock cannot move backwards: advance by a positive duration")
        return self._start(self._record(lambda now: max(now.values()) + delta_us, key))

    def start_set_all(self, target_us: int, key: str | None = None) -> MoveStatus:
        """`set_all`, answered before it is finished; accounts already past the target stay where they
        are (as with `set_all`)."""
        return self._start(self._record(lambda _now: target_us, key))

    def _start(self, move: ClockMoveRecord) -> MoveStatus:
        if not move.done:
            self._progress.setdefault(int(move.id), (0, len(self.all_ids())))
            threading.Thread(
                target=self._finish_logged, args=(move,), name=f"clock-move-{move.id}", daemon=True
            ).start()
        status = self.move_status(int(move.id))
        assert status is not None
        return status

    def _finish_logged(self, move: ClockMoveRecord) -> None:
        try:
            self._finish(move)
        except Exception:  # left pending: the next global move or start-up finishes it
            log.exception("global clock move %s failed part-way", move.id)

    def move_status(self, move_id: int) -> MoveStatus | None:
        with self.db.read() as conn:
            move = clock_moves_repo.move_by_id(conn, move_id)
            total = accounts_repo.count_accounts(conn)
        if move is None:
            return None
        done, of = self._progress.get(move_id, (0, total))
        if move.done:
            done, of = max(of, done), max(of, done)
        return MoveStatus(
            int(move.id), int(move.target_us), int(move.created_us), move.key, bool(move.done), done, of
        )

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
        """Every account to the move's instant, BATCH_ACCOUNTS at a time: per batch one transaction that
        locks the rows, sets the clocks and runs the due events (`Scheduler.apply_due_many`); then the
        record is marked done. Idempotent: an account already there stays, and its events have run."""
        with self._finishing:
            with self.db.read() as conn:
                current = clock_moves_repo.move_by_id(conn, int(move.id))
            if current is not None and current.done:
                return  # finished by another caller meanwhile
            target, decided = int(move.target_us), int(move.created_us)
            ids = self.all_ids()  # accounts created since the decision join the common instant too
            done = 0
            self._progress[int(move.id)] = (0, len(ids))
            for chunk in chunks(ids, self.scheduler.batch_accounts):
                self._change_batch(chunk, lambda s, _w: toward(s, target, decided))
                done += len(chunk)
                self._progress[int(move.id)] = (done, len(ids))
            with self.db.write() as conn:
                clock_moves_repo.mark_done(conn, int(move.id))

    def _change_batch(self, ids: list[int], change: Callable[[ClockState, int], ClockState]) -> None:
        """`change` on a batch of accounts in one transaction: the rows locked in id order, the clocks
        set, the events due by each account's new time run (`Scheduler.apply_due_many`)."""
        with self.db.write() as conn:
            rows = settlement_repo.lock_batch(conn, ids)
            wall = self.clock.wall_us()
            windows: list[Window] = []
            changed: list[tuple[int, ClockState]] = []
            for r in rows:
                state = ClockState(r.clock_offset_us, r.clock_frozen_us)
                new = change(state, wall)
                if new != state:
                    changed.append((r.id, new))
                moved = r._replace(clock_offset_us=new.offset_us, clock_frozen_us=new.frozen_us)
                windows.append(Window(moved, new.now_us(wall)))
            settlement_repo.set_clocks(conn, [(aid, c.offset_us, c.frozen_us) for aid, c in changed])
            self.scheduler.apply_due_many(conn, windows)
        for aid in ids:
            for hook in self.after_move:
                hook(aid)

    def freeze_all(self) -> list[AccountState]:
        """Every clock stopped where it stands; each account as `freeze` leaves it."""
        return self._change_all(lambda s, w: s.freeze(w))

    def resume_all(self) -> list[AccountState]:
        """Every frozen clock follows real time again from the time it shows (`resume`)."""
        return self._change_all(lambda s, w: s.resume(w))

    def _change_all(self, change: Callable[[ClockState, int], ClockState]) -> list[AccountState]:
        """`change` on every account, a batch of accounts per transaction (`_change_batch`, as a global
        move goes), not a transaction, an event run and a state read per account (a fleet of 1,203
        accounts took seconds to freeze)."""
        for chunk in chunks(self.all_ids(), self.scheduler.batch_accounts):
            self._change_batch(chunk, change)
        return self.accounts.list()
