"""Runs each account's due events (behaviour §2) exactly once: when its clock is moved, every second
in real time, and at start-up for what fell due while the server was down.

Per account, one transaction: lock the account row, take the events in (cursor, now], apply them in
time order, move the cursor. The row lock and the unique (account, kind, period) bill key keep two
schedulers — threads or processes sharing PostgreSQL — from ever billing a period twice."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from emulator.config import Settings
from emulator.domain.billing import (
    DEDICATED_IP,
    USAGE,
    Event,
    can_deduct,
    due_events,
    monthly_ip_billings,
    next_billing_event,
    usage_amount,
    usage_settled_at,
)
from emulator.domain.clock import BEIJING, ClockSource, ClockState, to_datetime
from emulator.domain.notices import low_balance_crossing
from emulator.domain.records import AccountRecord
from emulator.domain.records.mail import UsageDayRecord
from emulator.domain.records.notices import NoticeSettingRecord
from emulator.services.settlement import Settlement
from emulator.storage import accounts_repo, mail_repo, settlement_repo
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

    def month_bill_of(
        self, spans: list[tuple[int, int, int | None]], names: dict[int, str | None], period: str
    ) -> tuple[int, int, int, dict[str, Any]] | None:
        """The same from the account's intervals [(ip id, start, end)] and IP names, read beforehand."""
        ...


@dataclass(frozen=True)
class Window:
    """One account of a batch: its row (locked, with its clock as moved) and the account time its due
    events run up to; they run over (acct.events_until_us, until_us]."""

    acct: AccountRecord
    until_us: int


BatchStep = Callable[[Tx, list[Window]], None]
"""A step of the scheduled work over a batch of accounts (rows locked, id order), inside the batch's
transaction. `Scheduler.batch_steps` runs them in order, before the cursors move; settlement is the first.
A later step (another day-boundary evaluation) is appended there."""

BATCH_ACCOUNTS = 500  # accounts per transaction of a batch pass (a global move, the real-time pass)


class Scheduler:
    def __init__(
        self,
        db: Database,
        clock: ClockSource,
        settings: Settings,
        sources: tuple[EventSource, ...],
        ip_bill: MonthlyBill,
        settlement: Settlement,
        after_settlement: tuple[BatchStep, ...] = (),
    ) -> None:
        """`after_settlement`: the batch steps that follow a batch's settlement (a source whose events
        are the day boundaries themselves, e.g. reputation, evaluates a whole batch there)."""
        self.db = db
        self.clock = clock
        self.settings = settings
        self.sources = sources
        self.ip_bill = ip_bill
        self.settlement = settlement
        self.batch_steps: list[BatchStep] = [self._settle_batch, *after_settlement]
        self.batch_accounts = BATCH_ACCOUNTS  # accounts per transaction (Settings.settle_batch_accounts)

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

    @staticmethod
    def send_due(acct: AccountRecord, now_us: int, ip_ready_us: int | None) -> bool:
        """Must a send transaction run the account's due events before it sends? A bill fell due, or a
        pending dedicated IP's ready time (`ip_ready_us`, the earliest) passed: the send goes out
        through that IP."""
        ip_due = ip_ready_us is not None and ip_ready_us <= now_us
        return ip_due or Scheduler.billing_due(acct, now_us)

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
        """Run due events for every account that has one; cheap when nothing is due (one read). Due
        accounts go in batches (`apply_due_many`); a batch that fails is retried account by account, so
        one account's failure never holds back the others."""
        ran = 0
        for chunk in chunks(self._accounts_due(), self.batch_accounts):
            try:
                ran += self.run_due_many(chunk)
            except Exception:
                for aid in chunk:
                    try:
                        ran += self.run_due(aid)
                    except Exception:
                        log.exception("scheduled events failed for account %s", aid)
        return ran

    def run_due_many(self, ids: Sequence[int]) -> int:
        """`run_due` for a batch of accounts in one transaction; returns how many accounts had work."""
        with self.db.write() as conn:
            rows = settlement_repo.lock_batch(conn, ids)
            wall = self.clock.wall_us()
            windows = [Window(r, ClockState(r.clock_offset_us, r.clock_frozen_us).now_us(wall)) for r in rows]
            return self.apply_due_many(conn, windows)

    def apply_due_many(self, conn: Tx, windows: list[Window]) -> int:
        """`apply_due` for a batch of accounts inside the caller's transaction (rows locked, id order):
        every step of `batch_steps`, then every cursor to its window's end, in one statement. Returns how
        many accounts had a window to run."""
        due = [w for w in windows if w.until_us > w.acct.events_until_us]
        if not due:
            return 0
        for step in self.batch_steps:
            step(conn, due)
        settlement_repo.set_cursors(conn, [(w.acct.id, w.until_us) for w in due])
        return len(due)

    def _settle_batch(self, conn: Tx, windows: list[Window]) -> None:
        """The bills of a batch of accounts as a few statements: the facts for the whole batch are read
        once (usage in the window, IP intervals, balances, unpaid bills, notice settings, bills already
        made), each account's bills are worked out in Python by the same domain rules as `apply_due`,
        and the bills and ledger rows are written with one multi-row statement each. An account whose
        window holds anything else — an event of a source (IP delivery, batch task), a bill it cannot
        pay (a notice and a suspension), a low-balance crossing — is run by `apply_due` itself, in
        account order, so bill and ledger ids come out exactly as account-by-account runs make them."""
        ids = [w.acct.id for w in windows]
        lo = min(w.acct.events_until_us for w in windows)
        hi = max(w.until_us for w in windows)
        hints: dict[int, int] = {}
        for source in self.sources:
            for aid, at in source.next_due_by_account(conn).items():
                hints[aid] = min(at, hints.get(aid, at))
        usage = settlement_repo.usage_between(conn, ids, _local_day(lo), _local_day(hi))
        months = monthly_ip_billings(lo, hi)
        spans = settlement_repo.intervals_of(conn, ids) if months else {}
        names = settlement_repo.ip_names(conn, list(spans)) if spans else {}
        billed = [aid for aid in ids if aid in usage or aid in spans]
        balances = settlement_repo.balances(conn, billed) if billed else {}
        unpaid = settlement_repo.with_unpaid(conn, billed) if billed else set()
        made = settlement_repo.bill_keys_after(conn, billed, lo) if billed else set()
        notice = settlement_repo.notice_settings_of(conn, billed) if billed else {}
        price = self.settings.price_per_email_micro
        new_bills: list[dict[str, Any]] = []
        new_ledger: list[dict[str, Any]] = []  # bill_id is the index into new_bills until flushed
        wall = self.clock.wall_us()

        def flush() -> None:
            bill_ids = settlement_repo.insert_paid_bills(conn, new_bills)
            for row in new_ledger:
                row["bill_id"] = bill_ids[row["bill_id"]]
            settlement_repo.insert_ledger(conn, new_ledger)
            new_bills.clear()
            new_ledger.clear()

        for w in windows:
            acct, after, until = w.acct, w.acct.events_until_us, w.until_us
            if hints.get(acct.id, until + 1) <= until:
                flush()
                self._apply_events(conn, acct, until)
                continue
            drafts: list[tuple[int, str, str, int, int, int, dict[str, Any]]] = []
            for u in usage.get(acct.id, ()):
                at = usage_settled_at(u.day)
                if after < at <= until:
                    paid = int(u.paid_units)
                    detail = {"free_units": int(u.free_units)}
                    drafts.append((at, USAGE, u.day, paid, price, usage_amount(paid, price), detail))
            if acct.id in spans:
                for ev in months:
                    if after < ev.at_us <= until:
                        found = self.ip_bill.month_bill_of(spans[acct.id], names, ev.period)
                        if found is not None:
                            drafts.append((ev.at_us, DEDICATED_IP, ev.period, *found))
            if not drafts:
                continue
            drafts.sort(key=lambda d: (d[0], d[1], d[2]))
            planned = _pay_all(
                acct.id, drafts, balances.get(acct.id, 0), acct.id in unpaid, made, notice.get(acct.id)
            )
            if planned is None:
                flush()
                self._apply_events(conn, acct, until)
                continue
            for at, kind, period, units, unit_price, amount, detail in planned:
                if amount:
                    new_ledger.append(
                        {
                            "account_id": acct.id,
                            "kind": "charge",
                            "amount_micro": -amount,
                            "bill_id": len(new_bills),
                            "note": f"{kind} {period}",
                            "account_time_us": at,
                            "real_time_us": wall,
                        }
                    )
                new_bills.append(
                    {
                        "account_id": acct.id,
                        "kind": kind,
                        "period": period,
                        "units": units,
                        "unit_price_micro": unit_price,
                        "amount_micro": amount,
                        "detail_json": _usage_detail(detail["free_units"])
                        if kind == USAGE
                        else json.dumps(detail),
                        "created_us": at,
                        "paid_us": at,
                    }
                )
        flush()

    def _apply_events(self, conn: Tx, acct: AccountRecord, until_us: int) -> None:
        """One account of a batch the account-by-account way (its cursor is moved with the batch's)."""
        self.apply_due(conn, acct, until_us)

    def _accounts_due(self) -> list[int]:
        wall = self.clock.wall_us()
        with self.db.read() as conn:
            hints: dict[int, int] = {}
            for source in self.sources:
                for aid, at in source.next_due_by_account(conn).items():
                    hints[aid] = min(at, hints.get(aid, at))
            # the accounts past their billing floor, and those a source names: a pass over 10,000 idle
            # accounts stays a scan in the database, not 10,000 rows in Python
            rows = accounts_repo.clocks_past_floor(conn, wall, hints.keys())
        due = []
        for aid, offset_us, frozen_us, cursor_us in rows:
            now = ClockState(offset_us, frozen_us).now_us(wall)
            nxt = min(next_billing_event(cursor_us), hints.get(aid, now + 1))
            if nxt <= now:
                due.append(aid)
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
        self.settlement.issue_bill(
            conn, acct.id, ev.kind, ev.period, units, price, amount, detail, ev.at_us, self.clock.wall_us()
        )


Draft = tuple[int, str, str, int, int, int, dict[str, Any]]
"""A bill worked out for a batch: (event time, kind, period, units, unit price, amount, detail)."""


def _pay_all(
    account_id: int,
    drafts: list[Draft],
    balance: int,
    older_unpaid: bool,
    made: set[tuple[int, str, str]],
    notice: NoticeSettingRecord | None,
) -> list[Draft] | None:
    """The account's new bills when every one is paid at issue and none changes the low-balance state
    (then nothing but bills and ledger rows is written); None when one is not (a notice is due: the
    account goes the account-by-account way). The rules are `apply_due`'s: a key billed already is
    skipped; `can_deduct`; the low-balance crossing after each non-zero payment."""
    out: list[Draft] = []
    for d in drafts:
        if (account_id, d[1], d[2]) in made:
            continue
        amount = d[5]
        if not can_deduct(balance, amount, older_unpaid):
            return None
        if amount:
            balance -= amount
            if notice is not None:
                below, warn = low_balance_crossing(
                    notice.low_balance_below, balance, notice.low_balance_threshold_micro
                )
                if warn or below != notice.low_balance_below:
                    return None
        out.append(d)
    return out


@lru_cache(maxsize=1024)
def _usage_detail(free_units: int) -> str:
    """A usage bill's detail_json (as json.dumps writes it), the same for every bill with that figure."""
    return json.dumps({"free_units": free_units})


def _local_day(us: int) -> str:
    return to_datetime(us).astimezone(BEIJING).strftime("%Y-%m-%d")


def chunks(ids: Sequence[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(ids), size):
        yield list(ids[i : i + size])
