"""`python -m bench` (or `make bench`): the full run; `python -m bench --quick`: a short smoke run."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shlex
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import growth, report
from bench.mailbox import mailbox_check
from bench.plan import FULL, QUICK, Plan, with_overrides
from bench.procs import pin_self, plan_pinning, serve_supports
from bench.runner import Bench
from bench.settlement import settlement_check

RESULTS = Path(__file__).resolve().parent / "results"


def _ints(s: str) -> tuple[int, ...]:
    return tuple(int(x) for x in s.split(",") if x.strip())


def _modes(s: str) -> tuple[str, ...]:
    modes = tuple(x.strip().lower() for x in s.split(",") if x.strip())
    if not modes or any(m not in ("full", "normal") for m in modes) or len(set(modes)) < len(modes):
        raise argparse.ArgumentTypeError("distinct modes out of: full, normal")
    return modes


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument(
        "--quick", action="store_true", help="short smoke run (a few cells, 1 run, 1,000 messages)"
    )
    p.add_argument("--runs", type=int, help="runs per cell (median reported); default 3")
    p.add_argument("--seconds", type=float, help="time cap per run; default 5")
    p.add_argument("--smtp-clients", type=_ints, help="e.g. 1,8,32,128")
    p.add_argument("--http-clients", type=_ints, help="e.g. 1,8,32")
    p.add_argument(
        "--only", type=lambda s: tuple(s.split(",")), help="keep cells whose id contains one of these"
    )
    p.add_argument("--mailbox-messages", type=int, help="messages for the mailbox check (0 skips it)")
    p.add_argument(
        "--growth-sizes",
        type=_ints,
        help="stored messages to time the mailbox filters at (0 skips); default 0,100000",
    )
    p.add_argument(
        "--growth-1m", action="store_true", help="also time them at 1,000,000 stored (a long fill)"
    )
    p.add_argument("--workers", type=_ints, help="server process counts to report, e.g. 1,2 (default)")
    p.add_argument(
        "--sync",
        type=_modes,
        help="SQLite synchronous modes, e.g. full,normal (default): the table in the first, the headline "
        "cells again in the others",
    )
    p.add_argument(
        "--settlement",
        type=_ints,
        help="fleet sizes of the settlement table, e.g. 1,100,10000 (default); 0 skips it",
    )
    p.add_argument(
        "--settlement-only", action="store_true", help="only the settlement table (no message cells)"
    )
    p.add_argument(
        "--baseline",
        type=Path,
        help="another checkout of the emulator (e.g. a git worktree of an older main): every cell also "
        "against it, its runs interleaved with this code's; the report adds this ÷ baseline",
    )
    p.add_argument("--database-url", help="PostgreSQL URL; each emulator gets a throw-away schema in it")
    p.add_argument("--out", type=Path, default=RESULTS, help=f"results directory (default {RESULTS})")
    p.add_argument("--keep", action="store_true", help="keep the temporary data dirs and server logs")
    p.add_argument("--render", type=Path, help="only print the report of a saved results .json")
    return p.parse_args(argv)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


async def run(a: argparse.Namespace, plan: Plan, workdir: Path) -> dict[str, Any]:
    from emulator import __version__

    pin = plan_pinning()
    pin_self(pin)

    def say(line: str) -> None:
        print(line, flush=True)

    started = datetime.now(UTC)
    results: dict[str, Any] = {
        "meta": {
            "started": started.strftime("%Y-%m-%d %H:%M UTC"),
            "command": shlex.join(["python", "-m", "bench", *sys.argv[1:]]),
            "machine": f"{os.cpu_count()} cores, {_cpu_model()}",
            "python": platform.python_version(),
            "emulator_version": __version__,
            "database": "PostgreSQL (throw-away schema)" if a.database_url else "SQLite (temp data dir)",
            "settings": "SES_EMULATOR_SMTP_AUTH=any (no AUTH, plain SMTP, like the sink); signature check "
            "strict (every SendEmail TC3-signed and verified); durable store + metering on; account topped up "
            "so paid units never suspend it"
            + ("" if a.database_url else f"; SQLite synchronous={plan.sync_modes[0].upper()}"),
            "pinning": pin.describe(),
            "loadavg_start": os.getloadavg(),
            "runs": plan.runs,
            "seconds": plan.seconds,
            "plan": {k: v for k, v in plan.__dict__.items()},
        }
    }
    bench = Bench(plan, workdir, pin, a.database_url, say)
    t0 = time.monotonic()
    sizes = tuple(n for n in plan.settlement_accounts if n > 0)
    if sizes:
        say(f"- settlement: fleets of {', '.join(f'{n:,}' for n in sizes)} accounts, a day and a year each")
        results["settlement"] = await asyncio.to_thread(
            settlement_check, workdir, pin, a.database_url, sizes, say, plan.sync_modes[0]
        )
    if a.settlement_only:
        results["meta"]["duration_s"] = round(time.monotonic() - t0, 1)
        results["settlement_only"] = True
        return results
    results["matrix"] = await bench.matrix()
    extra = [n for n in plan.workers if n > 1]
    if extra and not serve_supports("--workers"):
        results["processes"] = "`ses-emulator serve` has no `--workers` option yet: not measured."
        say("- several processes: skipped, `serve` has no --workers")
    else:
        results["processes"] = [await bench.processes(n) for n in extra]
    if plan.mailbox_messages > 0:
        results["mailbox"] = await mailbox_check(
            workdir, pin, a.database_url, plan.mailbox_messages, plan.list_calls, say, plan.sync_modes[0]
        )
    if plan.growth_sizes != (0,) and plan.growth_sizes:
        results["growth"] = growth.growth_check(plan.growth_sizes, a.database_url, say, calls=plan.list_calls)
    results["targets"] = report.targets(results)
    results["meta"]["duration_s"] = round(time.monotonic() - t0, 1)
    results["meta"]["loadavg_end"] = os.getloadavg()
    return results


def main(argv: list[str] | None = None) -> int:
    a = parse(argv)
    if a.render:
        print(report.render(json.loads(a.render.read_text())))
        return 0
    os.environ["NO_PROXY"] = "127.0.0.1,localhost"  # loopback only, whatever proxy the shell has
    plan = with_overrides(
        QUICK if a.quick else FULL,
        runs=a.runs,
        seconds=a.seconds,
        smtp_clients=a.smtp_clients,
        http_clients=a.http_clients,
        only=a.only,
        mailbox_messages=a.mailbox_messages,
        workers=a.workers,
        sync_modes=a.sync,
        growth_sizes=a.growth_sizes,
        settlement_accounts=a.settlement,
        baseline=str(a.baseline.resolve()) if a.baseline else None,
    )
    if a.growth_1m:
        plan = with_overrides(plan, growth_sizes=(*plan.growth_sizes, 1_000_000))
    workdir = Path(tempfile.mkdtemp(prefix="ses-bench-"))
    try:
        import uvloop

        results = uvloop.run(run(a, plan, workdir))
    finally:
        if a.keep:
            print(f"data dirs and server logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    md, js = report.write(results, a.out, stamp)
    if "growth" in results:
        md.write_text(md.read_text() + "\n" + growth.render(results["growth"]))
    print()
    print(report.render(results))
    if "growth" in results:
        print(growth.render(results["growth"]))
    print(f"written: {md} and {js}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
