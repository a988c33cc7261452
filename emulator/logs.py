"""Structured logs: plain text or one JSON object per line (SES_EMULATOR_LOG_FORMAT), each record carrying
the Tencent API RequestId or the SMTP session id of the work that logged it (context variables, so
`asyncio.to_thread` work keeps them)."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
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


def configure(level: str = "info", fmt: str = "plain") -> None:
    """Install one stderr handler on the root logger (replacing an earlier one of ours)."""
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else PlainFormatter())
    handler.addFilter(ContextFilter())
    setattr(handler, _HANDLER_MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
