"""A client that sends its request head too slowly is cut off (slowloris, issue 14).

uvicorn closes a connection idle between requests (timeout_keep_alive) but waits for the rest of a request
head for ever, so a client dribbling one header byte at a time can hold connections as long as it likes.
HeaderTimeout gives each head `header_timeout` seconds, counted from the connection for the first request
and from its first byte for the later ones; the wait between requests stays uvicorn's keep-alive timer.

The hot path stays cheap: a request only notes when its head began, and the connection has at most one
timer, which, when it fires, re-arms itself for what is left of the deadline of a head still incomplete
(so a busy connection sets a timer once per `header_timeout`, not once per request)."""

from __future__ import annotations

import asyncio
import json

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

ENV_NAME = "SES_EMULATOR_HTTP_HEADER_TIMEOUT_S"


class HeaderTimeout(HttpToolsProtocol):
    """Mixed in first, before uvicorn's protocol or a subclass of it (tencent_api.http_protocol)."""

    header_timeout: float = 10.0  # bound by tencent_api.http_protocol.protocol_for
    _head_since: float | None = None  # loop time the head being waited for began; None: not waiting
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_begun()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._head_since is None:  # else the first request: its time counts from the connection
            self._head_begun()

    def on_headers_complete(self) -> None:
        self._head_since = None
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().connection_lost(exc)

    def _head_begun(self) -> None:
        self._head_since = self.loop.time()
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _head_timed_out(self) -> None:
        self._head_timer = None
        since = self._head_since
        if since is None or self.transport.is_closing():
            return
        left = since + self.header_timeout - self.loop.time()
        if left > 0:
            self._head_timer = self.loop.call_later(left, self._head_timed_out)
            return
        self._head_since = None
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            self.transport.write(self._timeout_response())
            self.transport.close()
        else:  # a pipelined head behind a response still under way: close after it, as shutdown() does
            cycle.keep_alive = False

    def _timeout_response(self) -> bytes:
        message = f"The request head took over {self.header_timeout:g} s, the limit set by {ENV_NAME}."
        body = json.dumps({"code": "RequestTimeout", "message": message}).encode()
        content = [STATUS_LINE[408]]
        for name, value in self.server_state.default_headers:
            content += (name, b": ", value, b"\r\n")
        content.append(b"content-type: application/json\r\ncontent-length: %d\r\n" % len(body))
        content += (b"connection: close\r\n\r\n", body)
        return b"".join(content)
