"""Two server processes on one PostgreSQL database (and on one SQLite file): concurrent SMTP + API load at
the free-quota edge and across a clock advance keeps behaviour §4–6 exact (no unit lost or double-counted,
no period billed twice)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from tests.clients import call, message, sdk, smtp_send
from tests.conftest import PgSchema, free_port, require_pg


class Proc:
    def __init__(self, data: Path, db_url: str, *extra: str) -> None:
        self.http, self.smtp, self.smtps = free_port(), free_port(), free_port()
        env = {**os.environ, "SES_EMULATOR_SCHEDULER_INTERVAL_S": "0.2"}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "emulator",
                "serve",
                "--data-dir",
                str(data),
                "--database-url",
                db_url,
                "--http-port",
                str(self.http),
                "--smtp-port",
                str(self.smtp),
                "--smtps-port",
                str(self.smtps),
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
        )
        self.url = f"http://127.0.0.1:{self.http}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"server did not start: {self.stop()}")

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=60)
        return out.decode(errors="replace")


@pytest.fixture
def pg_url() -> Iterator[str]:
    require_pg()
    schema = PgSchema()
    yield schema.url
    schema.drop()


@pytest.mark.slow
def test_two_servers_one_database_stay_exact(tmp_path: Path, pg_url: str) -> None:
    _two_servers_under_load(tmp_path, pg_url)


@pytest.mark.slow
def test_two_servers_one_sqlite_file_stay_exact(tmp_path: Path) -> None:
    """The same load on one SQLite file: the processes' writers take turns (storage.write_turn)."""
    _two_servers_under_load(tmp_path, f"sqlite:///{tmp_path / 'shared.db'}")


def _two_servers_under_load(tmp_path: Path, db_url: str) -> None:
    a = Proc(tmp_path / "a", db_url)
    try:
        b = Proc(tmp_path / "b", db_url)
    except Exception:
        a.stop()
        raise
    try:
        _run_load(a, b)
    finally:
        out_a, out_b = a.stop(), b.stop()
    assert "Traceback" not in out_a + out_b, out_a + out_b


def _run_load(a: Proc, b: Proc) -> None:
    admin = httpx.Client(base_url=a.url + "/admin", timeout=60)
    acct = admin.post("/accounts", json={"free_quota": 25}).json()
    name = acct["name"]
    admin.post(f"/accounts/{name}/clock/freeze")
    assert (
        admin.post(f"/accounts/{name}/clock/advance", json={"to": "2031-01-05T23:59:50+08:00"}).status_code
        == 200
    )
    admin.post(f"/accounts/{name}/top-up", json={"amount": "1"})
    tid = call(
        sdk(f"127.0.0.1:{a.http}", acct["secret_id"], acct["secret_key"]),
        "CreateEmailTemplate",
        TemplateName="t",
        TemplateContent={"Text": "aGk="},
    ).TemplateID
    accepted: list[int] = []  # recipients of acknowledged sends
    errors: list[BaseException] = []
    barrier = threading.Barrier(41)

    def smtp_worker(i: int, port: int) -> None:
        barrier.wait()
        for j in range(3):
            try:
                smtp_send(
                    port,
                    acct["sender"],
                    acct["smtp_password"],
                    message(acct["sender"], [f"s{i}-{j}@example.com", f"t{i}-{j}@example.com"]),
                )
                accepted.append(2)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

    def api_worker(i: int, port: int) -> None:
        client = sdk(f"127.0.0.1:{port}", acct["secret_id"], acct["secret_key"])
        barrier.wait()
        for j in range(3):
            try:
                call(
                    client,
                    "SendEmail",
                    FromEmailAddress=acct["sender"],
                    Destination=[f"a{i}-{j}@example.com"],
                    Subject="x",
                    Template={"TemplateID": tid, "TemplateData": "{}"},
                )
                accepted.append(1)
            except TencentCloudSDKException as exc:
                errors.append(exc)

    def advance(url: str) -> None:
        barrier.wait()
        time.sleep(0.05)
        httpx.post(
            f"{url}/admin/accounts/{name}/clock/advance", json={"to": "2031-01-06T00:00:01+08:00"}, timeout=60
        )

    threads = [threading.Thread(target=smtp_worker, args=(i, (a if i % 2 else b).smtp)) for i in range(20)]
    threads += [threading.Thread(target=api_worker, args=(i, (a if i % 2 else b).http)) for i in range(20)]
    threads.append(threading.Thread(target=advance, args=(b.url,)))
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert errors == []
    # both servers' clock moves (the one above raced the load; this one races the other server)
    both = [
        threading.Thread(
            target=lambda u=u: httpx.post(
                f"{u}/admin/accounts/{name}/clock/advance", json={"duration": "1d"}, timeout=60
            )
        )
        for u in (a.url, b.url)
    ]
    for t in both:
        t.start()
    for t in both:
        t.join()

    total = sum(accepted)
    assert total == 20 * 3 * 2 + 20 * 3
    state = admin.get(f"/accounts/{name}").json()
    assert state["free_used"] == 25
    usage = admin.get(f"/accounts/{name}/usage").json()
    assert sum(u["free_units"] + u["paid_units"] for u in usage) == total
    assert sum(u["free_units"] for u in usage) == 25
    listing = admin.get(f"/accounts/{name}/messages", params={"limit": 500}).json()
    assert sum(len(m["recipients"]) for m in listing["messages"]) == total
    bills = admin.get(f"/accounts/{name}/bills").json()
    periods = [(x["kind"], x["period"]) for x in bills]
    assert len(periods) == len(set(periods))
    by_day = {u["day"]: u for u in usage}
    for bill in bills:
        assert bill["units"] == by_day[bill["period"]]["paid_units"]
        assert bill["amount_micro"] == bill["units"] * 280 and bill["status"] == "paid"
    assert {x["period"] for x in bills} == set(by_day)  # each day with mail billed once
    ledger = admin.get(f"/accounts/{name}/ledger").json()
    assert sum(e["amount_micro"] for e in ledger) == state["balance_micro"]


@pytest.mark.slow
def test_workers_option_serves_and_meters(tmp_path: Path, pg_url: str) -> None:
    p = Proc(tmp_path / "w", pg_url, "--workers", "2")
    try:
        acct = httpx.post(p.url + "/admin/accounts", json={"free_quota": 3}, timeout=30).json()
        for i in range(8):
            smtp_send(
                p.smtp, acct["sender"], acct["smtp_password"], message(acct["sender"], [f"x{i}@example.com"])
            )
        state = httpx.get(f"{p.url}/admin/accounts/{acct['name']}", timeout=30).json()
        assert (state["free_used"], state["paid_units"]) == (3, 5)
    finally:
        out = p.stop()
    assert "2 worker processes" in out and "stopped" in out
