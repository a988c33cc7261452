"""The suspension demo runs end to end against a live server, in under 10 seconds, with the billing poller
sample (samples/billing_poller.py, official billing SDK) reporting beside it what a monitoring script sees."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from emulator import demo
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
    assert "UNEXPECTED" not in text and "poll failed" not in text
    # the poller, through the Billing API: nothing owed, then the arrears alert right after midnight
    # (one unpaid email is OweAmount 1 cent), the too-small recharge, and the recovery with the recharge
    # and the deduction that paid the bill
    polled = [line.removeprefix(demo.POLLER_PREFIX) for line in lines if line.startswith(demo.POLLER_PREFIX)]
    assert polled[0] == "DescribeAccountBalance: Balance 0 (0.00 USD), CashAccountBalance 0, OweAmount 0"
    step = {n: i for i, line in enumerate(lines) for n in range(1, 10) if line.startswith(f"{n}. ")}
    after_midnight = lines[step[4] : step[5]]
    assert any(
        "ALERT in arrears, 0.01 USD owed: arrears are not allowed, so the services are suspended" in line
        and "Balance -1 (-0.01 USD), CashAccountBalance 0, OweAmount 1" in line
        for line in after_midnight
    ), after_midnight
    small_top_up = [line for line in lines[step[7] : step[8]] if line.startswith(demo.POLLER_PREFIX)]
    assert len(small_top_up) == 1 and " recharge 0.00 USD, balance after 0.00 USD: Top-up" in small_top_up[0]
    paid = "\n".join(lines[step[8] : step[9]])
    assert "RECOVERED nothing owed any more" in paid and "OweAmount 0" in paid
    assert " deduct -0.01 USD, balance after 0.00 USD: SES - " in paid and "(arrears paid)" in paid
    assert sum("ALERT" in line for line in polled) == 1


def test_demo_without_the_poller_sample(server: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Installed without the samples (a wheel): the story still runs, and says why there is no poller."""
    monkeypatch.setattr(demo, "POLLER_SAMPLE", tmp_path / "billing_poller.py")
    lines: list[str] = []
    run(server.endpoints.http_url, None, lines.append)
    text = "\n".join(lines)
    assert "(no billing poller:" in text and "Sending works again" in text
    assert not any(line.startswith(demo.POLLER_PREFIX) for line in lines)


def test_sample_script_and_cli(make_server: Any) -> None:
    srv = make_server("sqlite")
    out = subprocess.run(
        [sys.executable, str(ROOT / "samples" / "suspension_demo.py"), srv.endpoints.http_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "Sending works again" in out.stdout and "[billing poller] ALERT in arrears" in out.stdout
    out = subprocess.run(
        [sys.executable, "-m", "emulator", "demo", "suspension", "--url", srv.endpoints.http_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "Sending works again" in out.stdout and "[billing poller] RECOVERED" in out.stdout
