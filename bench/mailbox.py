"""Mailbox at scale: fill a fresh emulator with N messages through its own SMTP server (reused
connections, many clients), then time the mailbox list call and read the server's peak RSS and the
sizes of the SQLite database and WAL files (after the fill, and once idle checkpoints truncated it)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from bench.http_load import HttpConn, request_head
from bench.loadgen import Tally, drive
from bench.procs import Pinning, peak_rss_mb, rss_mb
from bench.servers import ACCOUNT, SENDER, Emulator, start_emulator
from bench.smtp_load import Mail, smtp_client
from bench.stats import percentile

FILL_CLIENTS = 32
FILL_MAX_SECONDS = 1800.0
PROGRESS_EVERY_S = 30.0
IDLE_WAIT_S = 10.0  # the scheduler truncates an idle WAL on its second quiet pass (1 s apart by default)


async def _progress(tally: Tally, n: int, say: Any) -> None:
    while True:
        await asyncio.sleep(PROGRESS_EVERY_S)
        say(f"  … {len(tally.latencies):,} of {n:,} stored")


async def timed_gets(port: int, path: str, calls: int) -> tuple[list[float], dict[str, Any]]:
    """Sequential GETs on one keep-alive connection (3 unmeasured first); latencies in ms, last body."""
    conn = await HttpConn.open("127.0.0.1", port)
    head = request_head("GET", path, {"Host": f"127.0.0.1:{port}"}, 0)
    lat: list[float] = []
    body: dict[str, Any] = {}
    try:
        for i in range(calls + 3):
            t0 = time.perf_counter()
            status, data, _keep = await conn.request(head, b"")
            if status != 200:
                raise RuntimeError(f"GET {path}: HTTP {status} {data[:300]!r}")
            if i >= 3:
                lat.append((time.perf_counter() - t0) * 1000)
            body = json.loads(data)
    finally:
        conn.close()
    return sorted(lat), body


async def idle_files(em: Emulator) -> dict[str, Any] | None:
    """File sizes once the WAL is truncated, or after IDLE_WAIT_S, with the seconds waited."""
    t0 = time.monotonic()
    while (sizes := em.file_sizes()) is not None:
        if sizes["wal_bytes"] == 0 or time.monotonic() - t0 > IDLE_WAIT_S:
            return {**sizes, "waited_s": time.monotonic() - t0}
        await asyncio.sleep(0.2)
    return None


def _mb(sizes: dict[str, Any]) -> str:
    return f"database {sizes['db_bytes'] / 1e6:,.1f} MB, WAL {sizes['wal_bytes'] / 1e6:,.1f} MB"


async def mailbox_check(
    workdir: Path,
    pin: Pinning,
    database_url: str | None,
    n: int,
    calls: int,
    say: Any,
    synchronous: str = "full",
) -> dict[str, Any]:
    em = start_emulator(workdir, pin, database_url, None, "mailbox", synchronous)
    try:
        say(f"- filling the mailbox with {n:,} messages (SMTP, {FILL_CLIENTS} clients, reused connections)")
        client = smtp_client("127.0.0.1", em.smtp_port, Mail(SENDER, 2 * 1024), reuse=True)
        tally = Tally()
        progress = asyncio.create_task(_progress(tally, n, say))
        try:
            out = await drive(FILL_CLIENTS, n, FILL_MAX_SECONDS, client, tally)
        finally:
            progress.cancel()
        stored = len(out.tally.latencies)
        say(
            f"  {stored:,} stored in {out.seconds:.1f} s ({stored / out.seconds:.0f}/s), errors {out.tally.errors}"
        )
        filled = em.file_sizes()
        if filled:
            say(f"  files after the fill: {_mb(filled)}")
        base = f"/admin/accounts/{ACCOUNT}/messages"
        calls_out: dict[str, Any] = {}
        for name, path in (
            ("first page", f"{base}?limit=50"),
            ("one recipient", f"{base}?limit=50&to=user7@example.com"),
            ("deep page", f"{base}?limit=50&offset={max(0, stored - 100)}"),
        ):
            lat, body = await timed_gets(em.http_port, path, calls)
            calls_out[name] = {
                "path": path,
                "p50_ms": percentile(lat, 50),
                "p99_ms": percentile(lat, 99),
                "max_ms": lat[-1] if lat else 0.0,
                "total": body.get("total"),
                "returned": len(body.get("messages", [])),
            }
            say(f"  list {name:<14} p50 {percentile(lat, 50):7.1f} ms  p99 {percentile(lat, 99):7.1f} ms")
        idle = await idle_files(em)
        if idle:
            say(f"  files after {idle['waited_s']:.1f} s idle: {_mb(idle)}")
        return {
            "messages": n,
            "synchronous": synchronous,
            "files_after_fill": filled,
            "files_idle": idle,
            "stored": stored,
            "fill_errors": out.tally.errors,
            "fill_first_error": out.tally.first_error,
            "fill_seconds": out.seconds,
            "fill_rate": stored / out.seconds if out.seconds else 0.0,
            "list": calls_out,
            "peak_rss_mb": peak_rss_mb(em.proc.pid),
            "rss_mb": rss_mb(em.proc.pid),
        }
    except Exception:
        say(f"emulator log tail:\n{em.proc.log_tail()}")
        raise
    finally:
        em.stop()
