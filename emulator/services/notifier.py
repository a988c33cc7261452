"""Wakes waiters (mailbox `wait`, live UI) when mail is stored. In-process only: waiters also poll the
database, so mail stored by another process is found within a poll interval."""

from __future__ import annotations

import asyncio
import contextlib
import threading


class Notifier:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: set[asyncio.Future[None]] = set()  # touched on the loop's thread only
        self._lock = threading.Lock()
        self.generation = 0

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach to the server's event loop (called once it runs)."""
        self._loop = loop
        self._waiters = set()

    def publish(self) -> None:
        """Thread-safe: called by the committer after each commit. Costs the event loop nothing when
        nobody waits (the usual case under load)."""
        with self._lock:
            self.generation += 1
        loop = self._loop
        if self._waiters and loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, set()
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def wait(self, timeout: float) -> None:
        """Return after the next publish or the timeout, whichever comes first."""
        if self._loop is None:
            await asyncio.sleep(timeout)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(fut)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(fut, timeout)
        finally:
            self._waiters.discard(fut)
