"""A short-lived cache for the look-ups every SMTP session and API request makes (credentials, sender
ownership, "may this account send now?").

Correctness does not rest on it: the sending transaction re-checks suspension under the account's row
lock. Any write transaction of this process other than a send batch clears it at once (the composition
root hands `clear` to `Database.after_write_commit`), so what this process changes is seen immediately; changes made by other processes sharing the database are seen
within `TTL_S`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class NotCached:
    """The type of NOT_CACHED: a peek that found nothing fresh."""


NOT_CACHED = NotCached()
TTL_S = 1.0
MAX_ENTRIES = 10_000


class LookupCache:
    def __init__(self) -> None:
        self._data: dict[Any, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def peek(self, key: Any, default: Any = NOT_CACHED) -> Any:
        """The fresh cached value, or `default`."""
        hit = self._data.get(key)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else default

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
