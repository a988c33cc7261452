"""Issue 9 §2: a `ses-emulator serve` process that was down for weeks runs, at start-up and before it
answers anything, every event that fell due meanwhile — once each and in time order: the day's usage
settlement, a dedicated IP's delivery, then the monthly IP bills prorated from that delivery."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from emulator.domain.clock import BEIJING
from emulator.domain.dedicated_ips import ip_month_charge
from tests.hardening.proc import Db, ServerProc, database

IP_MONTH = 120_000_000
PRICE = 280
DOWN_DAYS = 40


def _at(d: datetime) -> str:
    return d.isoformat()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_events_missed_while_down_run_once_in_order_at_start_up(tmp_path: Path, backend: str) -> None:
    url, schema = database(backend)
    env = {"SES_EMULATOR_DEDICATED_IP_STOCK": "0", "SES_EMULATOR_DEDICATED_IP_LEAD_DAYS": "3"}
    srv = ServerProc(tmp_path / "data", url, env)
    db = Db(srv)
    # day 26 of next month, 12:00 UTC+8: the IP is ready on the 29th, two month ends pass while down
    now = datetime.now(BEIJING)
    first = (now.replace(day=1) + timedelta(days=32)).replace(
        day=1, hour=12, minute=0, second=0, microsecond=0
    )
    t0 = first.replace(day=26)
    m0 = t0.strftime("%Y-%m")
    m1 = (t0 + timedelta(days=10)).strftime("%Y-%m")
    m2 = (t0 + timedelta(days=40)).strftime("%Y-%m")
    ip_dec = ip_month_charge(IP_MONTH, _days_in(m0) - 28, m0)  # enabled from day 29
    try:
        srv.start()
        rich = srv.admin("POST", "/accounts", json={"free_quota": 0}).json()
        poor = srv.admin("POST", "/accounts", json={"free_quota": 0}).json()
        for a in (rich, poor):  # clocks that follow real time, as a fresh account's do
            assert (
                srv.admin("POST", f"/accounts/{a['name']}/clock/advance", json={"to": _at(t0)}).status_code
                == 200
            )
        # rich can pay the usage day and the first (prorated) IP month, not the full second month
        srv.admin("POST", f"/accounts/{rich['name']}/top-up", json={"amount_micro": 3 * PRICE + ip_dec + 1})
        ip = srv.admin("POST", f"/accounts/{rich['name']}/ips").json()
        assert ip["status"] == "pending", ip
        for a in (rich, poor):
            r = srv.api(
                a, "SendEmail", FromEmailAddress=a["sender"], Subject="s", Simple={"Text": "aGk="},
                Destination=["x@example.com", "y@example.com", "z@example.com"],
            )  # fmt: skip
            assert "MessageId" in r, r
        srv.stop()
        for a in (rich, poor):
            db.shift_clock(a["name"], DOWN_DAYS)
        srv.start()  # healthz answers only after the start-up catch-up: look right away
        _check_rich(srv, rich["name"], t0, m0, m1, m2, ip_dec)
        _check_poor(srv, poor["name"], t0)
        srv.kill()  # a crash right after: nothing runs twice on the next start
        srv.start()
        _check_rich(srv, rich["name"], t0, m0, m1, m2, ip_dec)
        _check_poor(srv, poor["name"], t0)
        assert "Traceback" not in srv.output()
    finally:
        db.close()
        srv.kill()
        if schema:
            schema.drop()


def _days_in(period: str) -> int:
    from emulator.domain.dedicated_ips import days_in_month

    return days_in_month(period)


def _midnight_after(t: datetime) -> str:
    return _at((t + timedelta(days=1)).replace(hour=0))


def _check_rich(srv: ServerProc, name: str, t0: datetime, m0: str, m1: str, m2: str, ip_dec: int) -> None:
    bills = srv.admin("GET", f"/accounts/{name}/bills").json()
    bills.sort(key=lambda b: b["id"])
    assert [(b["kind"], b["period"]) for b in bills] == [
        ("usage", t0.strftime("%Y-%m-%d")),
        ("dedicated_ip", m0),
        ("dedicated_ip", m1),
    ], bills
    created = [b["created_at"] for b in bills]
    assert created == sorted(created)
    assert created[0] == _midnight_after(t0)
    assert created[1] == f"{m1}-01T08:00:00+08:00" and created[2] == f"{m2}-01T08:00:00+08:00"
    assert bills[0]["amount_micro"] == 3 * PRICE and bills[0]["status"] == "paid"
    # delivered on day 29 (before the bill, or the bill would count no days): 29..end of month
    assert bills[1]["detail"]["ips"][0]["days_used"] == _days_in(m0) - 28
    assert bills[1]["amount_micro"] == ip_dec and bills[1]["status"] == "paid"
    assert bills[2]["amount_micro"] == IP_MONTH and bills[2]["status"] == "unpaid"
    state = srv.admin("GET", f"/accounts/{name}").json()
    assert state["suspended"] and state["suspended_at"] == created[2]
    assert state["balance_micro"] == 1
    ledger = srv.admin("GET", f"/accounts/{name}/ledger").json()
    charges = [e for e in ledger if e["kind"] == "charge"]
    assert [e["account_time"] for e in charges] == created[:2]
    ips = srv.admin("GET", f"/accounts/{name}/ips").json()["ips"]
    # the clocks run: the delivery happened 3 days after the application, to the hour
    assert ips[0]["status"] == "enabled" and ips[0]["enabled_at"][:13] == _at(t0 + timedelta(days=3))[:13]


def _check_poor(srv: ServerProc, name: str, t0: datetime) -> None:
    bills = srv.admin("GET", f"/accounts/{name}/bills").json()
    assert [(b["period"], b["amount_micro"], b["status"]) for b in bills] == [
        (t0.strftime("%Y-%m-%d"), 3 * PRICE, "unpaid")
    ]
    state = srv.admin("GET", f"/accounts/{name}").json()
    assert state["suspended"] and state["suspended_at"] == _midnight_after(t0)
