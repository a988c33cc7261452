"""`ses-emulator healthcheck --wait SECONDS` for CI: exit 0 as soon as a server that was started after the
command began is ready, exit 1 with a clear message when none becomes ready in time. Real processes: the
command and `python -m emulator serve` (tests/hardening/proc.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import free_port
from tests.hardening.proc import ServerProc


def healthcheck(url: str, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SES_EMULATOR_")}
    return subprocess.Popen(
        [sys.executable, "-m", "emulator", "healthcheck", "--url", url, *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip


def test_wait_returns_as_soon_as_a_server_started_later_is_ready(tmp_path: Path) -> None:
    srv = ServerProc(tmp_path / "data")
    probe = healthcheck(srv.url, "--wait", "90", "--json")
    time.sleep(1.5)  # the command is polling a port nobody listens on yet
    assert probe.poll() is None, probe.communicate()
    try:
        srv.start()
        ready_at = time.monotonic()
        out, err = probe.communicate(timeout=60)
        returned_at = time.monotonic()
    finally:
        srv.stop()
    assert probe.returncode == 0, (out, err)
    result = json.loads(out)
    assert result["ok"] is True and result["readyz"]["status"] == "ok"
    assert result["waited_s"] > 1.5  # it did wait for the server...
    assert returned_at - ready_at < 5  # ...and answered soon after the server was ready (0.1 s polls)


def test_wait_gives_up_after_the_timeout_with_a_clear_message() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    start = time.monotonic()
    probe = healthcheck(url, "--wait", "1.5")
    out, err = probe.communicate(timeout=60)
    took = time.monotonic() - start
    assert probe.returncode == 1, (out, err)
    assert f"not ready: {url} did not become ready within 1.5 s" in err
    assert "unreachable" in err
    assert 1.5 <= took < 15  # waited the whole time, then stopped (interpreter start-up included)


def test_without_wait_a_single_probe_fails_at_once() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    probe = healthcheck(url, "--json")
    out, _ = probe.communicate(timeout=60)
    assert probe.returncode == 1
    result = json.loads(out)
    assert result["ok"] is False and result["healthz"]["status"] == "unreachable" and "waited_s" not in result
