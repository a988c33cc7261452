"""Property test of metering, daily settlement, top-ups and suspension (behaviour §2–§5).

A hypothesis state machine drives one account of a fresh `Core` (real database: SQLite and a
throw-away PostgreSQL schema) through random sends, top-ups, clock moves (the account clock frozen
and advanced, or running with the wall clock moved and the scheduler run), freezing/resuming and
repeated scheduler runs. After every step the tables are read directly and the billing invariants
checked. Set SES_BILLING_PROP_EXAMPLES / SES_BILLING_PROP_STEPS for a deeper search.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from emulator.domain.billing import due_events
from emulator.domain.clock import BEIJING, FixedWallClock, beijing_day, beijing_midnight_after, from_datetime
from emulator.domain.messages import OutgoingMessage
from emulator.errors import InsufficientBalance
from emulator.services.core import Core, build_core
from emulator.services.send_request import SendRequest
from emulator.storage.schema.notices import notices
from emulator.storage.tables import accounts, bills, ledger, message_recipients, messages, usage_daily
from tests.conftest import PgSchema, make_settings, require_pg

pytestmark = pytest.mark.postgres

PRICE = 280  # default micro-USD per billable email
FREE_QUOTA = 3
MINUTE = 60 * 1_000_000
DAY = 86_400 * 1_000_000

MAX_EXAMPLES = int(os.environ.get("SES_BILLING_PROP_EXAMPLES", "25"))
STEPS = int(os.environ.get("SES_BILLING_PROP_STEPS", "20"))

# Start instants (UTC+8): ordinary days, a leap-day month end, a year end.
START_DAYS = [
    datetime(2024, 3, 10, tzinfo=BEIJING),
    datetime(2024, 2, 28, tzinfo=BEIJING),
    datetime(2024, 12, 31, tzinfo=BEIJING),
    datetime(2025, 6, 30, tzinfo=BEIJING),
]
START_OFFSETS = st.one_of(
    st.sampled_from([0, 1, DAY - MINUTE, DAY - 1, 8 * 3600 * 1_000_000]),  # on / around midnight
    st.integers(0, DAY - 1),
)


# top-ups (still 1–2,000 micro-USD) that land on, or one off, what a bill of k emails costs
AROUND_BILL_AMOUNTS = st.builds(
    lambda k, j: max(k * PRICE + j, 1), st.integers(1, 7), st.sampled_from([-1, 0, 1])
)


class _Errors(logging.Handler):
    """Collects what the scheduler and the committer log and swallow (run_all keeps going on errors)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.records.append(text)


SWALLOWING_LOGGERS = ("emulator.scheduler", "emulator.sending")


def _midnight_after_day(day: str) -> int:
    """00:00 UTC+8 at the end of the UTC+8 day `day` (when its usage is settled)."""
    d = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=BEIJING)
    return from_datetime(d + timedelta(days=1))


class BillingMachine(RuleBasedStateMachine):
    backend = "sqlite"
    root = Path(tempfile.gettempdir())

    def __init__(self) -> None:
        super().__init__()
        self.core: Core | None = None
        self.schema: PgSchema | None = None
        self.account_id = 0
        self.sender = ""
        self.topped_up = 0
        self.accepted_recipients = 0
        self.accepted_messages = 0
        self.next_rcpt = 0
        self.lagging = False  # the account clock passed events the scheduler has not run yet
        self.errors = _Errors()

    # --- set-up / tear-down --------------------------------------------------------------------
    @initialize(start_day=st.sampled_from(START_DAYS), start_offset=START_OFFSETS)
    def start(self, start_day: datetime, start_offset: int) -> None:
        for name in SWALLOWING_LOGGERS:
            logging.getLogger(name).addHandler(self.errors)
        tmp = Path(tempfile.mkdtemp(prefix="billprop-", dir=self.root))
        cfg, self.schema = make_settings(tmp, self.backend)
        self.wall = FixedWallClock(from_datetime(start_day) + start_offset)
        self.core = build_core(cfg, wall=self.wall)
        assert self.core.settings.price_per_email_micro == PRICE
        creds = self.core.accounts.create(free_quota=FREE_QUOTA)
        self.account_id = creds.account_id
        self.sender = creds.sender
        self.core.clocks.freeze(self.account_id)

    def teardown(self) -> None:
        try:
            if self.core is not None:
                self.core.close()
            if self.schema is not None:
                self.schema.drop()
        finally:
            for name in SWALLOWING_LOGGERS:
                logging.getLogger(name).removeHandler(self.errors)

    # --- helpers -------------------------------------------------------------------------------
    @property
    def c(self) -> Core:
        assert self.core is not None
        return self.core

    def _row(self) -> Any:
        return self.c.accounts.get_row(self.account_id)

    def _now(self) -> int:
        return self.c.clock.of(self._row()).now_us()

    def _frozen(self) -> bool:
        return self._row().clock_frozen_us is not None

    # --- steps ---------------------------------------------------------------------------------
    @rule(n=st.integers(1, 5))
    def send(self, n: int) -> None:
        self._send(n)

    @rule(counts=st.lists(st.integers(1, 5), min_size=2, max_size=4))
    def send_several(self, counts: list[int]) -> None:
        """Back-to-back sends at one instant (reaching paid usage and arrears in fewer steps)."""
        for n in counts:
            self._send(n)

    def _send(self, n: int) -> None:
        before = self._row()
        rcpts = [f"r{self.next_rcpt + i}@example.com" for i in range(n)]
        self.next_rcpt += n

        request = SendRequest(
            self.account_id,
            OutgoingMessage(
                source="api", mail_from=self.sender, recipients=list(rcpts), raw=b"Subject: x\r\n\r\nhi"
            ),
        )

        if before.suspended_reason is not None:
            with pytest.raises(InsufficientBalance):
                self.c.sending.send_sync(request)
            return  # the invariants check that nothing was stored or metered
        try:
            receipt = self.c.sending.send_sync(request)
        except InsufficientBalance:
            # a billing event fell due since the scheduler's last run: the send settles it first, and a
            # failed deduction suspends the account at that moment (behaviour §5)
            after = self._row()
            assert before.suspended_reason is None and after.suspended_reason is not None
            assert after.suspended_us is not None and after.suspended_us <= self._now()
            return
        free_left = before.free_quota - before.free_used
        assert receipt.recipients == n
        assert receipt.free_units == min(free_left, n)
        assert receipt.paid_units == n - receipt.free_units
        assert receipt.account_time_us == self._now()
        self.accepted_recipients += n
        self.accepted_messages += 1

    @rule(micro=st.one_of(st.integers(1, 2_000), AROUND_BILL_AMOUNTS))
    def top_up(self, micro: int) -> None:
        state = self.c.accounts.top_up(self.account_id, micro)
        self.topped_up += micro
        self.lagging = False  # a top-up runs what is due first
        assert state.balance_micro >= 0

    def _oldest_unpaid(self) -> int | None:
        with self.c.db.engine.connect() as conn:
            amount = conn.execute(
                select(bills.c.amount_micro)
                .where(bills.c.account_id == self.account_id, bills.c.paid_us.is_(None))
                .order_by(bills.c.created_us, bills.c.id)
                .limit(1)
            ).scalar()
        return None if amount is None else int(amount)

    @precondition(lambda self: self.core is not None and (self.lagging or self._oldest_unpaid() is not None))
    @rule(jitter=st.sampled_from([-1, 0, 1]))
    def top_up_around_the_oldest_arrears(self, jitter: int) -> None:
        """Top up (still 1–2,000 micro-USD) by what the oldest unpaid bill needs, or one off either way
        (after the bills due by now are issued, as a top-up does first)."""
        self.c.scheduler.run_due(self.account_id)
        self.lagging = False
        oldest = self._oldest_unpaid()
        if oldest is None:
            return
        need = oldest - self.c.accounts.state(self.account_id).balance_micro
        self.top_up(min(max(need + jitter, 1), 2_000))

    @rule(delta=st.integers(MINUTE, 3 * DAY))
    def advance_clock(self, delta: int) -> None:
        before = self._now()
        self.c.clocks.advance(self.account_id, delta)
        self.lagging = False
        assert self._now() == before + delta

    @rule(jitter=st.sampled_from([-1, 0, 1]))
    def advance_to_next_midnight(self, jitter: int) -> None:
        """Land on (or a microsecond either side of) the next 00:00 UTC+8."""
        now = self._now()
        delta = max(beijing_midnight_after(now) - now + jitter, 0)
        self.c.clocks.advance(self.account_id, delta)
        self.lagging = False

    @rule()
    def freeze_or_resume_clock(self) -> None:
        """Frozen → running with the wall clock (no jump), or back."""
        before, frozen = self._now(), self._frozen()
        if frozen:
            self.c.clocks.resume(self.account_id)
        else:
            self.c.clocks.freeze(self.account_id)
        self.lagging = False
        assert self._frozen() != frozen
        assert self._now() == before

    @rule(delta=st.integers(MINUTE, 3 * DAY))
    def move_wall_and_run_scheduler(self, delta: int) -> None:
        frozen, before = self._frozen(), self._now()
        self.wall.set(self.wall.now_us() + delta)
        self.c.scheduler.run_all()
        self.lagging = False
        assert self._now() == (before if frozen else before + delta)

    @rule(delta=st.integers(MINUTE, 3 * DAY))
    def move_wall_scheduler_lagging(self, delta: int) -> None:
        """Real time passes but the scheduler has not ticked yet (the server's 1 s interval, or events
        that fell due while it was down): sends in between are stamped with the new account time."""
        frozen = self._frozen()
        self.wall.set(self.wall.now_us() + delta)
        self.lagging = self.lagging or not frozen

    @rule(after=st.sampled_from([0, 1, MINUTE]), counts=st.lists(st.integers(1, 5), max_size=3))
    def cross_midnight_before_the_scheduler_ticks(self, after: int, counts: list[int]) -> None:
        """Let the clock run with real time and move the wall to just past the next 00:00 UTC+8 without
        running the scheduler, then send: the send itself settles the old day first (and is refused if
        that deduction fails), as a real midnight between two scheduler ticks would."""
        if self._frozen():
            self.c.clocks.resume(self.account_id)
        now = self._now()
        self.wall.set(self.wall.now_us() + beijing_midnight_after(now) - now + after)
        self.lagging = True
        for n in counts:
            self._send(n)

    @rule()
    def run_scheduler_twice(self) -> None:
        self.c.scheduler.run_all()
        self.lagging = False
        assert self.c.scheduler.run_all() == 0  # nothing can be due twice

    # --- invariants ----------------------------------------------------------------------------
    @invariant()
    def billing_invariants(self) -> None:
        if self.core is None:
            return
        assert self.errors.records == [], "\n".join(self.errors.records)  # nothing failed and was swallowed
        aid = self.account_id
        state = self.c.accounts.state(aid)
        with self.c.db.engine.connect() as conn:
            acct = conn.execute(select(accounts).where(accounts.c.id == aid)).one()
            ledger_rows = conn.execute(
                select(ledger).where(ledger.c.account_id == aid).order_by(ledger.c.id)
            ).all()
            bill_rows = conn.execute(
                select(bills).where(bills.c.account_id == aid).order_by(bills.c.created_us, bills.c.id)
            ).all()
            usage = {
                r.day: r for r in conn.execute(select(usage_daily).where(usage_daily.c.account_id == aid))
            }
            all_msgs = conn.execute(select(messages).where(messages.c.account_id == aid)).all()
            msg_rows = [m for m in all_msgs if m.source != "notice"]  # the sends
            notice_mail = [m for m in all_msgs if m.source == "notice"]
            notice_rows = conn.execute(
                select(notices).where(notices.c.account_id == aid).order_by(notices.c.id)
            ).all()
            rcpt_days = Counter(
                r.request_day
                for r in conn.execute(
                    select(message_recipients.c.request_day).where(message_recipients.c.account_id == aid)
                )
            )
            dup = conn.execute(
                select(bills.c.account_id, bills.c.kind, bills.c.period, func.count())
                .group_by(bills.c.account_id, bills.c.kind, bills.c.period)
                .having(func.count() > 1)
            ).all()
        now = state.clock_us

        # the scheduler cursor never runs ahead of the clock, and once it has run no event is left due
        # behind it (it may stay put when nothing fell due: run_all skips idle accounts)
        cursor = acct.events_until_us
        assert cursor <= now
        if not self.lagging:
            assert due_events(cursor, now) == [], (cursor, now)

        # balance: the ledger sum, never negative, what AccountState reports, and explained by the bills
        balance = sum(int(r.amount_micro) for r in ledger_rows)
        assert balance >= 0
        assert balance == state.balance_micro
        assert sum(int(r.amount_micro) for r in ledger_rows if r.kind == "topup") == self.topped_up
        paid_total = sum(int(b.amount_micro) for b in bill_rows if b.paid_us is not None)
        assert balance == self.topped_up - paid_total
        assert {r.kind for r in ledger_rows} <= {"topup", "charge", "settlement"}

        # suspension ⇔ arrears
        unpaid = [b for b in bill_rows if b.paid_us is None]
        arrears = [b for b in unpaid if b.amount_micro > 0]
        assert (acct.suspended_reason is not None) == bool(arrears), (acct.suspended_reason, arrears)
        if arrears:
            assert acct.suspended_reason == "arrears"
        assert state.suspended == bool(arrears)
        assert state.unpaid_micro == sum(int(b.amount_micro) for b in unpaid)

        # notices (docs/notices.md), exactly once: one deduction-failed notice per bill whose deduction
        # failed at issue (unpaid, or paid later by a top-up's settlement), one suspension notice per
        # arrears suspension and one resumption per lifting; each with its mail, never metered
        settled_later = {int(r.bill_id) for r in ledger_rows if r.kind == "settlement"}
        failed_at_issue = sorted(
            int(b.id)
            for b in bill_rows
            if b.amount_micro > 0 and (b.paid_us is None or b.id in settled_later)
        )
        kinds = Counter(n.kind for n in notice_rows)
        assert sorted(int(n.bill_id) for n in notice_rows if n.kind == "deduction_failed") == failed_at_issue
        assert kinds["suspended"] - kinds["resumed"] == (1 if arrears else 0), kinds
        assert set(kinds) <= {"deduction_failed", "suspended", "resumed"}  # no threshold set here
        assert sorted(m.message_id for m in notice_mail) == sorted(n.message_id for n in notice_rows)
        assert all(m.free_units == m.paid_units == 0 for m in notice_mail)

        # no period billed twice
        assert dup == []
        assert len({(b.kind, b.period) for b in bill_rows}) == len(bill_rows)

        # metering: usage == stored recipients == stored messages' units == what was accepted
        usage_free = sum(int(u.free_units) for u in usage.values())
        usage_paid = sum(int(u.paid_units) for u in usage.values())
        assert usage_free + usage_paid == sum(rcpt_days.values()) == self.accepted_recipients
        assert sum(int(m.free_units) + int(m.paid_units) for m in msg_rows) == self.accepted_recipients
        assert len(msg_rows) == self.accepted_messages
        assert acct.free_used == usage_free <= acct.free_quota
        assert acct.free_used == min(FREE_QUOTA, self.accepted_recipients)  # free units are spent first
        assert state.paid_units == usage_paid
        per_day: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for m in msg_rows:
            d = beijing_day(m.account_time_us)
            per_day[d][0] += int(m.free_units)
            per_day[d][1] += int(m.paid_units)
        assert {d: [int(u.free_units), int(u.paid_units)] for d, u in usage.items()} == dict(per_day)
        assert {d: int(u.free_units) + int(u.paid_units) for d, u in usage.items()} == dict(rcpt_days)

        # usage bills: one per used day whose midnight has passed (and been run by the scheduler),
        # for exactly its paid units
        assert all(b.kind == "usage" for b in bill_rows)
        billed = {b.period: b for b in bill_rows}
        for day in usage:
            assert (day in billed) == (cursor >= _midnight_after_day(day)), (day, cursor, now, sorted(billed))
        for day, b in billed.items():
            assert day in usage, f"bill for {day} without usage"
            assert b.units == usage[day].paid_units
            assert b.unit_price_micro == PRICE
            assert b.amount_micro == b.units * PRICE
            assert b.created_us == _midnight_after_day(day)

        # paid bills carry exactly one deduction of −amount (none for zero bills); unpaid bills none
        by_bill: dict[int, list[Any]] = defaultdict(list)
        for r in ledger_rows:
            if r.kind == "topup":
                assert r.bill_id is None and r.amount_micro > 0
            else:
                assert r.bill_id is not None
                by_bill[r.bill_id].append(r)
        assert set(by_bill) <= {b.id for b in bill_rows}
        for b in bill_rows:
            entries = by_bill.get(b.id, [])
            if b.paid_us is None or b.amount_micro == 0:
                assert entries == [], (b, entries)
            else:
                assert len(entries) == 1, (b, entries)
                assert entries[0].amount_micro == -b.amount_micro
                assert entries[0].kind in ("charge", "settlement")
                if entries[0].kind == "charge":
                    assert b.paid_us == b.created_us
                assert b.paid_us >= b.created_us
        # zero bills are recorded and count as paid at once
        for b in bill_rows:
            if b.amount_micro == 0:
                assert b.paid_us == b.created_us, b

        # strictly oldest first: among non-zero bills the unpaid ones are a suffix in created order,
        # and the oldest unpaid bill is one the balance cannot cover (else it would have been paid)
        nonzero = [b for b in bill_rows if b.amount_micro > 0]
        first_unpaid = next((i for i, b in enumerate(nonzero) if b.paid_us is None), len(nonzero))
        assert all(b.paid_us is None for b in nonzero[first_unpaid:]), [
            (b.period, b.amount_micro, b.paid_us) for b in nonzero
        ]
        if arrears:
            assert arrears[0].amount_micro > balance, (arrears[0], balance)


SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_billing_invariants_hold_over_random_histories(backend: str, tmp_path: Path) -> None:
    if backend == "postgresql":
        require_pg()
    machine = type(f"BillingMachine_{backend}", (BillingMachine,), {"backend": backend, "root": tmp_path})
    run_state_machine_as_test(machine, settings=SETTINGS)
