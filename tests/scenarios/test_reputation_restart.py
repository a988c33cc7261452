"""Reputation across a restart: a server that was down over day boundaries evaluates, at start-up,
every finished day exactly once (the scheduler's catch-up), and a second restart changes nothing."""

from __future__ import annotations

from pathlib import Path

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
