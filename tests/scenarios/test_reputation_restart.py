"""Reputation across a restart: a server that was down over day boundaries evaluates, at start-up,
every finished day exactly once (the scheduler's catch-up), and a second restart changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from emulator.domain.clock import FixedWallClock, SystemWallClock, beijing_day
from tests.clients import message, smtp_send
from tests.conftest import start_server

DAY_US = 86_400_000_000


@pytest.mark.parametrize("backend", ["sqlite"])
def test_days_missed_while_down_are_evaluated_once(tmp_path: Path, backend: str) -> None:
    now = SystemWallClock().now_us()
    wall = FixedWallClock(now)  # the account clocks follow this wall clock (SMTP needs no signature)
    srv, _ = start_server(tmp_path, backend, wall)
    try:
        acct = srv.new_account(free_quota=100_000)
        name, sender, domain = acct["name"], acct["sender"], acct["sender"].split("@")[1]
        for i in range(0, 350, 50):  # 350 delivered = 70 % of level 1's 500
            smtp_send(
                srv.endpoints.smtp_port, sender, acct["smtp_password"],
                message(sender, [f"r{j}@example.com" for j in range(i, i + 50)]),
            )  # fmt: skip
        assert srv.admin("GET", f"/accounts/{name}/reputation/{domain}").json()["history"] == []
    finally:
        srv.close()
        srv.emulator.stop_thread()
    for _restart in range(2):  # down for three days, then up again (twice)
        wall.set(now + 3 * DAY_US)
        srv, _ = start_server(tmp_path, backend, wall)
        try:
            got = srv.admin("GET", f"/accounts/{name}/reputation/{domain}").json()
            assert got["level"] == 2
            assert [(r["evaluated_day"], r["verdict"], r["figures"]["sends"]) for r in got["history"]] == [
                (beijing_day(now), "upgrade", 350)
            ]
        finally:
            srv.close()
            srv.emulator.stop_thread()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_global_clock_move_evaluates_every_account_once(make_server: Any, backend: str) -> None:
    srv = make_server(backend)
    a, b = (srv.new_account(free_quota=100_000) for _ in range(2))
    assert srv.admin("POST", "/clock/freeze").status_code == 200
    assert srv.admin("POST", "/clock/advance", json={"to": "2027-04-05T10:00:00+08:00"}).status_code == 200
    sends = {
        a["name"]: [f"ok{i}@example.com" for i in range(350)],  # 70 % of 500, all delivered
        b["name"]: [f"ok{i}@example.com" for i in range(360)]
        + [f"x{i}@bounce.example.net" for i in range(40)],
    }  # b: 40 invalid of 400 = 10 % > 9 % → downgrade (stays 1); 10 % is under the block's 11 %
    r = srv.admin(
        "POST",
        f"/accounts/{b['name']}/fault-rules",
        json={"pattern": "*@bounce.example.net", "outcome": "hard_bounce"},
    )
    assert r.status_code == 201
    for acct in (a, b):
        to = sends[acct["name"]]
        for i in range(0, len(to), 50):
            smtp_send(
                srv.endpoints.smtp_port,
                acct["sender"],
                acct["smtp_password"],
                message(acct["sender"], to[i : i + 50]),
            )
    for _move in range(2):  # 3 days, then one more: the second move evaluates nothing new
        assert (
            srv.admin("POST", "/clock/advance", json={"duration": "3d" if _move == 0 else "1d"}).status_code
            == 200
        )
        got = {}
        for acct in (a, b):
            domain = acct["sender"].split("@")[1]
            d = srv.admin("GET", f"/accounts/{acct['name']}/reputation/{domain}").json()
            got[acct["name"]] = (d["level"], [(r["evaluated_day"], r["verdict"]) for r in d["history"]])
        assert got == {
            a["name"]: (2, [("2027-04-05", "upgrade")]),
            b["name"]: (1, [("2027-04-05", "downgrade")]),
        }
