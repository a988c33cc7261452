"""Request body cap for the admin, mailbox and UI routes (issue 14), so one client cannot make the server
hold a body of any size.

A declared Content-Length over the cap is answered 413 before the app runs; a chunked body is counted as
the app reads it and answered 413 as soon as it passes the cap. Either way the connection is closed after
the 413, so the rest of the body is never read. The Tencent API at `/` keeps its own limit and envelope
(tencent_api.router.MAX_BODY). A pure ASGI middleware: responses, the SSE stream included, pass through
unbuffered, and a request without a body (or with a declared one under the cap, which the HTTP parser
ends at its length) goes to the app unwrapped."""

from __future__ import annotations

import json

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulator.config import Settings

ENV_NAME = "SES_EMULATOR_HTTP_MAX_BODY_BYTES"
# an account snapshot carries its whole mailbox: its upload has a cap of its own
SNAPSHOT_PATH = "/admin/snapshots"
SNAPSHOT_ENV_NAME = "SES_EMULATOR_SNAPSHOT_MAX_BYTES"


def install(app: FastAPI, settings: Settings) -> None:
    wider = {SNAPSHOT_PATH: (settings.snapshot_max_bytes, SNAPSHOT_ENV_NAME)}
    app.add_middleware(BodyLimit, limit=settings.http_max_body_bytes, wider=wider)


class BodyLimit:
    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        env_name: str = ENV_NAME,
        wider: dict[str, tuple[int, str]] | None = None,
    ) -> None:
        self.app = app
        self.limit = limit
        message = f"The request body is larger than {limit} bytes, the limit set by {env_name}."
        self.body = json.dumps({"code": "RequestTooLarge", "message": message}).encode()
        self.wider = {path: BodyLimit(app, cap, env) for path, (cap, env) in (wider or {}).items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/":  # "/": the Tencent API (and the UI's index)
            await self.app(scope, receive, send)
            return
        other = self.wider.get(scope["path"])
        if other is not None:
            await other(scope, receive, send)
            return
        declared, chunked = _framing(scope["headers"])
        if declared > self.limit:
            await self.refuse(send)
        elif not chunked:
            await self.app(scope, receive, send)
        else:
            counted = _Counted(self, receive, send)
            try:
                await self.app(scope, counted.receive, counted.send)
            except Exception:
                if not counted.answered:  # else: the app's reaction to the disconnect it was told of
                    raise

    async def refuse(self, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(self.body))]
        headers.append((b"connection", b"close"))  # the rest of the body is not read
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


class _Counted:
    """receive/send of a chunked request: past the cap, answers 413 itself (unless the app has started its
    response), tells the app the client has left, and drops what the app sends after that."""

    __slots__ = ("_limit", "_receive", "_send", "_left", "_started", "_cut", "answered")

    def __init__(self, limit: BodyLimit, receive: Receive, send: Send) -> None:
        self._limit = limit
        self._receive = receive
        self._send = send
        self._left = limit.limit
        self._started = False  # a response has started
        self._cut = False  # the body passed the cap
        self.answered = False  # with our 413

    async def receive(self) -> Message:
        if self._cut:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] == "http.request":
            self._left -= len(message.get("body", b""))
            if self._left < 0:
                self._cut = True
                if not self._started:
                    self._started = self.answered = True
                    await self._limit.refuse(self._send)
                return {"type": "http.disconnect"}
        return message

    async def send(self, message: Message) -> None:
        if self.answered:
            return
        if message["type"] == "http.response.start":
            self._started = True
        await self._send(message)


def _framing(headers: list[tuple[bytes, bytes]]) -> tuple[int, bool]:
    """(declared Content-Length or 0, chunked?)"""
    declared, chunked = 0, False
    for name, value in headers:
        if name == b"content-length":
            if value.isdigit():  # else malformed: the HTTP parser has refused it already
                declared = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
    return declared, chunked
