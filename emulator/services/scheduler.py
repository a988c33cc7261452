"""Runs each account's due events (behaviour §2) exactly once: when its clock is moved, every second
in real time, and at start-up for what fell due while the server was down.

Per account, one transaction: lock the account row, take the events in (cursor, now], apply them in
time order, move the cursor. The row lock and the unique (account, kind, period) bill key keep two
schedulers — threads or processes sharing PostgreSQL — from ever billing a period twice."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from emulator.config import Settings
from emulator.domain.billing import (
    DEDICATED_IP,
    USAGE,
    Event,
    due_events,
    next_billing_event,
    usage_amount,
)
from emulator.domain.clock import ClockSource, ClockState
from emulator.domain.records import AccountRecord
from emulator.domain.records.mail import UsageDayRecord
from emulator.services.settlement import issue_bill
from emulator.storage import accounts_repo, mail_repo
from emulator.storage.db import Database, Tx

log = logging.getLogger("emulator.scheduler")


Change = Callable[[Tx], None]
"""A scheduled state change, applied inside the account's event transaction."""


class EventSource(Protocol):
    """Events other than bills that fall due on an account's clock (dedicated-IP deliveries, batch task
    times)."""

    def due(self, conn: Tx, acct: AccountRecord, after_us: int, until_us: int) -> list[tuple[int, Change]]:
        """The changes due in (after_us, until_us], with their times."""
        ...

    def next_due_by_account(self, conn: Tx) -> dict[int, int]:
        """{account id: earliest pending event time}, in one query."""
        ...


class MonthlyBill(Protocol):
    """What a DEDICATED_IP bill for one month comes to: (units, unit price, amount, detail), or None."""

    def month_bill(
        self, conn: Tx, acct: AccountRecord, period: str
    ) -> tuple[int, int, int, dict[str, Any]] | None: ...


class Scheduler:
    def __init__(
        self,
        db: Database,
        clock: ClockSource,
        settings: Settings,
        sources: tuple[EventSource, ...],
        ip_bill: MonthlyBill,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.sources = sources
        self.ip_bill = ip_bill

    def run_due(self, account_id: int) -> int:
        """Apply every event due for this account; returns how many ran."""
        with self.db.write() as conn:
            rows = accounts_repo.lock_accounts(conn, [account_id])
            acct = rows.get(account_id)
            if acct is None:
                return 0
            now = self.clock.of(acct).now_us()
            return self.apply_due(conn, acct, now)

    @staticmethod
    def billing_due(acct: AccountRecord, now_us: int) -> bool:
        """Has a settlement or monthly bill fallen due that has not run yet?"""
        return next_billing_event(acct.events_until_us) <= now_us

    def apply_due(self, conn: Tx, acct: AccountRecord, now: int) -> int:
        """Run the account's due events inside the caller's transaction (the account row is locked)."""
        account_id = acct.id
        if now <= acct.events_until_us:
            return 0
        events: list[tuple[int, int, Event | Change]] = [
            (e.at_us, 1, e) for e in due_events(acct.events_until_us, now)
        ]
        for source in self.sources:
            events.extend((at, 0, fn) for at, fn in source.due(conn, acct, acct.events_until_us, now))
        events.sort(key=lambda t: (t[0], t[1]))
        # one read for every day the account had mail: a long clock move is mostly empty days
        usage = {r.day: r for r in mail_repo.usage_rows(conn, account_id)} if events else {}
        for _at, _prio, ev in events:
            if isinstance(ev, Event):
                self._bill(conn, acct, ev, usage)
            else:
                ev(conn)
        accounts_repo.update_account(conn, account_id, events_until_us=now)
        return len(events)

    def run_all(self) -> int:
        """Run due events for every account that has one; cheap when nothing is due (one read)."""
        ran = 0
        for aid in self._accounts_due():
            try:
                ran += self.run_due(aid)
            except Exception:
                log.exception("scheduled events failed for account %s", aid)
        return ran

    def _accounts_due(self) -> list[int]:
        wall = self.clock.wall_us()
        with self.db.read() as conn:
            rows = accounts_repo.list_accounts(conn)
            hints: dict[int, int] = {}
            for source in self.sources:
                for aid, at in source.next_due_by_account(conn).items():
                    hints[aid] = min(at, hints.get(aid, at))
        due = []
        for r in rows:
            now = ClockState(r.clock_offset_us, r.clock_frozen_us).now_us(wall)
            nxt = min(next_billing_event(r.events_until_us), hints.get(r.id, now + 1))
            if nxt <= now:
                due.append(r.id)
        return due

    def _bill(
        self, conn: Tx, acct: AccountRecord, ev: Event, usage_by_day: dict[str, UsageDayRecord]
    ) -> None:
        if ev.kind == USAGE:
            usage = usage_by_day.get(ev.period)
            if usage is None:
                return  # no mail that day: nothing to bill
            price = self.settings.price_per_email_micro
            units, amount, detail = int(usage.paid_units), usage_amount(int(usage.paid_units), price), {}
            detail = {"free_units": int(usage.free_units)}
        elif ev.kind == DEDICATED_IP:
            found = self.ip_bill.month_bill(conn, acct, ev.period)
            if found is None:
                return
            units, price, amount, detail = found
        else:
            return
        issue_bill(
            conn, acct.id, ev.kind, ev.period, units, price, amount, detail, ev.at_us, self.clock.wall_us()
        )
