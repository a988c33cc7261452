"""The shared shape of a load run: N concurrent clients drawing from one budget (a message count and a
deadline, whichever ends first), each recording the latency of every acknowledged message.

Clients that keep a connection open it first and then wait at the gate (`Budget.ready`); the clock starts
when every client is there, so a connect storm is not part of a reused-connection figure."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Budget:
    left: int
    clients: int
    deadline: float = float("inf")
    waiting: int = 0
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    all_waiting: asyncio.Event = field(default_factory=asyncio.Event)

    async def ready(self) -> None:
        """Every client calls this once, before its first message."""
        self.waiting += 1
        if self.waiting >= self.clients:
            self.all_waiting.set()
        await self.gate.wait()

    def take(self) -> bool:
        if self.left <= 0 or time.perf_counter() > self.deadline:
            return False
        self.left -= 1
        return True


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None

    def error(self, what: object) -> None:
        self.errors += 1
        if self.first_error is None:
            self.first_error = str(what)[:300]


@dataclass
class Outcome:
    tally: Tally
    seconds: float


Client = Callable[[int, Budget, Tally], Awaitable[None]]


async def drive(
    clients: int, count: int, max_seconds: float, client: Client, tally: Tally | None = None
) -> Outcome:
    """Run `clients` copies of `client(index, budget, tally)` until the budget is spent; the time is from
    the gate opening to the last finish."""
    tally = Tally() if tally is None else tally
    budget = Budget(count, clients)
    tasks = asyncio.gather(*(client(i, budget, tally) for i in range(clients)))
    waiter = asyncio.ensure_future(budget.all_waiting.wait())
    either: list[asyncio.Future[Any]] = [tasks, waiter]
    await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    start = time.perf_counter()
    budget.deadline = start + max_seconds
    budget.gate.set()
    try:
        await tasks
    finally:
        waiter.cancel()
    return Outcome(tally, time.perf_counter() - start)
