"""A short-lived cache for the look-ups every SMTP session and API request makes (credentials, sender
ownership, "may this account send now?").

Correctness does not rest on it: the sending transaction re-checks suspension under the account's row
lock. Any write transaction of this process other than a send batch clears it at once, so what this
process changes is seen immediately; changes made by other processes sharing the database are seen
within `TTL_S`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine, event

T = TypeVar("T")
MISSING = object()
TTL_S = 1.0
MAX_ENTRIES = 10_000


class LookupCache:
    def __init__(self) -> None:
        self._data: dict[Any, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def watch(self, engine: Engine) -> None:
        """Clear on every committed write that is not a send batch (those never change what is cached)."""

        @event.listens_for(engine, "commit")
        def _on_commit(conn: Any) -> None:
            if conn.get_execution_options().get("write") and not conn.get_execution_options().get(
                "send_batch"
            ):
                self.clear()

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def peek(self, key: Any) -> Any:
        """The fresh cached value, or MISSING: lets the event loop skip a thread hop on a hit."""
        hit = self._data.get(key)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else MISSING

    def get(self, key: Any, load: Callable[[], T]) -> T:
        now = time.monotonic()
        hit = self._data.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]  # type: ignore[no-any-return]
        value = load()
        with self._lock:
            if len(self._data) >= MAX_ENTRIES:
                self._data.clear()
            self._data[key] = (now + TTL_S, value)
        return value
