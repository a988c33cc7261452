"""uvicorn's httptools protocol, with `POST /` (every SDK call) answered in place.

uvicorn's per-request ASGI cycle (scope, task, receive/send messages, header checks) costs about as much
CPU as a whole SendEmail. This subclass answers a complete `POST /` body directly from the parser's
callbacks and writes the response bytes itself; every other request, and a `POST /` that arrives while
another request on the same connection is still being answered (pipelining), goes through uvicorn and
the FastAPI app unchanged. While a request is answered here, `self.cycle` holds an `_Answering` stand-in, so uvicorn's
own pipelining queue, graceful shutdown and disconnect handling treat it like one of theirs.

It leans on uvicorn's protocol internals; `protocol_for` checks for them and falls back to plain uvicorn,
with a warning, if they ever change (a test fails if that happens with the uvicorn installed)."""

from __future__ import annotations

import logging
import time
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from emulator.http_timeouts import HeaderTimeout
from emulator.observability import metrics_of
from emulator.tencent_api.router import MAX_BODY, TencentApi

log = logging.getLogger("emulator.api")

_NEEDED = (
    *("on_message_begin", "on_header", "on_headers_complete", "on_body", "on_message_complete"),
    *("on_response_complete", "shutdown", "connection_lost"),
)


# what uvicorn answers when an application fails before its response starts
_SERVER_ERROR = (
    b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 21\r\nconnection: close\r\n\r\nInternal Server Error"
)


class _NoEvent:
    def set(self) -> None:
        pass


class _Answering:
    """What uvicorn's code reads from a RequestResponseCycle: enough to queue behind it, ask it to close
    the connection after its response (shutdown), and mark it disconnected."""

    __slots__ = ("response_complete", "keep_alive", "disconnected", "message_event")

    def __init__(self, keep_alive: bool) -> None:
        self.response_complete = False
        self.keep_alive = keep_alive
        self.disconnected = False
        self.message_event = _NoEvent()


class _Request:
    __slots__ = ("headers", "query", "parts", "size", "started")

    def __init__(self, headers: dict[str, str], query: str) -> None:
        self.headers = headers
        self.query = query
        self.parts: list[bytes] = []
        self.size = 0
        self.started = False  # the answer is under way (refused as too large before the body ended)


class ApiHttpProtocol(HttpToolsProtocol):
    api: TencentApi  # bound by protocol_for
    latency: Any

    def on_message_begin(self) -> None:
        self._api_request: _Request | None = None
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        parser = self.parser
        url = self.url
        if (
            parser.get_method() == b"POST"
            and (url == b"/" or url.startswith(b"/?"))
            and (self.cycle is None or self.cycle.response_complete)
            and not parser.should_upgrade()
        ):
            # names lower-cased by uvicorn's on_header; what parse_api_request(normalized=True) expects
            headers = {k.decode("latin-1"): v.decode("latin-1").strip() for k, v in self.headers}
            request = _Request(headers, url[2:].decode("latin-1"))
            keep_alive = parser.get_http_version() != "1.0" and parser.should_keep_alive()
            self.cycle = _Answering(keep_alive)  # type: ignore[assignment]
            self._api_request = request
            if _declared_length(headers) > MAX_BODY:
                self._start(request, None)  # refused before the body is read
            elif self.expect_100_continue:
                self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        request = self._api_request
        if request is None:
            super().on_body(body)
            return
        if request.started:
            return
        request.size += len(body)
        if request.size > MAX_BODY:
            self._start(request, None)  # a chunked upload past the limit: answer now, then close
        else:
            request.parts.append(body)

    def on_message_complete(self) -> None:
        request = self._api_request
        if request is None:
            super().on_message_complete()
            return
        self._api_request = None
        if not request.started:
            parts = request.parts
            self._start(request, parts[0] if len(parts) == 1 else b"".join(parts))

    def _start(self, request: _Request, body: bytes | None) -> None:
        request.started = True
        cycle: _Answering = self.cycle  # type: ignore[assignment]
        if body is None:
            cycle.keep_alive = False  # the rest of an oversized body is not read
        task = self.loop.create_task(self._answer(request, body, cycle))
        task.add_done_callback(self.tasks.discard)
        self.tasks.add(task)

    async def _answer(self, request: _Request, body: bytes | None, cycle: _Answering) -> None:
        t0 = time.perf_counter()
        try:
            payload = await self.api.answer_body("POST", request.query, request.headers, body)
        except Exception:  # answer_body turns every error into an envelope: this is a bug of ours
            log.exception("unexpected error answering POST /")
            cycle.response_complete = True
            if not self.transport.is_closing():
                self.transport.write(_SERVER_ERROR)
                self.transport.close()
            return
        except BaseException:  # cancelled at shutdown: nothing more to say on this connection
            cycle.response_complete = True
            self.transport.close()
            raise
        cycle.response_complete = True
        transport = self.transport
        if transport.is_closing():
            return
        head = [b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "]
        head.append(b"%d\r\n" % len(payload))
        for name, value in self.server_state.default_headers:  # date (and server) as uvicorn sends them
            head += (name, b": ", value, b"\r\n")
        if not cycle.keep_alive:
            head.append(b"connection: close\r\n")
        head += (b"\r\n", payload)
        transport.write(b"".join(head))
        self.latency.observe(time.perf_counter() - t0)
        if cycle.keep_alive:
            self.on_response_complete()  # next pipelined request, or the keep-alive timer
        else:
            transport.close()


def _declared_length(headers: dict[str, str]) -> int:
    try:
        return int(headers.get("content-length") or 0)
    except ValueError:
        return 0  # httptools has refused a malformed length already


def protocol_for(api: TencentApi, header_timeout_s: float | None = None) -> type[HttpToolsProtocol]:
    """A protocol class bound to this emulator's API (uvicorn builds one instance per connection), with
    http_timeouts.HeaderTimeout mixed in first; `header_timeout_s` defaults to the API's settings."""
    timeout = api.core.settings.http_header_timeout_s if header_timeout_s is None else header_timeout_s
    if not all(callable(getattr(HttpToolsProtocol, name, None)) for name in _NEEDED):
        log.warning("this uvicorn's protocol differs from the one expected: POST / goes through ASGI")
        return type("HttpProtocol", (HeaderTimeout,), {"header_timeout": timeout})
    latency = metrics_of(api.core).latency.labels("POST", "/")
    bound = {"api": api, "latency": latency, "header_timeout": timeout}
    return type("ApiHttpProtocol", (HeaderTimeout, ApiHttpProtocol), bound)
