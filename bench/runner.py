"""Runs the plan: the emulator and both floors side by side, each cell's runs interleaved (emulator,
floor, emulator, floor, ...) so that a noisy machine affects both alike; the headline cells also against
an emulator in each other SQLite synchronous mode, in the same interleaving; then N-process figures and
the mailbox-at-scale check."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.http_load import SendEmail, http_client
from bench.loadgen import Client, drive
from bench.plan import CellSpec, Plan
from bench.procs import Pinning, ServerProc, cpu_seconds, peak_rss_mb, plan_pinning
from bench.servers import SENDER, Emulator, start_emulator, start_http_floor, start_smtp_sink
from bench.smtp_load import Mail, smtp_client
from bench.stats import Cell, Run

Say = Callable[[str], None]
WARMUP_SECONDS = 1.0
BASELINE = "baseline"  # the `others` entry of Plan.baseline's emulator


async def measure(proc: ServerProc, client: Client, clients: int, count: int, seconds: float) -> Run:
    cpu0, gen0 = cpu_seconds(proc.pid), time.process_time()
    out = await drive(clients, count, seconds, client)
    cpu1, gen1 = cpu_seconds(proc.pid), time.process_time()
    t = out.tally
    return Run.of(
        t.latencies, t.errors, out.seconds, cpu1 - cpu0, peak_rss_mb(proc.pid), gen1 - gen0, t.first_error
    )


def emulator_client(spec: CellSpec, em: Emulator) -> Client:
    if spec.kind == "smtp":
        return smtp_client("127.0.0.1", em.smtp_port, Mail(SENDER, spec.size), spec.mode == "reuse")
    assert em.creds is not None
    send = SendEmail(
        f"127.0.0.1:{em.http_port}", em.creds["secret_id"], em.creds["secret_key"], SENDER, em.template_id
    )
    return http_client("127.0.0.1", em.http_port, send.request)


def floor_client(spec: CellSpec, floor: ServerProc, em: Emulator) -> Client:
    """The same bytes the emulator gets, sent to the floor."""
    if spec.kind == "smtp":
        return smtp_client("127.0.0.1", floor.ports["smtp"], Mail(SENDER, spec.size), spec.mode == "reuse")
    assert em.creds is not None
    port = floor.ports["http"]
    send = SendEmail(
        f"127.0.0.1:{port}", em.creds["secret_id"], em.creds["secret_key"], SENDER, em.template_id
    )
    return http_client("127.0.0.1", port, send.request)


def _per_message(counted: dict[str, float]) -> dict[str, Any]:
    """The committer's serial-section counters over the measured runs, per message."""
    n = counted["messages"]
    return {
        "messages": int(n),
        "per_transaction": n / counted["transactions"] if counted["transactions"] else None,
        "statements_us": counted["statements_s"] / n * 1e6,
        "commit_us": counted["commit_s"] / n * 1e6,
        "cpu_us": counted.get("cpu_s", 0.0) / n * 1e6,
    }


class Bench:
    def __init__(self, plan: Plan, workdir: Path, pin: Pinning, database_url: str | None, say: Say) -> None:
        self.plan, self.workdir, self.pin, self.database_url, self.say = plan, workdir, pin, database_url, say
        self.acked = 0  # messages the emulator acknowledged, to compare with what it metered

    async def cell(
        self,
        spec: CellSpec,
        em: Emulator,
        floor: ServerProc | None,
        with_floor: bool = True,
        others: dict[str, Emulator] | None = None,
    ) -> dict[str, Any]:
        """`others`: emulators in the other synchronous modes, run in turn with `em` and the floor."""
        p = self.plan
        others = others or {}
        ours, theirs = Cell(), Cell()
        alt = {mode: Cell() for mode in others}
        targets: list[tuple[Cell, ServerProc, Client]] = [(ours, em.proc, emulator_client(spec, em))]
        if with_floor and floor is not None:
            targets.append((theirs, floor, floor_client(spec, floor, em)))
        targets += [(alt[mode], o.proc, emulator_client(spec, o)) for mode, o in others.items()]
        for _cell, proc, client in targets:  # warm-up, not measured
            warm = await measure(proc, client, spec.clients, p.warmup, min(p.seconds, WARMUP_SECONDS))
            if proc is em.proc:
                self.acked += warm.ok
        emulators = {id(em.proc): ("", em), **{id(o.proc): (mode, o) for mode, o in others.items()}}
        serial: dict[str, dict[str, float]] = {name: {} for name, _e in emulators.values()}
        for i in range(p.runs):
            for cell, proc, client in targets:
                entry = emulators.get(id(proc))  # (name, emulator); None for a floor
                before = entry[1].serial_section() if entry else {}
                run = await measure(proc, client, spec.clients, spec.count, p.seconds)
                cell.runs.append(run)
                if proc is em.proc:
                    self.acked += run.ok
                if entry:
                    counted = serial[entry[0]]
                    for k, v in entry[1].serial_section().items():
                        counted[k] = counted.get(k, 0.0) + v - before[k]
                self.say(
                    f"  {spec.id:<24} {proc.name:<12} run {i + 1}: {run.rate:8.0f}/s  "
                    f"p50 {run.p50_ms:6.1f} ms  p99 {run.p99_ms:7.1f} ms  cpu {run.server_cpu_pct:3.0f}%  "
                    f"gen {run.generator_cpu_pct:3.0f}%" + (f"  errors {run.errors}" if run.errors else "")
                )
        for o in (em, *others.values()):
            o.clear_mailbox()
        result: dict[str, Any] = {
            "id": spec.id,
            "label": spec.label,
            "kind": spec.kind,
            "mode": spec.mode,
            "size": spec.size,
            "clients": spec.clients,
            "count": spec.count,
            "emulator": ours.summary(),
        }
        if serial[""].get("messages"):
            result["serial"] = _per_message(serial[""])
        if theirs.runs:
            result["floor"] = theirs.summary()
            result["ratio"] = ours.rate / theirs.rate if theirs.rate else None
            result["cpu_ratio"] = ours.per_cpu_s / theirs.per_cpu_s if theirs.per_cpu_s else None
        vs = {
            name: {
                "emulator": c.summary(),
                "ratio": ours.rate / c.rate if c.rate else None,
                "cpu_ratio": ours.per_cpu_s / c.per_cpu_s if c.per_cpu_s else None,
                **({"serial": _per_message(serial[name])} if serial[name].get("messages") else {}),
            }
            for name, c in alt.items()
        }
        if BASELINE in vs:
            result["baseline"] = vs.pop(BASELINE)
        if vs:
            result["sync"] = vs
        return result

    async def matrix(self) -> dict[str, Any]:
        """Every cell against the emulator (one process) and its floor; the headline cells also against
        the emulator in the other synchronous modes (SQLite only: PostgreSQL ignores the setting)."""
        first, *rest = self.plan.sync_modes
        em = start_emulator(self.workdir, self.pin, self.database_url, None, "main", first)
        others: dict[str, Emulator] = {}
        base: dict[str, Emulator] = {}
        headline = {c.id for c in self.plan.headline()}
        sink = start_smtp_sink(self.workdir, self.pin)
        floor = start_http_floor(self.workdir, self.pin)
        try:
            if not self.database_url:
                for mode in rest:
                    others[mode] = start_emulator(self.workdir, self.pin, None, None, f"sync-{mode}", mode)
            if self.plan.baseline:
                code = Path(self.plan.baseline)
                base[BASELINE] = start_emulator(
                    self.workdir, self.pin, self.database_url, None, BASELINE, first, code_dir=code
                )
            cells = []
            for spec in self.plan.cells():
                self.say(f"- {spec.label}")
                alt = {**(others if spec.id in headline else {}), **base}
                cells.append(await self.cell(spec, em, sink if spec.kind == "smtp" else floor, others=alt))
            state = em.state()
            metered = int(state["free_used"]) + int(state["paid_units"])
            return {
                "cells": cells,
                "metering": {"acknowledged": self.acked, "metered": metered, "exact": metered == self.acked},
                "emulator_peak_rss_mb": peak_rss_mb(em.proc.pid),
            }
        except Exception:
            self.say(f"emulator log tail:\n{em.proc.log_tail()}")
            raise
        finally:
            for proc in (sink, floor):
                proc.stop()
            for o in (em, *others.values(), *base.values()):
                o.stop()

    async def processes(self, n: int) -> dict[str, Any]:
        """The headline cells against `serve --workers n`, pinned to n cores where the machine has a core
        left for the load generator, else unpinned (the report says which)."""
        cpus = plan_pinning(n)
        shared = len(cpus.server_cpus) < n
        pin = Pinning(cpus.server_cpus, (), None) if shared else cpus
        mine = os.sched_getaffinity(0)
        if shared:
            os.sched_setaffinity(0, set(cpus.server_cpus) | mine)
        em = start_emulator(self.workdir, pin, self.database_url, n, f"workers{n}", self.plan.sync_modes[0])
        try:
            cells = []
            for spec in self.plan.headline():
                self.say(f"- {spec.label} ({n} processes)")
                cells.append(await self.cell(spec, em, None, with_floor=False))
            return {
                "workers": n,
                "pinning": "unpinned: server processes and load generator share all cores"
                if shared
                else pin.describe(),
                "cells": cells,
            }
        finally:
            em.stop()
            os.sched_setaffinity(0, mine)
