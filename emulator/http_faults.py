"""Database faults answered in the admin API's own form: HTTP 503 {"code", "message"} + Retry-After.

A database that is down, unreachable, terminating connections, locked, read-only or out of disk is a
temporary fault: the client should retry later, not read a text/plain 500 as a bug of ours.
`services.faults.database_fault` is the one rule deciding that (the /readyz probe uses it too); an error it does not
recognise (a missing table, a constraint) stays a 500 with its traceback logged.

Handlers answer where FastAPI can still answer (async and threadpool routes alike);
`FaultMiddleware` takes what escapes them: a fault inside a response already started (the UI's event
stream, which then ends with an SSE `error` event so the client reconnects) or wrapped in another
exception. The Tencent API and SMTP answer faults in their own forms (InternalError, 451) before this.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from emulator.services.faults import FAULT_CLASSES, database_fault

log = logging.getLogger("emulator.faults")

RETRY_AFTER_S = 2
CODE = "ServiceUnavailable"


def fault_message(reason: str) -> str:
    return f"the database is unavailable ({reason}); retry"


def fault_response(reason: str) -> JSONResponse:
    return JSONResponse(
        {"code": CODE, "message": fault_message(reason)},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_S), "Cache-Control": "no-store"},
    )


def sse_error(reason: str) -> bytes:
    data = json.dumps({"code": CODE, "message": fault_message(reason)}, separators=(",", ":"))
    return f"retry: {RETRY_AFTER_S * 1000}\nevent: error\ndata: {data}\n\n".encode()


def _log(method: str, path: str, reason: str, answer: str = "answered 503") -> None:
    log.warning("%s %s %s: database unavailable (%s)", method, path, answer, reason)


async def _handle(request: Request, exc: Exception) -> JSONResponse:
    reason = database_fault(exc)
    if reason is None:
        raise exc  # not ours to classify: Starlette's 500 and its logged traceback, as before
    _log(request.method, request.url.path, reason)
    return fault_response(reason)


class FaultMiddleware:
    """Pure ASGI: a fault no handler could answer. Not started: the 503 JSON; an event stream under
    way: a last `error` event, ending it cleanly; any other started response: re-raised."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        content_type: bytes | None = None  # set when the response starts
        done = False

        async def _send(message: dict[str, Any]) -> None:
            nonlocal content_type, done
            if message["type"] == "http.response.start":
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                done = True
            await send(message)

        try:
            await self.app(scope, receive, _send)
        except Exception as exc:
            reason = database_fault(exc)
            if reason is None or done:
                raise
            where = (scope.get("method", ""), scope.get("path", ""), reason)
            if content_type is None:
                _log(*where)
                await fault_response(reason)(scope, receive, send)
            elif content_type.startswith(b"text/event-stream"):
                _log(*where, answer="ended its event stream with an error event")
                await send({"type": "http.response.body", "body": sse_error(reason), "more_body": False})
            else:
                raise


_DOC_503 = {
    "description": "the database is unavailable (down, unreachable or out of disk); retry",
    "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorPublic"}}},
}


def install(app: FastAPI) -> None:
    """Called once by http_app.create_app; also documents the 503 on every admin operation."""
    for cls in FAULT_CLASSES:
        app.add_exception_handler(cls, _handle)
    app.add_middleware(FaultMiddleware)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            for path, operations in generate()["paths"].items():
                for operation in operations.values() if path.startswith("/admin") else ():
                    operation["responses"].setdefault("503", _DOC_503)
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend it
