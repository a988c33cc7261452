"""Runs each account's due events (behaviour §2) exactly once: when its clock is moved, every second
in real time, and at start-up for what fell due while the server was down.

Per account, one transaction: lock the account row, take the events in (cursor, now], apply them in
time order, move the cursor. The row lock and the unique (account, kind, period) bill key keep two
schedulers — threads or processes sharing PostgreSQL — from ever billing a period twice."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row

from emulator.domain.billing import (
    DEDICATED_IP,
    USAGE,
    Event,
    can_deduct,
    due_events,
    next_billing_event,
    usage_amount,
)
from emulator.domain.clock import ClockState
from emulator.services import billing
from emulator.storage import accounts_repo, billing_repo, mail_repo

if TYPE_CHECKING:
    from emulator.services.core import Core

log = logging.getLogger("emulator.scheduler")


class Scheduler:
    def __init__(self, core: Core) -> None:
        self.core = core
        # providers of more events (dedicated-IP deliveries, batch tasks): fn(conn, acct, after, until)
        self.extra_events: list[Any] = []
        # each returns {account_id: earliest pending event time} for its own events (one query)
        self.due_hints: list[Any] = []
        # fn(conn, acct, period) -> (units, unit_price, amount, detail) for DEDICATED_IP bills
        self.ip_bill: Any = None

    def run_due(self, account_id: int) -> int:
        """Apply every event due for this account; returns how many ran."""
        with self.core.writer.begin() as conn:
            rows = accounts_repo.lock_accounts(conn, [account_id])
            acct = rows.get(account_id)
            if acct is None:
                return 0
            now = ClockState(acct.clock_offset_us, acct.clock_frozen_us).now_us(self.core.wall.now_us())
            return self.apply_due(conn, acct, now)

    @staticmethod
    def billing_due(acct: Row[Any], now_us: int) -> bool:
        """Has a settlement or monthly bill fallen due that has not run yet?"""
        return next_billing_event(acct.events_until_us) <= now_us

    def apply_due(self, conn: Connection, acct: Row[Any], now: int) -> int:
        """Run the account's due events inside the caller's transaction (the account row is locked)."""
        account_id = acct.id
        if now <= acct.events_until_us:
            return 0
        events: list[tuple[int, int, Any]] = [(e.at_us, 1, e) for e in due_events(acct.events_until_us, now)]
        for provider in self.extra_events:
            events.extend((at, 0, fn) for at, fn in provider(conn, acct, acct.events_until_us, now))
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
        wall = self.core.wall.now_us()
        with self.core.engine.connect() as conn:
            rows = accounts_repo.list_accounts(conn)
            hints: dict[int, int] = {}
            for hint in self.due_hints:
                for aid, at in hint(conn).items():
                    hints[aid] = min(at, hints.get(aid, at))
        due = []
        for r in rows:
            now = ClockState(r.clock_offset_us, r.clock_frozen_us).now_us(wall)
            nxt = min(next_billing_event(r.events_until_us), hints.get(r.id, now + 1))
            if nxt <= now:
                due.append(r.id)
        return due

    def _bill(self, conn: Connection, acct: Row[Any], ev: Event, usage_by_day: dict[str, Any]) -> None:
        if ev.kind == USAGE:
            usage = usage_by_day.get(ev.period)
            if usage is None:
                return  # no mail that day: nothing to bill
            price = self.core.settings.price_per_email_micro
            units, amount, detail = int(usage.paid_units), usage_amount(int(usage.paid_units), price), {}
            detail = {"free_units": int(usage.free_units)}
        elif ev.kind == DEDICATED_IP and self.ip_bill is not None:
            found = self.ip_bill(conn, acct, ev.period)
            if found is None:
                return
            units, price, amount, detail = found
        else:
            return
        issue_bill(self.core, conn, acct.id, ev.kind, ev.period, units, price, amount, detail, ev.at_us)


def issue_bill(
    core: Core,
    conn: Connection,
    account_id: int,
    kind: str,
    period: str,
    units: int,
    unit_price: int,
    amount: int,
    detail: dict[str, Any],
    at_us: int,
) -> None:
    """Record the bill (once per account/kind/period) and deduct it all-or-nothing; suspend on failure."""
    bill = billing_repo.insert_bill(
        conn,
        account_id=account_id,
        kind=kind,
        period=period,
        units=units,
        unit_price_micro=unit_price,
        amount_micro=amount,
        detail_json=json.dumps(detail),
        created_us=at_us,
        paid_us=None,
    )
    if bill is None:
        return  # already billed (another scheduler got there first)
    older_unpaid = billing_repo.has_unpaid(conn, account_id, exclude_id=bill.id)
    if can_deduct(billing_repo.balance(conn, account_id), amount, older_unpaid):
        billing.pay(core, conn, bill, at_us, "charge")
        return
    row = accounts_repo.account_by_id(conn, account_id)
    if row is not None and row.suspended_reason is None:
        accounts_repo.update_account(conn, account_id, suspended_reason="arrears", suspended_us=at_us)
