"""Settlement at scale (issue 18): per fleet size, a fresh emulator, the fleet made through
POST /admin/accounts/bulk (ms per account; and single POST /admin/accounts for comparison), every clock
frozen, then two global moves through POST /admin/clock/advance with "wait": false, polled to the end
(GET /admin/clock/moves/{id}):

- day: every account had mail the day before the move (one usage row each), so every account gets a
  bill and a ledger row;
- year, quiet: 365 days on with no mail: nothing to bill, and quiet days should cost nothing per account;
- year, 12 mail days: another 365 days, every account having had mail on 12 of them (one a month): 12
  bills each, the other 353 days quiet.

The usage rows are written straight into the server's database (what the metering of that mail would
have left; sending 10,000 accounts' mail is not what is measured here). Wall seconds from the POST to
`done`, and the server's CPU seconds over the same span."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from bench.procs import Pinning, cpu_seconds
from bench.servers import Emulator, start_emulator

DAY_US = 86_400_000_000
SINGLE_WARMUP = 20  # a new server's first requests build statements, caches and pools
SINGLE_CREATES = 200
USAGE_DAYS_IN_YEAR = 12


def _insert_usage(em: Emulator, rows: list[tuple[int, str, int, int]]) -> None:
    sql = "INSERT INTO usage_daily (account_id, day, free_units, paid_units) VALUES ({0}, {0}, {0}, {0})"
    if em.schema is not None:
        import psycopg

        with psycopg.connect(em.schema.url) as conn:
            with conn.cursor() as cur:
                cur.executemany(sql.format("%s"), rows)
            conn.commit()
        return
    import sqlite3

    conn = sqlite3.connect(em.data_dir / "emulator.db", timeout=60)
    try:
        with conn:
            conn.executemany(sql.format("?"), rows)
    finally:
        conn.close()


def _day(us: int) -> str:
    from emulator.domain.clock import BEIJING, to_datetime

    return to_datetime(us).astimezone(BEIJING).strftime("%Y-%m-%d")


def _move(em: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    cpu0, t0 = cpu_seconds(em.proc.pid), time.perf_counter()
    move = em.admin("POST", "/clock/advance", json={**body, "wait": False}).json()
    answered = time.perf_counter() - t0
    while not move["done"]:
        time.sleep(0.05)
        move = em.admin("GET", f"/clock/moves/{move['id']}").json()
    return {
        "seconds": time.perf_counter() - t0,
        "cpu_seconds": cpu_seconds(em.proc.pid) - cpu0,
        "answered_s": answered,
        "accounts": move["accounts_total"],
    }


def _count(em: Emulator, table: str) -> int:
    if em.schema is not None:
        import psycopg

        with psycopg.connect(em.schema.url) as conn:
            row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            return int(row[0]) if row else 0
    import sqlite3

    conn = sqlite3.connect(em.data_dir / "emulator.db", timeout=60)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def settlement_check(
    workdir: Path,
    pin: Pinning,
    database_url: str | None,
    sizes: tuple[int, ...],
    say: Any,
    synchronous: str = "full",
) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    creation: dict[str, Any] = {}
    for n in sizes:
        em = start_emulator(workdir, pin, database_url, None, f"settle-{n}", synchronous)
        try:
            cpu0, t0 = cpu_seconds(em.proc.pid), time.perf_counter()
            made = em.admin(
                "POST", "/accounts/bulk", json={"count": n, "prefix": "s", "top_up": "1000"}
            ).json()
            bulk_ms = (time.perf_counter() - t0) * 1000 / n
            bulk_cpu_ms = (cpu_seconds(em.proc.pid) - cpu0) * 1000 / n
            ids = [int(a["id"]) for a in made["accounts"]]
            creation.setdefault("bulk_ms", {})[str(n)] = bulk_ms
            creation.setdefault("bulk_cpu_ms", {})[str(n)] = bulk_cpu_ms
            em.admin("POST", "/clock/freeze")
            now = max(int(a["clock"]["now_us"]) for a in em.admin("GET", "/accounts").json())
            _insert_usage(em, [(aid, _day(now), 0, 3) for aid in ids])
            day = _move(em, {"duration": "1d"})
            day_bills = _count(em, "bills")
            quiet = _move(em, {"duration": "365d"})  # no mail in it: 365 quiet days
            start = now + 366 * DAY_US
            days = [_day(start + (15 + 30 * k) * DAY_US) for k in range(USAGE_DAYS_IN_YEAR)]
            _insert_usage(em, [(aid, d, 1, 2) for aid in ids for d in days])
            year = _move(em, {"duration": "365d"})
            year_bills = _count(em, "bills") - day_bills
            moves = (
                ("day", day, day_bills),
                ("year, quiet", quiet, 0),
                ("year, 12 mail days", year, year_bills),
            )
            for what, m, bills in moves:
                rows.append({**m, "accounts": n, "move": what, "bills": bills})
                say(
                    f"  settle {n:>6,} accounts × {what:<18}: {m['seconds']:6.2f} s wall, "
                    f"{m['cpu_seconds']:6.2f} CPU-s, answered in {m['answered_s'] * 1000:.0f} ms, {bills:,} bills"
                )
            say(f"  create {n:>6,} accounts in bulk: {bulk_ms:.2f} ms each ({bulk_cpu_ms:.2f} server CPU-ms)")
            # single creations after the moves (which count every account), on one keep-alive client
            # made and warmed up before the clock starts
            if "single_ms" not in creation:
                with httpx.Client(base_url=em.http_url, timeout=60, trust_env=False) as client:
                    for i in range(SINGLE_WARMUP):
                        client.post("/admin/accounts", json={"name": f"warm-{i}"}).raise_for_status()
                    cpu0, t0 = cpu_seconds(em.proc.pid), time.perf_counter()
                    for i in range(SINGLE_CREATES):
                        client.post("/admin/accounts", json={"name": f"single-{i}"}).raise_for_status()
                    creation["single_ms"] = (time.perf_counter() - t0) * 1000 / SINGLE_CREATES
                    creation["single_cpu_ms"] = (cpu_seconds(em.proc.pid) - cpu0) * 1000 / SINGLE_CREATES
        except Exception:
            say(f"emulator log tail:\n{em.proc.log_tail()}")
            raise
        finally:
            em.stop()
    say(
        f"  create one account (POST /admin/accounts): {creation.get('single_ms', 0):.2f} ms each "
        f"({creation.get('single_cpu_ms', 0):.2f} server CPU-ms)"
    )
    return {"rows": rows, "creation": creation, "sizes": list(sizes)}


def render(result: dict[str, Any]) -> list[str]:
    """The settlement table for the report."""
    lines = [
        "## Settlement (issue 18)",
        "",
        "Global clock move of every account, answered 202 at once and polled to the end; day = every account "
        "billed once; year, quiet = 365 days without mail; year, 12 mail days = 365 days with mail on 12 of "
        "them (12 bills each). Targets: 10,000 × day ≤ 3 s, 10,000 × year ≤ 6 s.",
        "",
        "| accounts | move | bills | wall s | server CPU s | answered ms |",
        "|--:|---|--:|--:|--:|--:|",
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r['accounts']:,} | {r['move']} | {r['bills']:,} | {r['seconds']:.2f} | {r['cpu_seconds']:.2f} | "
            f"{r['answered_s'] * 1000:.0f} |"
        )
    c = result["creation"]
    bulk = ", ".join(f"{int(k):,}: {v:.2f}" for k, v in c.get("bulk_ms", {}).items())
    lines += [
        "",
        f"Account creation: one POST /admin/accounts {c.get('single_ms', 0):.2f} ms; bulk, ms per account: {bulk}.",
        "",
    ]
    return lines
