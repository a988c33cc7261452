"""A daemon thread started on demand and stopped once: the shape shared by the services that work off
the request path (batch sending, event callbacks)."""

from __future__ import annotations

import threading
from typing import ClassVar


class BackgroundWorker:
    thread_name: ClassVar[str] = "ses-worker"

    def __init__(self) -> None:
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
                self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=self.stop_timeout_s())

    def stop_timeout_s(self) -> float:
        return 30.0

    def _run(self) -> None:
        raise NotImplementedError
