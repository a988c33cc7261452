"""Dedicated IPs (behaviour §6) in process: filled from stock at once or after a lead time, at most 3
applications per UTC+8 month, sends through an enabled IP, and the prorated monthly fee charged at
08:00 UTC+8 on the 1st — figures computed by hand in the comments."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from emulator.domain.clock import FixedWallClock
from emulator.domain.dedicated_ips import DAY_US, lead_time_us
from emulator.domain.messages import SHARED_POOL
from emulator.errors import Conflict, InsufficientBalance, LimitError, NotFound
from emulator.services.core import Core
from emulator.storage.mail_repo import MailFilter
from tests.services.conftest import WALL, at, bj, send_api

USD = 1_000_000


def ip_bills(core: Core, account: str) -> list[tuple[str, int, int, bool]]:
    return [
        (b.period, b.units, b.amount_micro, b.paid_us is not None)
        for b in core.billing.bills(account, kind="dedicated_ip")
    ]


def test_an_application_with_stock_is_enabled_at_once_and_carries_the_mail(core: Core) -> None:
    a = core.accounts.create("a")
    at(core, "a", "2031-01-10T12:00")
    assert core.ips.stock_left() == 3  # the default inventory
    row = core.ips.apply("a")
    now = bj("2031-01-10T12:00")
    assert (row.status, row.ip, row.application_month) == ("enabled", "203.0.113.1", "2031-01")
    assert row.applied_us == row.ready_us == row.enabled_us == now
    assert core.ips.stock_left() == 2
    r = send_api(core, a, ["x@example.com"])
    assert r.sending_ip == "203.0.113.1"
    [msg], _ = core.mailbox.list(a.account_id, MailFilter())
    assert msg["sending_ip"] == "203.0.113.1"
    core.ips.disable("a", row.id)
    assert send_api(core, a, ["x@example.com"]).sending_ip in SHARED_POOL  # no enabled IP: shared pool
    core.ips.enable("a", row.id)
    assert send_api(core, a, ["x@example.com"]).sending_ip == "203.0.113.1"


def test_three_applications_per_utc8_month_counting_applications_not_live_ips(core: Core) -> None:
    core.accounts.create("a")
    at(core, "a", "2031-01-10T12:00")
    first = core.ips.apply("a")
    core.ips.apply("a")
    core.ips.apply("a")
    core.ips.release("a", first.id)  # two live IPs, but three applications this month
    assert core.ips.overview("a").applications_this_month == 3
    with pytest.raises(LimitError) as info:
        core.ips.apply("a")
    assert info.value.tencent_code == "LimitExceeded"
    assert "2031-02-01T00:00:00+08:00" in info.value.message  # when the limit resets
    at(core, "a", "2031-01-31T23:59:59")  # 15:59:59 UTC: still January in Beijing
    with pytest.raises(LimitError):
        core.ips.apply("a")
    at(core, "a", "2031-02-01T00:00")
    fourth = core.ips.apply("a")
    assert (fourth.status, fourth.ip, fourth.application_month) == ("enabled", "203.0.113.1", "2031-02")


def test_without_stock_the_ip_waits_the_fixed_lead_time_and_is_billed_from_that_day(
    make_core: Callable[..., Core],
) -> None:
    core = make_core(dedicated_ip_stock=0, dedicated_ip_lead_days=14)
    a = core.accounts.create("a")
    at(core, "a", "2031-01-05T10:00")
    core.accounts.top_up("a", 100 * USD)
    row = core.ips.apply("a")
    # 5 Jan 10:00 + 14 days = 19 Jan 10:00
    assert (row.status, row.ip, row.ready_us) == ("pending", None, bj("2031-01-19T10:00"))
    assert send_api(core, a, ["x@example.com"]).sending_ip in SHARED_POOL
    at(core, "a", "2031-01-19T09:59:59")
    assert core.ips.overview("a").ips[0].status == "pending"
    at(core, "a", "2031-01-19T10:00")
    [ip] = core.ips.overview("a").ips
    assert (ip.status, ip.enabled_us) == ("enabled", bj("2031-01-19T10:00"))
    assert ip.ip is not None and send_api(core, a, ["y@example.com"]).sending_ip == ip.ip
    at(core, "a", "2031-02-01T08:00")
    # 19..31 Jan = 13 days: 120 × 13/31 = 50.322580… → 50.32 USD
    assert ip_bills(core, "a") == [("2031-01", 13, 50_320_000, True)]
    assert core.accounts.state("a").balance_micro == 100 * USD - 50_320_000 == 49_680_000


def test_a_send_just_after_the_ready_time_already_uses_the_delivered_ip(
    make_core: Callable[..., Core], wall: FixedWallClock
) -> None:
    """A running clock reaches the ready time between two sends, with no scheduler tick in between."""
    core = make_core(dedicated_ip_stock=0, dedicated_ip_lead_days=14)
    a = core.accounts.create("a")  # running clock at the wall time
    row = core.ips.apply("a")
    assert row.ready_us == WALL + 14 * DAY_US
    wall.set(row.ready_us - 1)
    assert send_api(core, a, ["x@example.com"]).sending_ip in SHARED_POOL
    wall.set(row.ready_us + 5_000_000)
    r = send_api(core, a, ["x@example.com"])
    [ip] = core.ips.overview("a").ips
    assert (ip.status, ip.enabled_us, r.sending_ip) == ("enabled", row.ready_us, ip.ip)


def test_the_seeded_lead_time_is_the_domain_rule_for_this_account(make_core: Callable[..., Core]) -> None:
    core = make_core(dedicated_ip_stock=0)
    a = core.accounts.create("a")
    at(core, "a", "2031-01-05T10:00")
    first, second = core.ips.apply("a"), core.ips.apply("a")
    for n, row in ((1, first), (2, second)):
        lead = row.ready_us - row.applied_us
        assert lead == lead_time_us("ses-emulator", a.account_id, n)
        assert 14 * DAY_US <= lead <= 28 * DAY_US


def test_a_pending_ip_costs_nothing_until_ready(make_core: Callable[..., Core]) -> None:
    core = make_core(dedicated_ip_stock=0, dedicated_ip_lead_days=28)
    core.accounts.create("a")
    at(core, "a", "2031-01-20T12:00")
    core.ips.apply("a")  # ready 17 Feb 12:00
    at(core, "a", "2031-02-01T08:00")
    assert ip_bills(core, "a") == []  # no day of January was used
    assert not core.accounts.state("a").suspended
    at(core, "a", "2031-03-01T08:00")
    # 17..28 Feb = 12 days: 120 × 12/28 = 51.428571… → 51.43 USD, balance 0 → unpaid
    assert ip_bills(core, "a") == [("2031-02", 12, 51_430_000, False)]


def test_monthly_fee_on_the_1st_at_0800_prorated_per_ip(core: Core) -> None:
    a = core.accounts.create("a")
    at(core, "a", "2031-01-10T12:00")
    core.accounts.top_up("a", 300 * USD)
    ip1 = core.ips.apply("a")
    at(core, "a", "2031-01-20T12:00")
    ip2 = core.ips.apply("a")
    at(core, "a", "2031-02-01T07:59:59")
    assert ip_bills(core, "a") == []
    at(core, "a", "2031-02-01T08:00")
    # ip1: 10..31 Jan = 22 days: 120 × 22/31 = 85.161290… → 85.16
    # ip2: 20..31 Jan = 12 days: 120 × 12/31 = 46.451612… → 46.45
    # total 131.61 USD over 34 IP-days; 300 − 131.61 = 168.39 USD
    assert ip_bills(core, "a") == [("2031-01", 34, 131_610_000, True)]
    [jan] = core.billing.bills("a", kind="dedicated_ip")
    assert (jan.created_us, jan.unit_price_micro) == (bj("2031-02-01T08:00"), 120 * USD)
    detail = json.loads(jan.detail_json)
    assert detail["days_in_month"] == 31
    assert [(d["ip"], d["days_used"], d["amount_micro"]) for d in detail["ips"]] == [
        ("203.0.113.1", 22, 85_160_000),
        ("203.0.113.2", 12, 46_450_000),
    ]
    assert core.accounts.state("a").balance_micro == 168_390_000

    at(core, "a", "2031-02-03T12:00")
    core.ips.release("a", ip2.id)
    at(core, "a", "2031-02-15T12:00")
    core.ips.disable("a", ip1.id)
    at(core, "a", "2031-02-20T09:00")
    core.ips.enable("a", ip1.id)
    at(core, "a", "2031-03-01T08:00")
    # ip1: 1..15 and 20..28 Feb = 15 + 9 = 24 days (both the 15th and the 20th count): 120 × 24/28 =
    #      102.857142… → 102.86
    # ip2: 1..3 Feb = 3 days: 120 × 3/28 = 12.857142… → 12.86
    # total 115.72 USD over 27 IP-days; 168.39 − 115.72 = 52.67 USD
    assert ip_bills(core, "a")[1] == ("2031-02", 27, 115_720_000, True)
    assert core.accounts.state("a").balance_micro == 52_670_000

    at(core, "a", "2031-04-01T08:00")
    # ip1 all of March: 120.00 USD > 52.67 USD: unpaid, suspended at 08:00 on 1 Apr
    assert ip_bills(core, "a")[2] == ("2031-03", 31, 120 * USD, False)
    s = core.accounts.state("a")
    assert (s.suspended_reason, s.suspended_us, s.balance_micro) == (
        "arrears",
        bj("2031-04-01T08:00"),
        52_670_000,
    )
    with pytest.raises(InsufficientBalance):
        send_api(core, a, ["x@example.com"])
    s = core.accounts.top_up("a", 67_330_000)  # 52.67 + 67.33 = 120.00
    assert (s.balance_micro, s.suspended) == (0, False)


def test_state_changes_are_checked_and_stay_within_the_account(core: Core) -> None:
    core.accounts.create("a")
    core.accounts.create("b")
    row = core.ips.apply("a")
    with pytest.raises(Conflict):
        core.ips.enable("a", row.id)  # already enabled
    core.ips.disable("a", row.id)
    with pytest.raises(Conflict):
        core.ips.disable("a", row.id)
    with pytest.raises(NotFound):
        core.ips.disable("b", row.id)  # another account's IP
    core.ips.release("a", row.id)
    with pytest.raises(Conflict):
        core.ips.release("a", row.id)
    assert core.ips.stock_left() == 3  # back in the shared inventory
    assert core.ips.add_stock(2) == 5
    with pytest.raises(NotFound):
        core.ips.enable("a", 999)
