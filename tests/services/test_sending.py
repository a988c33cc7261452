"""Sending (behaviour §4, §5, §7): every accepted message is metered and stored in one transaction,
the 1,000 free units go first, refused sends leave nothing behind, a suspended account is refused with
FailedOperation.InsufficientBalance, and only the account's own senders may send."""

from __future__ import annotations

import json
import time
from concurrent.futures import Future

import pytest
from sqlalchemy import func, select

from emulator.domain.clock import FixedWallClock
from emulator.domain.messages import SHARED_POOL, MailFilter
from emulator.errors import EmulatorError, InsufficientBalance, TencentError
from emulator.services.core import Core
from emulator.services.sending import Receipt
from emulator.storage.tables import message_recipients, messages, usage_daily
from tests.services.conftest import WALL, at, bj, compose_for, eml, rcpts, send_api, send_many, send_smtp
from tests.turn_holder import turn_held_elsewhere


def counts(core: Core, account_id: int) -> tuple[int, int, int, int]:
    """(messages, recipient rows, free units, paid units) as stored; account notices (source "notice",
    never metered) are not sends and are left out of the messages."""
    with core.db.engine.connect() as conn:
        n_msg = conn.execute(
            select(func.count())
            .select_from(messages)
            .where(messages.c.account_id == account_id, messages.c.source != "notice")
        )
        n_rcpt = conn.execute(
            select(func.count())
            .select_from(message_recipients)
            .where(message_recipients.c.account_id == account_id)
        )
        units = conn.execute(
            select(
                func.coalesce(func.sum(usage_daily.c.free_units), 0),
                func.coalesce(func.sum(usage_daily.c.paid_units), 0),
            ).where(usage_daily.c.account_id == account_id)
        ).one()
        return int(n_msg.scalar_one()), int(n_rcpt.scalar_one()), int(units[0]), int(units[1])


def test_an_api_send_is_metered_and_stored_together(core: Core) -> None:
    a = core.accounts.create("a")
    at(core, "a", "2031-01-05T10:00")
    # To 2 + Cc 1 + Bcc 1 = 4 recipients = 4 units (SendEmail refuses an address repeated across lists)
    r = send_api(core, a, ["x@example.com", "y@example.com"], cc=["z@example.com"], bcc=["w@example.com"])
    assert (r.recipients, r.free_units, r.paid_units) == (4, 4, 0)
    assert r.account_time_us == bj("2031-01-05T10:00")
    assert r.sending_ip in SHARED_POOL
    assert counts(core, a.account_id) == (1, 4, 4, 0)
    [msg], total = core.mailbox.list(a.account_id, MailFilter())
    assert total == 1
    assert msg["id"] == r.message_id and msg["source"] == "api"
    assert msg["recipients"] == ["x@example.com", "y@example.com", "z@example.com", "w@example.com"]
    assert (msg["account_time_us"], msg["real_time_us"]) == (bj("2031-01-05T10:00"), WALL)
    assert (msg["free_units"], msg["paid_units"], msg["sending_ip"]) == (4, 0, r.sending_ip)
    s = core.accounts.state("a")
    assert (s.free_used, s.free_left, s.paid_units) == (4, 996, 0)
    [day] = core.billing.usage("a")
    assert (day.day, day.free_units, day.paid_units, day.cost_micro) == ("2031-01-05", 4, 0, 0)


def test_free_quota_then_paid_units(core: Core) -> None:
    a = core.accounts.create("a")
    at(core, "a", "2031-01-05T10:00")
    send_many(core, a, 995)  # 19 × 50 + 45: 995 free units, 5 left
    r = send_api(core, a, rcpts(8, "late"))
    # 8 recipients with 5 free units left: 5 free + 3 paid
    assert (r.free_units, r.paid_units) == (5, 3)
    r2 = send_api(core, a, ["one@example.com"])
    assert (r2.free_units, r2.paid_units) == (0, 1)
    s = core.accounts.state("a")
    assert (s.free_used, s.free_left, s.paid_units) == (1_000, 0, 4)
    [day] = core.billing.usage("a")
    # 4 paid × 280 micro-USD = 1,120 micro-USD = 0.00112 USD
    assert (day.free_units, day.paid_units, day.cost_micro) == (1_000, 4, 1_120)
    assert counts(core, a.account_id) == (22, 1_004, 1_000, 4)


def test_usage_is_booked_on_the_utc_plus_8_day(core: Core) -> None:
    a = core.accounts.create("a")
    at(core, "a", "2031-01-05T23:59:59")
    send_api(core, a, ["x@example.com"])
    at(core, "a", "2031-01-06T00:00:00")  # 16:00 UTC: a new Beijing day
    send_api(core, a, ["x@example.com", "y@example.com"])
    assert [(d.day, d.free_units) for d in core.billing.usage("a")] == [("2031-01-05", 1), ("2031-01-06", 2)]


def test_an_smtp_send_keeps_the_raw_mime_and_counts_each_envelope_recipient_once(core: Core) -> None:
    a = core.accounts.create("a")
    at(core, "a", "2031-01-05T10:00")
    raw = eml("Smtp subject", "x@example.com", "hello over smtp")
    r = send_smtp(core, a, ["x@example.com", "X@Example.com", "y@example.com"], raw)
    assert (r.recipients, r.free_units) == (2, 2)
    [msg], _ = core.mailbox.list(a.account_id, MailFilter(source="smtp"))
    assert msg["subject"] == "Smtp subject" and msg["mail_from"] == a.sender
    assert core.mailbox.raw(a.account_id, r.message_id) == raw
    assert counts(core, a.account_id) == (1, 2, 2, 0)


def test_a_sender_of_another_account_is_refused_and_nothing_is_metered(core: Core) -> None:
    a = core.accounts.create("a")
    b = core.accounts.create("b", sender="hello@b.example.org")
    with pytest.raises(TencentError) as api:
        send_api(core, a, ["x@example.com"], sender="hello@b.example.org")
    assert api.value.tencent_code == "FailedOperation.NotAuthenticatedSender"
    with pytest.raises(TencentError) as smtp:
        send_smtp(core, a, ["x@example.com"], eml("s", "x@example.com", "b"), mail_from="hello@b.example.org")
    assert smtp.value.tencent_code == "FailedOperation.NotAuthenticatedSender"
    assert counts(core, a.account_id) == counts(core, b.account_id) == (0, 0, 0, 0)
    assert core.accounts.state("a").free_used == 0
    # b itself may send from its address, and it lands in b only
    send_api(core, b, ["x@example.com"])
    assert counts(core, b.account_id) == (1, 1, 1, 0) and counts(core, a.account_id) == (0, 0, 0, 0)


def test_a_new_sender_address_of_the_account_may_send_at_once(core: Core) -> None:
    a = core.accounts.create("a")
    with pytest.raises(TencentError):
        send_api(core, a, ["x@example.com"], sender="second@mail.example.com")  # not created yet
    core.identities.create_sender(a.account_id, "second@mail.example.com")
    r = send_api(core, a, ["x@example.com"], sender="Second <second@mail.example.com>")
    assert r.free_units == 1


@pytest.mark.parametrize("how", ["manual", "arrears"])
def test_a_suspended_account_is_refused_and_nothing_is_stored_or_metered(core: Core, how: str) -> None:
    a = core.accounts.create("a", free_quota=0)
    at(core, "a", "2031-01-05T10:00")
    send_api(core, a, ["x@example.com"])  # 1 paid unit, balance 0
    if how == "manual":
        core.billing.suspend("a")
    else:
        at(core, "a", "2031-01-06T00:00")  # the 280 micro-USD bill fails: suspended in arrears
    before = counts(core, a.account_id)
    with pytest.raises(InsufficientBalance) as api:
        send_api(core, a, ["y@example.com"])
    assert api.value.tencent_code == "FailedOperation.InsufficientBalance"
    with pytest.raises(InsufficientBalance):  # SMTP refuses at MAIL FROM
        send_smtp(core, a, ["y@example.com"], eml("s", "y@example.com", "b"))
    assert counts(core, a.account_id) == before == (1, 1, 0, 1)
    assert core.accounts.state("a").suspended_reason == how


def test_a_send_past_mail_from_is_still_refused_when_the_account_is_suspended_meanwhile(core: Core) -> None:
    """The sending transaction re-checks under the row lock; the look-up cache is not trusted."""
    a = core.accounts.create("a")
    assert core.accounts.mail_from(a.account_id, a.sender) == a.account_id  # MAIL FROM accepted (cached)
    core.billing.suspend("a")
    with pytest.raises(InsufficientBalance):
        core.accounts.mail_from(a.account_id, a.sender)  # the suspension's commit cleared the cache
    with pytest.raises(InsufficientBalance):
        # a sender the account does not own: suspension is answered first, before any composing
        core.sending.send_sync(compose_for(core, a.account_id, "nobody@elsewhere.example", ["x@example.com"]))
    assert counts(core, a.account_id) == (0, 0, 0, 0)


def test_a_send_just_after_a_failed_midnight_is_refused_without_waiting_for_the_scheduler(
    core: Core, wall: FixedWallClock
) -> None:
    """A running clock passes 00:00 between sends and no scheduler tick runs: the sending transaction
    settles first, the bill fails and the account is suspended "at that moment"."""
    a = core.accounts.create("a", free_quota=0)
    core.clocks.set_to("a", bj("2031-01-05T23:59:59"))  # running, not frozen
    send_api(core, a, ["x@example.com"])  # 1 paid unit on 5 Jan, balance 0
    wall.set(WALL + 2_000_000)  # two seconds later: 00:00:01 on 6 Jan
    with pytest.raises(InsufficientBalance):
        send_api(core, a, ["y@example.com"])
    s = core.accounts.state("a")
    assert s.suspended_reason == "arrears" and s.suspended_us == bj("2031-01-06T00:00")
    assert s.unpaid_micro == 280
    assert counts(core, a.account_id) == (1, 1, 0, 1)
    # the committer's transaction recorded the midnight's notices with the failed bill and the suspension
    assert [v.notice.kind for v in core.notices.list("a")] == ["suspended", "deduction_failed"]


def test_a_refused_message_in_a_batch_does_not_stop_the_others(core: Core) -> None:
    a = core.accounts.create("a")
    core.sending.start()
    futures: list[Future[Receipt]] = []
    for i in range(30):
        sender = a.sender if i % 3 else "nobody@mail.example.com"  # every third one is refused
        futures.append(core.sending.submit(compose_for(core, a.account_id, sender, [f"u{i}@example.com"])))
    ok = [f for f in futures if f.exception(timeout=30) is None]
    bad = [f.exception() for f in futures if f.exception() is not None]
    assert len(ok) == 20 and len(bad) == 10
    assert all(
        isinstance(e, EmulatorError) and e.tencent_code == "FailedOperation.NotAuthenticatedSender"
        for e in bad
    )
    assert counts(core, a.account_id) == (20, 20, 20, 0)


def test_concurrent_senders_never_overspend_the_free_quota(core: Core) -> None:
    """40 messages × 5 recipients queued at once over a quota of 123: exactly 123 free, 77 paid."""
    a = core.accounts.create("a", free_quota=123)
    futures = [
        core.sending.submit(compose_for(core, a.account_id, a.sender, rcpts(5, f"m{i}-"))) for i in range(40)
    ]
    receipts = [f.result(timeout=30) for f in futures]
    assert sum(r.free_units for r in receipts) == 123
    assert sum(r.paid_units for r in receipts) == 200 - 123
    assert sum(1 for r in receipts if r.free_units and r.paid_units) == 1  # one message straddles
    s = core.accounts.state("a")
    assert (s.free_used, s.free_left, s.paid_units) == (123, 0, 77)
    assert counts(core, a.account_id) == (40, 200, 123, 77)
    ids = [r.message_id for r in receipts]
    assert len(set(ids)) == 40
    with core.db.engine.connect() as conn:
        stored = {
            json.dumps(sorted(json.loads(x)))
            for x in conn.execute(select(messages.c.recipients_json)).scalars()
        }
    assert len(stored) == 40


def test_sends_queued_while_another_process_writes_go_in_one_commit(core: Core) -> None:
    """storage.write_turn: the committer takes in what queued while it waited for its turn, so two
    processes on one SQLite file do not split each other's group commits into halves."""
    a = core.accounts.create("a")
    core.sending.start()
    with turn_held_elsewhere(str(core.db.engine.url)) as holder:
        commits = core.sending.held[3]
        first = core.sending.submit(compose_for(core, a.account_id, a.sender, ["first@example.com"]))
        time.sleep(0.3)  # the committer has taken it and waits for the turn
        rest = [
            core.sending.submit(compose_for(core, a.account_id, a.sender, [f"u{i}@example.com"]))
            for i in range(9)
        ]
        assert not first.done()
        holder.release()
        receipts = [f.result(timeout=30) for f in [first, *rest]]
    assert len({r.message_pk for r in receipts}) == 10
    assert core.sending.held[3] - commits == 1
