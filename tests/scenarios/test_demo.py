"""The suspension demo runs end to end against a live server, in under 10 seconds."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from emulator.demo import run

ROOT = Path(__file__).resolve().parents[2]


def test_demo_story(server: Any) -> None:
    lines: list[str] = []
    start = time.monotonic()
    run(server.endpoints.http_url, None, lines.append)
    assert time.monotonic() - start < 10
    text = "\n".join(lines)
    assert "free quota left 0" in text
    assert "1 × 0.000280 = 0.000280 USD, unpaid" in text
    assert (
        "SMTP send refused: 554 5.0.0 Error: transaction failed" in text
        and "FailedOperation.InsufficientBalance" in text
    )
    assert "SendEmail refused (official tencentcloud SDK): FailedOperation.InsufficientBalance" in text
    assert "still suspended: True" in text and "suspended: False" in text
    assert "Sending works again: MessageId qcloudses-30-" in text
    assert "UNEXPECTED" not in text


def test_sample_script_and_cli(make_server: Any) -> None:
    srv = make_server("sqlite")
    out = subprocess.run(
        [sys.executable, str(ROOT / "samples" / "suspension_demo.py"), srv.endpoints.http_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "Sending works again" in out.stdout
    out = subprocess.run(
        [sys.executable, "-m", "emulator", "demo", "suspension", "--url", srv.endpoints.http_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "Sending works again" in out.stdout
