"""Daily settlement and suspension (behaviour §5) in process: move an account clock across 00:00
UTC+8 and check the bill, the ledger and the state against figures computed by hand."""

from __future__ import annotations

import json
from typing import Any

import pytest

from emulator.errors import Conflict, InsufficientBalance
from emulator.services.core import Core
from tests.services.conftest import at, bj, rcpts, send_api, send_many

PRICE = 280  # micro-USD per paid email


def ledger(core: Core, account: str) -> list[tuple[str, int]]:
    return [(r.kind, r.amount_micro) for r in core.billing.ledger(account)]


def bills(core: Core, account: str, **kw: Any) -> list[tuple[str, str, int, int, int, bool]]:
    return [
        (b.kind, b.period, b.units, b.unit_price_micro, b.amount_micro, b.paid_us is not None)
        for b in core.billing.bills(account, **kw)
    ]


def test_midnight_settles_the_days_paid_usage_and_deducts_it(core: Core) -> None:
    a = core.accounts.create("a")
    at(core, "a", "2031-01-05T10:00")
    core.accounts.top_up("a", 1_000_000)  # 1 USD
    send_many(core, a, 3_500)  # 1,000 free + 2,500 paid
    at(core, "a", "2031-01-05T23:59:59")
    assert bills(core, "a") == []  # not yet midnight
    at(core, "a", "2031-01-06T00:00")
    # 2,500 paid × 280 = 700,000 micro-USD = 0.70 USD; 1,000,000 − 700,000 = 300,000 left
    assert bills(core, "a") == [("usage", "2031-01-05", 2_500, PRICE, 700_000, True)]
    [bill] = core.billing.bills("a")
    assert bill.created_us == bill.paid_us == bj("2031-01-06T00:00")
    assert json.loads(bill.detail_json) == {"free_units": 1_000}
    assert ledger(core, "a") == [("topup", 1_000_000), ("charge", -700_000)]
    s = core.accounts.state("a")
    assert (s.balance_micro, s.unpaid_micro, s.suspended) == (300_000, 0, False)


def test_a_bill_is_issued_once_however_the_clock_is_moved(core: Core) -> None:
    a = core.accounts.create("a", free_quota=0)
    at(core, "a", "2031-01-05T10:00")
    core.accounts.top_up("a", 10_000)
    send_api(core, a, rcpts(3))  # 3 × 280 = 840
    for step in ("2031-01-06T00:00", "2031-01-06T00:00", "2031-01-06T12:00", "2031-01-09T00:00"):
        at(core, "a", step)
    assert core.scheduler.run_due(a.account_id) == 0  # nothing left to run
    assert bills(core, "a") == [("usage", "2031-01-05", 3, PRICE, 840, True)]  # empty days bill nothing
    assert core.accounts.state("a").balance_micro == 10_000 - 840 == 9_160


def test_a_day_of_free_mail_gives_a_zero_bill_that_never_suspends(core: Core) -> None:
    a = core.accounts.create("a")  # balance 0
    at(core, "a", "2031-01-05T10:00")
    send_api(core, a, rcpts(7))
    at(core, "a", "2031-01-06T00:00")
    assert bills(core, "a") == [("usage", "2031-01-05", 0, PRICE, 0, True)]
    assert ledger(core, "a") == []  # nothing to post for a zero bill
    assert not core.accounts.state("a").suspended


def test_failed_deduction_suspends_and_top_ups_resume_in_full(core: Core) -> None:
    a = core.accounts.create("a")
    at(core, "a", "2031-01-05T10:00")
    core.accounts.top_up("a", 500_000)  # 0.50 USD
    send_many(core, a, 3_500)  # 2,500 paid = 0.70 USD > 0.50 USD
    at(core, "a", "2031-01-06T00:00:05")
    s = core.accounts.state("a")
    # all or nothing: the 0.50 USD stays, the 0.70 USD bill is unpaid, suspended at 00:00:00 exactly
    assert (s.balance_micro, s.unpaid_micro) == (500_000, 700_000)
    assert (s.suspended_reason, s.suspended_us) == ("arrears", bj("2031-01-06T00:00"))
    assert ledger(core, "a") == [("topup", 500_000)]
    with pytest.raises(InsufficientBalance):
        send_api(core, a, ["x@example.com"])
    with pytest.raises(Conflict):
        core.billing.resume("a")  # arrears are lifted by paying, not by hand
    s = core.accounts.top_up("a", 100_000)  # 0.60 USD < 0.70 USD: no partial payment
    assert (s.balance_micro, s.unpaid_micro, s.suspended) == (600_000, 700_000, True)
    s = core.accounts.top_up("a", 100_000)  # 0.70 USD: the bill is paid in full
    assert (s.balance_micro, s.unpaid_micro, s.suspended, s.suspended_reason) == (0, 0, False, None)
    assert ledger(core, "a") == [
        ("topup", 500_000),
        ("topup", 100_000),
        ("topup", 100_000),
        ("settlement", -700_000),
    ]
    assert bills(core, "a", status="paid") == [("usage", "2031-01-05", 2_500, PRICE, 700_000, True)]
    assert send_api(core, a, ["x@example.com"]).paid_units == 1  # sending works again at once


def test_unpaid_bills_are_settled_strictly_oldest_first(core: Core) -> None:
    """Oldest: the January dedicated-IP bill (1 Feb 08:00), 7.74 USD. Newer: 1 Feb's usage (2 Feb
    00:00), 10 × 280 = 2,800. A top-up of 5,000 covers the newer bill but not the older: nothing is paid."""
    a = core.accounts.create("a", free_quota=0)
    at(core, "a", "2031-01-30T12:00")
    core.ips.apply("a")  # from stock: enabled on 30 Jan → 30 and 31 Jan used
    at(core, "a", "2031-02-01T03:00")  # not yet suspended: the IP bill comes at 08:00
    send_api(core, a, rcpts(10))
    at(core, "a", "2031-02-02T00:00")
    # IP: 120 USD × 2/31 = 7.741935… → 7.74 USD = 7,740,000; usage 1 Feb: 2,800; 31 Jan: no mail, no bill
    assert bills(core, "a") == [
        ("dedicated_ip", "2031-01", 2, 120_000_000, 7_740_000, False),
        ("usage", "2031-02-01", 10, PRICE, 2_800, False),
    ]
    s = core.accounts.state("a")
    assert (s.suspended_reason, s.suspended_us, s.unpaid_micro) == (
        "arrears",
        bj("2031-02-01T08:00"),
        7_742_800,
    )
    s = core.accounts.top_up("a", 5_000)
    assert (s.balance_micro, s.unpaid_micro, s.suspended) == (5_000, 7_742_800, True)
    # 5,000 + 7,737,800 = 7,742,800: both bills, oldest first, and the account resumes
    s = core.accounts.top_up("a", 7_737_800)
    assert (s.balance_micro, s.unpaid_micro, s.suspended) == (0, 0, False)
    assert [k for k, _ in ledger(core, "a")] == ["topup", "topup", "settlement", "settlement"]
    assert ledger(core, "a")[2:] == [("settlement", -7_740_000), ("settlement", -2_800)]


def test_a_top_up_short_of_the_bill_pays_nothing_and_the_rest_resumes(core: Core) -> None:
    a = core.accounts.create("a", free_quota=0)
    at(core, "a", "2031-01-05T10:00")
    send_api(core, a, rcpts(2))  # 560, balance 0: fails at 6 Jan 00:00
    at(core, "a", "2031-01-06T00:00")
    core.accounts.top_up("a", 100)  # not enough for 560: still suspended, nothing paid
    at(core, "a", "2031-01-07T00:00")  # no mail on 6 Jan (suspended): no new bill
    assert bills(core, "a") == [("usage", "2031-01-05", 2, PRICE, 560, False)]
    s = core.accounts.top_up("a", 460)  # 100 + 460 = 560
    assert (s.balance_micro, s.suspended) == (0, False)


def test_manual_suspension_survives_a_top_up_and_is_lifted_by_hand(core: Core) -> None:
    a = core.accounts.create("a")
    core.billing.suspend("a")
    s = core.accounts.top_up("a", 1_000_000)
    assert (s.suspended_reason, s.balance_micro) == ("manual", 1_000_000)
    with pytest.raises(InsufficientBalance, match="administrator"):
        send_api(core, a, ["x@example.com"])
    core.billing.resume("a")
    assert not core.accounts.state("a").suspended
    assert send_api(core, a, ["x@example.com"]).free_units == 1


def test_each_account_is_billed_on_its_own_clock(core: Core) -> None:
    a = core.accounts.create("a", free_quota=0)
    b = core.accounts.create("b", free_quota=0)
    for name, creds in (("a", a), ("b", b)):
        at(core, name, "2031-01-05T10:00")
        send_api(core, creds, rcpts(1))
    at(core, "a", "2031-01-06T00:00")
    assert core.accounts.state("a").suspended and not core.accounts.state("b").suspended
    assert bills(core, "b") == []
