"""Clock control per account and for all accounts. Moving a clock forward runs the events that fell
due on the way (the scheduler), in time order, before returning."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from emulator.domain.clock import ClockState
from emulator.services.accounts import AccountState
from emulator.storage import accounts_repo

if TYPE_CHECKING:
    from emulator.services.core import Core


class ClockService:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.after_move: list[Callable[[int], object]] = []  # scheduler hooks: run due events for an account

    def _change(self, ref: int | str, change: Callable[[ClockState, int], ClockState]) -> AccountState:
        with self.core.writer.begin() as conn:
            row = self.core.accounts.get_row(ref, conn)
            accounts_repo.lock_accounts(conn, [row.id])
            state = ClockState(row.clock_offset_us, row.clock_frozen_us)
            new = change(state, self.core.wall.now_us())
            accounts_repo.update_account(
                conn, row.id, clock_offset_us=new.offset_us, clock_frozen_us=new.frozen_us
            )
        for hook in self.after_move:
            hook(row.id)
        return self.core.accounts.state(row.id)

    def freeze(self, ref: int | str) -> AccountState:
        return self._change(ref, lambda s, w: s.freeze(w))

    def resume(self, ref: int | str) -> AccountState:
        return self._change(ref, lambda s, w: s.resume(w))

    def set_to(self, ref: int | str, target_us: int) -> AccountState:
        return self._change(ref, lambda s, w: s.set_to(target_us, w))

    def advance(self, ref: int | str, delta_us: int) -> AccountState:
        return self._change(ref, lambda s, w: s.advance(delta_us, w))

    def all_ids(self) -> list[int]:
        with self.core.engine.connect() as conn:
            return [r.id for r in accounts_repo.list_accounts(conn)]

    def advance_all(self, delta_us: int) -> list[AccountState]:
        if delta_us < 0:
            from emulator.errors import ClockBackwards

            raise ClockBackwards("clock cannot move backwards: advance by a positive duration")
        return [self.advance(aid, delta_us) for aid in self.all_ids()]

    def freeze_all(self) -> list[AccountState]:
        return [self.freeze(aid) for aid in self.all_ids()]

    def resume_all(self) -> list[AccountState]:
        return [self.resume(aid) for aid in self.all_ids()]

    def set_all(self, target_us: int) -> list[AccountState]:
        """Every clock to the same instant; refused as a whole if any clock is already past it."""
        states = [self.core.accounts.state(aid) for aid in self.all_ids()]
        ahead = [s.name for s in states if s.clock_us > target_us]
        if ahead:
            from emulator.errors import ClockBackwards

            raise ClockBackwards(f"clock cannot move backwards: {', '.join(ahead)} already past that time")
        return [self.set_to(s.id, target_us) for s in states]
