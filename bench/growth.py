"""Growth: the mailbox's cost as the stored mail grows (issue 18). Fills one database with N messages
fast, straight through storage (mail_repo.insert_messages in transactions of FILL_BATCH: the same
statements, triggers and compression as the committer's, without SMTP), then at each stage times every
mailbox filter (no match, and with matches), deep pages (offset and keyset `before`), and reads the
database size per message (SQLite: per table and index from `dbstat`), start-up time and peak RSS of a
fresh process opening it and running the same calls.

Messages are ~2 KB text/plain like the SMTP cells' (bench.smtp_load.filler), plus one line of words
drawn from a 20,000-word vocabulary and numbers, so subjects, bodies and recipients (10,000 addresses)
differ from message to message and "with matches" finds a few hundred at 1M.

    python -m bench.growth --sizes 0,100000 [--database-url postgresql://...] [--keep DIR]
    python -m bench [--growth-sizes 0,100000] [--growth-1m]   (the same, as rows of `make bench`)"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FILL_BATCH = 1000
CALLS = 30
VOCAB_SEED = 18
ADDRESSES = 10_000
SCANS = {"text, 2 chars"}  # no trigram: the exact predicate scans (docs/storage.md, "Search"); timed once


def _vocab() -> list[str]:
    rnd = random.Random(VOCAB_SEED)
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rnd.choice(letters) for _ in range(rnd.randint(3, 10))) for _ in range(20_000)]


VOCAB = _vocab()
PROBE_WORD = VOCAB[4242]


def filters(n: int) -> dict[str, dict[str, str]]:
    """Query parameters per call (values as the admin API takes them)."""
    return {
        "to, no match": {"to": "nobody@nowhere.test"},
        "to, matches": {"to": "user0077@example.com"},
        "from, no match": {"sender": "someone@else.test"},
        "from, matches": {"sender": "sender0042@"},
        "subject, no match": {"subject": "no such subject"},
        "subject, matches": {"subject": "message 4242"},
        "text, no match": {"text": "zqxjzqxj"},
        "text, matches": {"text": f" {PROBE_WORD} "},
        "text, 2 chars": {"text": "qz"},
    }


def message(n: int, rnd: random.Random, body: bytes) -> tuple[bytes, str, str, str, str]:
    rcpt = f"user{n % ADDRESSES:04d}@example.com"
    sender = f"sender{n % 100:04d}@bench.example.com"
    words = " ".join(
        rnd.choice(VOCAB) if rnd.random() < 0.85 else str(rnd.randint(0, 99999)) for _ in range(12)
    )
    subject = f"bench message {n} {rnd.choice(VOCAB)}"
    raw = (
        f"From: Bench <{sender}>\r\nTo: <{rcpt}>\r\nSubject: {subject}\r\n"
        f"Message-ID: <{n}.{rnd.getrandbits(64):016x}@bench.local>\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=us-ascii\r\n\r\n{words}\r\n"
    ).encode() + body
    return raw, rcpt, sender, subject, words


def fill(core: Any, account_id: int, start: int, stop: int, say: Any) -> float:
    """Store messages start..stop-1; returns the CPU seconds this process spent on it."""
    from bench.smtp_load import filler
    from emulator.domain import mime_read
    from emulator.storage import mail_repo, search_index

    body = filler(2 * 1024 - 300)
    rnd = random.Random(start)
    cpu0 = time.process_time()
    t0 = time.monotonic()
    last = t0
    for at in range(start, stop, FILL_BATCH):
        rows, rcpts = [], []
        for n in range(at, min(stop, at + FILL_BATCH)):
            raw, rcpt, sender, subject, _words = message(n, rnd, body)
            rows.append(
                {
                    "account_id": account_id,
                    "message_id": f"growth-{n:08d}",
                    "source": "smtp",
                    "mail_from": sender,
                    "recipients_json": json.dumps([rcpt]),
                    "header_from": f"Bench <{sender}>",
                    "header_to": f"<{rcpt}>",
                    "subject": subject,
                    "search_text": mime_read.search_text(raw),
                    "size": len(raw),
                    "raw": raw,
                    "sending_ip": "198.51.100.10",
                    "template_id": None,
                    "account_time_us": 1_800_000_000_000_000 + n,
                    "real_time_us": 1_800_000_000_000_000 + n,
                    "free_units": 1,
                    "paid_units": 0,
                }
            )
            rcpts.append(rcpt)
        with core.db.write() as conn:
            pks = mail_repo.insert_messages(conn, rows)
            mail_repo.insert_recipients(
                conn,
                [
                    {"message_pk": pk, "account_id": account_id, "address": a, "request_day": "2027-01-15",
                     "request_us": r["account_time_us"], "deliver_us": r["account_time_us"]}
                    for pk, a, r in zip(pks, rcpts, rows, strict=True)
                ],
            )  # fmt: skip
        if time.monotonic() - last > 30:
            last = time.monotonic()
            say(f"  … {at + FILL_BATCH:,} stored ({(at + FILL_BATCH - start) / (last - t0):,.0f}/s)")
    more = True
    while more:  # what the server's committer does between sends (services.search_indexer), at once
        with core.db.write() as conn:
            more = search_index.index_pending(conn, FILL_BATCH)[1]
    return time.process_time() - cpu0


def _percentile(sorted_ms: list[float], p: float) -> float:
    if not sorted_ms:
        return 0.0
    k = min(len(sorted_ms) - 1, max(0, round(p / 100 * (len(sorted_ms) - 1))))
    return sorted_ms[k]


def time_calls(core: Any, account_id: int, n: int, calls: int) -> dict[str, Any]:
    """Every filter and deep page, `calls` times each through MailboxService.list (3 unmeasured first)."""
    from emulator.domain.messages import MailFilter

    cases: dict[str, tuple[MailFilter, int, str | None]] = {
        "first page": (MailFilter(), 0, None),
        "deep page, offset": (MailFilter(), max(0, n - 100), None),
        "deep page, before=": (MailFilter(), 0, f"growth-{min(n - 1, 99):08d}" if n else None),
    }
    for name, q in filters(n).items():
        cases[name] = (MailFilter(**q), 0, None)
    out: dict[str, Any] = {}
    for name, (f, offset, before) in cases.items():
        lat: list[float] = []
        cpu: list[float] = []
        total = returned = 0
        warm, times = (3, calls) if name not in SCANS else (0, 1)  # a scan: seconds per call at 1M
        for i in range(times + warm):
            t0, c0 = time.perf_counter(), time.thread_time()
            items, total = core.mailbox.list(account_id, f, offset, 50, before)
            if i >= warm:
                lat.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.thread_time() - c0) * 1000)
            returned = len(items)
        lat.sort()
        cpu.sort()
        # cpu: this thread's CPU time per call (the wall time also holds waits for a core on a busy machine)
        out[name] = {"p50_ms": _percentile(lat, 50), "p99_ms": _percentile(lat, 99), "total": total,
                     "cpu_p50_ms": _percentile(cpu, 50), "cpu_p99_ms": _percentile(cpu, 99),
                     "returned": returned}  # fmt: skip
    return out


def sqlite_sizes(db_path: Path) -> dict[str, Any]:
    import sqlite3

    con = sqlite3.connect(db_path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        try:
            rows = con.execute(
                "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
            ).fetchall()
        except sqlite3.OperationalError:  # no dbstat in this build
            rows = []
    finally:
        con.close()
    parts: dict[str, int] = {}
    for name, size in rows:
        key = name
        for fts in ("mail_search_to", "mail_search_from", "mail_search_subject", "mail_search_text"):
            if name.startswith(fts):
                key = fts
        parts[key] = parts.get(key, 0) + int(size)
    return {"file_bytes": db_path.stat().st_size, "parts": parts}


def pg_sizes(url: str) -> dict[str, Any]:
    from sqlalchemy import create_engine, text

    eng = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with eng.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() "
                    "AND c.relkind IN ('r', 'i') ORDER BY 2 DESC"
                )
            ).all()
    finally:
        eng.dispose()
    parts = {str(r[0]): int(r[1]) for r in rows}
    tables = sum(v for k, v in parts.items() if not k.startswith("ix_") and not k.endswith("_pkey"))
    return {"file_bytes": tables, "parts": parts}  # pg_total_relation_size: heap + TOAST + indexes


def startup_probe(data_dir: Path, url: str | None, n: int, calls: int) -> dict[str, Any]:
    """A fresh process: open the database as `serve` does (build_core: schema check, services), then
    the same calls; its start-up seconds and peak RSS."""
    code = (
        "import json, resource, sys, time\n"
        "t0 = time.monotonic()\n"
        "from emulator.config import Settings\n"
        "from emulator.services.core import build_core\n"
        "from bench.growth import time_calls\n"
        "a = json.loads(sys.argv[1])\n"
        "core = build_core(Settings(data_dir=a['dir'], database_url=a['url']))\n"
        "aid = core.accounts.get_row('bench').id\n"
        "started = time.monotonic() - t0\n"
        "time_calls(core, aid, a['n'], a['calls'])\n"
        "print(json.dumps({'startup_s': started, "
        "'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))\n"
    )
    arg = json.dumps({"dir": str(data_dir), "url": url, "n": n, "calls": calls})
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]), *sys.path])}
    done = subprocess.run(
        [sys.executable, "-c", code, arg], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        return {"error": done.stderr[-2000:]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def growth_check(sizes: tuple[int, ...], database_url: str | None, say: Any, workdir: Path | None = None,
                 calls: int = CALLS) -> dict[str, Any]:  # fmt: skip
    from emulator.config import Settings
    from emulator.domain.messages import MailFilter
    from emulator.services.core import build_core

    work = workdir or Path(tempfile.mkdtemp(prefix="ses-growth-"))
    schema = None
    url = None
    if database_url:
        from bench.servers import PgSchema

        schema = PgSchema(database_url)
        url = schema.url
    core = build_core(Settings(data_dir=work, database_url=url))
    try:
        from emulator.errors import NotFound

        try:  # a kept data directory filled by an earlier run: go on from there
            aid = core.accounts.get_row("bench").id
            stored = core.mailbox.list(aid, MailFilter(), 0, 1)[1]
            say(f"- growth: {stored:,} messages already stored")
        except NotFound:
            aid = core.accounts.create("bench").account_id
            stored = 0
        stages: list[dict[str, Any]] = []
        for n in sorted(set(sizes)):
            if n > stored:
                say(f"- growth: filling to {n:,} messages (direct inserts, batches of {FILL_BATCH:,})")
                t0 = time.monotonic()
                cpu = fill(core, aid, stored, n, say)
                took = time.monotonic() - t0
                say(
                    f"  {n - stored:,} stored in {took:.0f} s, {cpu / (n - stored) * 1e6:,.0f} CPU-µs per message"
                )
                stage: dict[str, Any] = {"fill_s": took, "fill_cpu_us_per_msg": cpu / (n - stored)}
                if url:  # what autovacuum does after many inserts: merge GIN's pending lists, statistics
                    with core.db.engine.connect() as conn:
                        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                            "VACUUM ANALYZE messages"
                        )
                else:  # what the server's scheduler does every second: the WAL copied back and truncated
                    from emulator.storage.db import checkpoint  # (searches through a 1 GB WAL read slower)

                    checkpoint(core.db.engine, 0)
                stored = n
            else:
                stage = {}
            stage["messages"] = n
            stage["calls"] = time_calls(core, aid, n, calls)
            for name, c in stage["calls"].items():
                say(
                    f"  {n:>9,} {name:<20} p50 {c['p50_ms']:7.1f} ms  p99 {c['p99_ms']:7.1f} ms  "
                    f"CPU p50 {c['cpu_p50_ms']:6.1f} p99 {c['cpu_p99_ms']:6.1f} ms  total {c['total']:,}"
                )
            sizes_now = pg_sizes(url) if url else sqlite_sizes(work / "emulator.db")
            stage["disk"] = sizes_now
            if n:
                say(f"  disk: {sizes_now['file_bytes'] / n:,.0f} bytes per message")
            stage["process"] = startup_probe(work, url, n, 3)
            say(f"  fresh process: {stage['process']}")
            stages.append(stage)
        return {"database": "PostgreSQL" if url else "SQLite", "stages": stages,
                "fill_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}  # fmt: skip
    finally:
        core.db.dispose()
        if schema is not None:
            schema.drop()
        if workdir is None:
            shutil.rmtree(work, ignore_errors=True)


def render(g: dict[str, Any]) -> str:
    stages = g["stages"]
    names = list(stages[0]["calls"]) if stages else []
    head = "| p99 ms (p50; CPU-ms p99) | " + " | ".join(f"{s['messages']:,} stored" for s in stages) + " |"
    lines = [f"## Growth ({g['database']}, direct inserts; calls through MailboxService.list)", "", head,
             "|---|" + "--:|" * len(stages)]  # fmt: skip
    for name in names:
        cells = [
            f"{c['p99_ms']:.1f} ({c['p50_ms']:.1f}; {c.get('cpu_p99_ms', float('nan')):.1f})"
            for c in (s["calls"][name] for s in stages)
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    per = [f"{s['disk']['file_bytes'] / s['messages']:,.0f}" if s["messages"] else "–" for s in stages]
    lines.append("| disk bytes per message | " + " | ".join(per) + " |")
    cpu = [f"{s['fill_cpu_us_per_msg'] * 1e6:,.0f}" if "fill_cpu_us_per_msg" in s else "–" for s in stages]
    lines.append("| fill CPU-µs per message | " + " | ".join(cpu) + " |")
    up = [f"{s['process'].get('startup_s', float('nan')):.2f}" for s in stages]
    lines.append("| start-up s (fresh process) | " + " | ".join(up) + " |")
    rss = [f"{s['process'].get('peak_rss_mb', float('nan')):.0f}" for s in stages]
    lines.append("| peak RSS MB (fresh process) | " + " | ".join(rss) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.growth", description=__doc__)
    p.add_argument("--sizes", default="0,100000", help="stored-message counts to measure at")
    p.add_argument("--database-url", help="PostgreSQL URL (a throw-away schema in it)")
    p.add_argument("--calls", type=int, default=CALLS)
    p.add_argument("--keep", type=Path, help="fill this data directory (kept) instead of a temporary one")
    p.add_argument("--json", type=Path, help="write the results here")
    a = p.parse_args(argv)
    sizes = tuple(int(x) for x in a.sizes.split(",") if x.strip())
    if a.keep:
        a.keep.mkdir(parents=True, exist_ok=True)
    g = growth_check(sizes, a.database_url, lambda s: print(s, flush=True), a.keep, a.calls)
    print(render(g))
    if a.json:
        a.json.write_text(json.dumps(g, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
