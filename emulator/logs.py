"""Structured logs: plain text or one JSON object per line (SES_EMULATOR_LOG_FORMAT), each record carrying
the Tencent API RequestId or the SMTP session id of the work that logged it (context variables, so
`asyncio.to_thread` work keeps them)."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("ses_request_id", default=None)
smtp_session_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "ses_smtp_session", default=None
)

FORMATS = ("plain", "json")
_HANDLER_MARK = "_ses_emulator_handler"


def bind_request(request_id: str) -> None:
    """Called where a Tencent API request gets its RequestId."""
    request_id_var.set(request_id)


def new_smtp_session() -> str:
    """Called when an SMTP connection opens; returns the session id now in context."""
    sid = uuid.uuid4().hex[:12]
    smtp_session_var.set(sid)
    return sid


class ContextFilter(logging.Filter):
    """Puts request_id / smtp_session on every record (None when outside such work)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.smtp_session = smtp_session_var.get()
        return True


class PlainFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(ctx)s: %(message)s")
        self._second = -1
        self._stamp = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        """The default format, with the strftime part computed once per second."""
        second = int(record.created)
        if second != self._second:
            self._second, self._stamp = second, super().formatTime(record, datefmt)[:-4]
        return f"{self._stamp},{int(record.msecs):03d}"

    def format(self, record: logging.LogRecord) -> str:
        parts = []
        for key in ("request_id", "smtp_session"):
            value = getattr(record, key, None)
            if value:
                parts.append(f"{key}={value}")
        record.ctx = f" [{' '.join(parts)}]" if parts else ""
        return super().format(record)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "smtp_session"):
            value = getattr(record, key, None)
            if value:
                out[key] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


class BatchingHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes records in batches, at most FLUSH_S after they are logged (warnings and errors at once).
    A busy server logs a line per message, and a write per line costs as much as the rest of logging."""

    FLUSH_S = 0.05
    MAX_PENDING = 256

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._pending: list[str] = []
        self._wake = threading.Event()
        self._closed = False
        threading.Thread(target=self._flusher, name="ses-log-flush", daemon=True).start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # noqa: BLE001 - logging must never raise
            self.handleError(record)
            return
        with self.lock:  # type: ignore[union-attr]
            self._pending.append(line)
            n = len(self._pending)
        if record.levelno >= logging.WARNING or n >= self.MAX_PENDING:
            self.flush()
        elif n == 1:
            self._wake.set()

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            lines, self._pending = self._pending, []
            if lines and self.stream is not None:
                try:
                    self.stream.write("\n".join(lines) + "\n")
                    self.stream.flush()
                except (OSError, ValueError):  # stderr closed at exit
                    pass

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        self.flush()
        super().close()

    def _flusher(self) -> None:
        while not self._closed:
            self._wake.wait()
            time.sleep(self.FLUSH_S)
            self._wake.clear()
            self.flush()


def configure(level: str = "info", fmt: str = "plain") -> None:
    """Install one stderr handler on the root logger (replacing an earlier one of ours)."""
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}")
    # The logging HOWTO's "Optimization" switches: no format of ours shows the caller's file and line,
    # thread or process, and finding the caller walks the stack on every record.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = BatchingHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else PlainFormatter())
    handler.addFilter(ContextFilter())
    setattr(handler, _HANDLER_MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level.upper())
