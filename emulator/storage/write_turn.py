"""SQLite writers of several processes (`serve --workers N`) take turns through a lock file.

SQLite's own wait for its write lock (busy_timeout) polls: the waiter sleeps 1, 2, 5, 10 ... up to 100 ms
between tries, so a committer that finds another process's committer writing sleeps long after the lock
is free while the other one takes it again, batch after batch. An exclusive `flock` on `<database>-turn`,
taken before BEGIN IMMEDIATE, makes the waiter sleep in the kernel and wake when the holder's turn ends.
Threads of one process queue on a lock of their own first (two threads sharing one descriptor do not exclude
each other through flock). The descriptor closes with its process, so a killed process never leaves the
turn taken; PostgreSQL and in-memory SQLite have no turn (row locks, one connection)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

try:
    import fcntl
except ImportError:  # Windows: no flock; its writers wait in SQLite's busy handler as before
    fcntl = None  # type: ignore[assignment]


class WriteTurn:
    def __init__(self, path: str | None) -> None:
        self.path = path
        self._threads = threading.RLock()
        self._depth = 0  # entries of the thread holding the turn
        self._fd: int | None = None
        self._pid = 0

    @classmethod
    def of(cls, engine: Engine) -> WriteTurn:
        database = engine.url.database
        if fcntl is None or engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
            return cls(None)
        return cls(f"{database}-turn")

    @contextmanager
    def __call__(self) -> Iterator[None]:
        """Hold the turn for one write transaction (enter it before BEGIN, leave it after COMMIT)."""
        if self.path is None:
            yield
            return
        with self._threads:  # re-entrant: a nested write waits in SQLite's busy handler, as before
            self._depth += 1
            try:
                if self._depth == 1:
                    fcntl.flock(self._descriptor(), fcntl.LOCK_EX)  # releases the GIL while it waits
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    fcntl.flock(self._descriptor(), fcntl.LOCK_UN)

    def _descriptor(self) -> int:
        """Opened once per process (a forked child opens its own: a shared open file would be one lock)."""
        if self._fd is None or self._pid != os.getpid():
            assert self.path is not None
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd

    def close(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd = None
