"""Fills the mailbox search index off the send path (storage.search_index: SQLite's every filter,
migration 0009; PostgreSQL's `text`, storage.search_pg_text, migration 0011).

The committer thread calls it between its commits, so it never contends with a send for SQLite's
writer lock (nor sleeps in SQLite's busy handler), and PostgreSQL's GIN work is out of the transaction
that holds the account rows: when no send has come for IDLE_S, or after a commit while more than BEHIND
messages wait. (On PostgreSQL a thread of its own, indexing while the sends ran, was measured slower:
SendEmail 2 KB c32 ~1,000/s against ~1,400/s, the concurrent GIN work contending with the sends'.)
With several processes, each committer moves what it finds (rows locked SKIP LOCKED).

Each step is one short transaction of at most BATCH messages (~7 ms for 2 KB ones), so a send waits at
most that long behind it. Searches stay exact whatever the lag (they scan the unindexed tail), so the
lag only costs search time; BEHIND bounds it.
"""

from __future__ import annotations

import logging
import time

from emulator.storage import search_index
from emulator.storage.db import Tx

log = logging.getLogger("emulator.search")

IDLE_S = 0.05
BATCH = 64
BEHIND = 5_000
RETRY_S = 5.0  # after a failed step (database down, disk full): the sends' own errors say it already


class SearchIndexer:
    def __init__(self, batch: int = BATCH, behind: int = BEHIND) -> None:
        self.batch = batch
        self.behind = behind
        self.pending = 1  # an estimate (this process's stores since the last step); unknown at start
        self.indexed = 0  # messages indexed by this process (for /metrics and the bench)
        self._retry_at = 0.0

    def stored(self, n: int) -> None:
        self.pending += n

    def wanted(self, busy: bool) -> bool:
        """Whether a step is due: any backlog when idle, only a long one between busy commits."""
        if self.pending <= (self.behind if busy else 0):
            return False
        return time.monotonic() >= self._retry_at

    def step(self, conn: Tx) -> None:
        """One batch in its own transaction on the committer's connection."""
        try:
            with conn.begin():
                done, more = search_index.index_pending(conn, self.batch)
        except Exception as exc:  # noqa: BLE001 - retried later; a send's own error reports the fault
            log.warning("search index: step failed (%s); retrying in %.0f s", type(exc).__name__, RETRY_S)
            self._retry_at = time.monotonic() + RETRY_S
            raise
        self.indexed += done
        self.pending = max(self.pending - done, self.batch) if more else 0
