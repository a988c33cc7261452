"""A send a moment after midnight, before the scheduler's next tick, is refused when that midnight's
deduction fails: the suspension happens at that moment (behaviour §5), not at the next tick.

The server's wall clock is one the test moves: with real time, a first send slower than the 1.5 s left
before midnight (a loaded machine) would land after it, and nothing would be left to refuse."""

from __future__ import annotations

import json
import smtplib
from typing import Any

import pytest

from emulator.domain.clock import FixedWallClock, SystemWallClock
from tests.clients import message, smtp_send


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_send_right_after_a_failed_midnight_is_refused(make_server: Any, backend: str) -> None:
    wall = FixedWallClock(SystemWallClock().now_us())
    srv = make_server(backend, wall=wall, scheduler_interval_s=3600)  # no tick during the test
    a = srv.new_account(free_quota=0)
    r = srv.admin("POST", f"/accounts/{a['name']}/clock/advance", json={"to": "2031-01-05T23:59:58.5+08:00"})
    assert r.status_code == 200 and not r.json()["clock"]["frozen"]  # the clock keeps running
    smtp_send(
        srv.endpoints.smtp_port, a["sender"], a["smtp_password"], message(a["sender"], ["x@example.com"])
    )
    wall.set(wall.now_us() + 2_000_000)  # 2 s later the running account clock is past 00:00
    with pytest.raises(smtplib.SMTPException) as err:
        smtp_send(
            srv.endpoints.smtp_port, a["sender"], a["smtp_password"], message(a["sender"], ["y@example.com"])
        )
    text = str(err.value)
    assert "FailedOperation.InsufficientBalance" in text, text
    state = srv.state(a["name"])
    assert state["suspended"] and state["suspended_at"].startswith("2031-01-06T00:00:00")
    assert state["paid_units"] == 1
    bills = srv.admin("GET", f"/accounts/{a['name']}/bills").json()
    assert [(b["period"], b["status"]) for b in bills] == [("2031-01-05", "unpaid")]
    listing = srv.admin("GET", f"/accounts/{a['name']}/messages", params={"source": "smtp"}).json()
    assert [m["recipients"] for m in listing["messages"]] == [["x@example.com"]]
    notices = srv.admin("GET", f"/accounts/{a['name']}/notices").json()  # recorded with the suspension
    assert [(n["kind"], n["account_time"][:19]) for n in notices] == [
        ("suspended", "2031-01-06T00:00:00"),
        ("deduction_failed", "2031-01-06T00:00:00"),
    ]
    json.dumps(listing)
