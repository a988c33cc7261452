"""What a benchmark run measures: the cells (protocol × mode × size × clients), how many messages each
run of a cell may send and for how long, and how many runs make the median."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

KB = 1024
SMALL, LARGE = 2 * KB, 200 * KB
MODES = {"new": "new connection per message", "reuse": "reused connections", "keep-alive": "keep-alive"}


@dataclass(frozen=True)
class CellSpec:
    kind: str  # smtp | http
    mode: str  # new | reuse (SMTP), keep-alive (HTTP)
    size: int  # message bytes
    clients: int
    count: int  # messages per run (the run also stops at Plan.seconds)

    @property
    def id(self) -> str:
        return f"{self.kind}-{self.mode}-{self.size // KB}k-c{self.clients}"

    @property
    def label(self) -> str:
        what = "SMTP" if self.kind == "smtp" else "SendEmail"
        return f"{what} {self.size // KB} KB, {MODES[self.mode]}, {self.clients} clients"


@dataclass(frozen=True)
class Plan:
    runs: int = 3
    seconds: float = 5.0
    smtp_clients: tuple[int, ...] = (1, 8, 32, 128)
    smtp_sizes: tuple[int, ...] = (SMALL, LARGE)
    smtp_modes: tuple[str, ...] = ("new", "reuse")
    http_clients: tuple[int, ...] = (1, 8, 32)
    count_small: int = 3000
    count_large: int = 500
    http_count: int = 6000
    warmup: int = 100
    mailbox_messages: int = 100_000
    list_calls: int = 30
    workers: tuple[int, ...] = (1, 2)
    # SQLite synchronous modes: the whole table runs in the first; the headline cells are measured again
    # in each other one, its runs interleaved with the first's (a 250-on-disk price tag, issue 14)
    sync_modes: tuple[str, ...] = ("full", "normal")
    only: tuple[str, ...] = field(default=())  # cell-id substrings to keep (empty: all)
    # bench.growth: stored-message counts the mailbox filters are timed at (1,000,000 with --growth-1m)
    growth_sizes: tuple[int, ...] = (0, 100_000)
    settlement_accounts: tuple[int, ...] = (1, 100, 10_000)  # fleet sizes of the settlement table (issue 18)
    # another checkout of the emulator (e.g. `git worktree add /tmp/base <old main>`): every cell is also
    # run against it, interleaved with this code's runs, for an A/B of a change (issue 15)
    baseline: str | None = None

    def cells(self) -> list[CellSpec]:
        out = [
            CellSpec("smtp", mode, size, c, self.count_small if size <= SMALL else self.count_large)
            for size in self.smtp_sizes
            for mode in self.smtp_modes
            for c in self.smtp_clients
        ]
        out += [CellSpec("http", "keep-alive", SMALL, c, self.http_count) for c in self.http_clients]
        if self.only:
            out = [c for c in out if any(o in c.id for o in self.only)]
        return out

    def headline(self) -> list[CellSpec]:
        """The cells re-measured with N server processes."""
        return [c for c in self.cells() if c.clients == 32 and c.size == SMALL and c.mode != "reuse"]


FULL = Plan()

QUICK = Plan(
    runs=1,
    seconds=2.0,
    smtp_clients=(32,),  # the cells the targets name; 8 clients run the same code (make test runs --quick)
    smtp_modes=("new",),
    http_clients=(32,),
    count_small=300,
    count_large=60,
    http_count=600,
    warmup=20,
    mailbox_messages=1_000,
    list_calls=10,
    growth_sizes=(0, 1_000),
    settlement_accounts=(1, 100),
)


def with_overrides(plan: Plan, **kw: Any) -> Plan:
    return replace(plan, **{k: v for k, v in kw.items() if v is not None})
