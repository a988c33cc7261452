"""Keeps the benchmark harness from rotting: a short real run (`python -m bench --quick`) against a real
emulator and both floors, and the load generators' error accounting."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bench.loadgen import drive
from bench.smtp_load import Mail, smtp_client
from bench.stats import percentile

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_run_reports_every_cell(tmp_path: Path) -> None:
    out = subprocess.run(
        # this checkout as its own --baseline: the A/B path runs too (a second emulator, interleaved)
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--seconds",
            "1",
            "--out",
            str(tmp_path),
            "--baseline",
            str(ROOT),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    (js,) = tmp_path.glob("*.json")
    (md,) = tmp_path.glob("*.md")
    res = json.loads(js.read_text())
    cells = res["matrix"]["cells"]
    assert {c["kind"] for c in cells} == {"smtp", "http"}
    for c in cells:
        for who in ("emulator", "floor"):
            s = c[who]
            assert s["errors"] == 0, (c["id"], who, s["first_error"])
            assert s["rate"] > 0 and s["p99_ms"] >= s["p50_ms"] > 0, (c["id"], who)
            assert s["server_peak_rss_mb"] > 0
        assert c["ratio"] > 0
        base = c["baseline"]["emulator"]
        assert base["errors"] == 0 and base["rate"] > 0, (c["id"], base["first_error"])
        assert c["baseline"]["ratio"] > 0
        # the serial section, from the emulator's /metrics over the measured runs
        serial = c["serial"]
        assert serial["messages"] >= sum(r["ok"] for r in c["emulator"]["runs"]), (c["id"], serial)
        assert serial["per_transaction"] >= 1 and serial["statements_us"] > 0 and serial["commit_us"] > 0
        assert 0 < serial["cpu_us"] <= serial["statements_us"] + serial["commit_us"], (c["id"], serial)
        assert c["baseline"]["serial"]["messages"] >= sum(r["ok"] for r in base["runs"]), c["id"]
    assert res["matrix"]["metering"]["exact"], res["matrix"]["metering"]
    mb = res["mailbox"]
    assert mb["stored"] == mb["messages"] == 1_000
    first = mb["list"]["first page"]
    assert first["total"] == 1_000 and first["returned"] == 50
    text = md.read_text()
    assert "**ratio**" in text and "## Targets (issue 5)" in text
    assert "SES_EMULATOR_SMTP_AUTH=any" in text
    assert "## This code vs the baseline checkout" in text
    assert "## Serial section (issue 18)" in text


def test_a_baseline_checkout_runs_its_own_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The baseline's server imports `emulator` from the baseline's directory, though the bench runs from
    this checkout (whose directory `python -m` would put first on sys.path)."""
    from bench.servers import code_place

    (tmp_path / "emulator").mkdir()
    (tmp_path / "emulator" / "__init__.py").write_text('"""a stand-in for an older checkout"""\n')
    monkeypatch.chdir(ROOT)  # as `make bench` runs
    assert code_place(tmp_path) == (tmp_path / "emulator" / "__init__.py").resolve()


def test_a_refused_connection_is_an_error_not_a_message() -> None:
    # bound but not listening: connections are refused, and no other test can take the port meanwhile
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        for reuse in (False, True):
            out = asyncio.run(
                drive(2, 6, 5.0, smtp_client("127.0.0.1", port, Mail("a@b.example", 2048), reuse))
            )
            assert out.tally.latencies == []
            assert out.tally.errors >= 6 and "ConnectionRefused" in (out.tally.first_error or "")


def test_percentile_is_nearest_rank() -> None:
    xs = [float(i) for i in range(1, 101)]
    assert percentile(xs, 50) == 50.0
    assert percentile(xs, 99) == 99.0
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) == 0.0
