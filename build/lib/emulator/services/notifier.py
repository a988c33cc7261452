"""Wakes waiters (mailbox `wait`, live UI) when mail is stored. In-process only: waiters also poll the
database, so mail stored by another process is found within a poll interval."""

from __future__ import annotations

import asyncio
import contextlib
import threading


class Notifier:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._cond: asyncio.Condition | None = None
        self._lock = threading.Lock()
        self.generation = 0

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach to the server's event loop (called once it runs)."""
        self._loop = loop
        self._cond = None

    def publish(self) -> None:
        """Thread-safe: called by the committer after each commit."""
        with self._lock:
            self.generation += 1
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        cond = self._condition()
        if cond is not None:

            async def _notify() -> None:
                async with cond:
                    cond.notify_all()

            asyncio.ensure_future(_notify())

    def _condition(self) -> asyncio.Condition | None:
        if self._cond is None and self._loop is not None:
            self._cond = asyncio.Condition()
        return self._cond

    async def wait(self, timeout: float) -> None:
        """Return after the next publish or the timeout, whichever comes first."""
        cond = self._condition()
        if cond is None:
            await asyncio.sleep(timeout)
            return
        async with cond:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(cond.wait(), timeout)
