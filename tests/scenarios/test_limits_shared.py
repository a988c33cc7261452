"""The API request-rate limit is counted in the database, so servers sharing one database (several
processes, or replicas on PostgreSQL) enforce one budget between them, exactly. Two emulators here
share a database and one frozen wall clock, so the rolling second never moves on and the budget is
exact whatever the machine's speed: with per-process counters each would grant its own."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from emulator.bootstrap import Emulator
from emulator.domain.clock import FixedWallClock
from tests.clients import call, sdk
from tests.conftest import Server, start_server


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_servers_on_one_database_share_the_budget(tmp_path: Path, backend: str) -> None:
    wall = FixedWallClock(time.time_ns() // 1000)
    a, schema = start_server(tmp_path, backend, wall)
    second = Emulator(a.emulator.settings, wall)  # the same settings: the same database, free ports
    b = Server(second, second.start_in_thread())
    try:
        acct = a.new_account()
        r = a.admin(
            "PATCH", f"/accounts/{acct['name']}/limits", json={"api_rate": {"enabled": True, "per_second": 7}}
        )
        assert r.status_code == 200, r.text
        results: list[str] = []
        barrier = threading.Barrier(6)

        def worker(server: Any) -> None:
            client = sdk(server.endpoints.api_endpoint, acct["secret_id"], acct["secret_key"])
            barrier.wait()
            for _ in range(4):
                try:
                    call(client, "ListEmailTemplates", Offset=0, Limit=10)
                    results.append("ok")
                except TencentCloudSDKException as exc:
                    results.append(str(exc.get_code()))

        threads = [threading.Thread(target=worker, args=(s,)) for s in (a, b, a, b, a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(set(results)) == ["RequestLimitExceeded", "ok"], results
        assert results.count("ok") == 7, results  # one budget of 7 for both servers, not 7 each
        wall.set(wall.now_us() + 1_000_001)  # the second has passed: both grant again
        for server in (a, b):
            call(
                sdk(server.endpoints.api_endpoint, acct["secret_id"], acct["secret_key"]),
                "ListEmailTemplates",
                Offset=0,
                Limit=10,
            )
    finally:
        for s in (b, a):
            s.close()
            s.emulator.stop_thread()
        if schema:
            schema.drop()
