"""POST / as a bare ASGI route in front of the FastAPI app.

Every SendEmail from an SDK is a POST /. Passing it through FastAPI (its middleware stack, route
matching, request/response objects, dependency solving) costs more CPU than the action itself, so this
wrapper answers it directly; everything else (GET /?Action=..., /admin, the UI) goes on to FastAPI.
Most POST / never get this far: tencent_api.http_protocol answers them before uvicorn's ASGI cycle; this
route takes the ones it leaves to uvicorn (a POST / pipelined behind another request).
TencentApi.answer turns every failure into a Tencent error envelope, so nothing escapes to the server."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import ClientDisconnect

from emulator.observability import metrics_of
from emulator.tencent_api.router import TencentApi

HEADERS = [(b"content-type", b"application/json")]


class TencentApiRoute:
    def __init__(self, app: Any, api: TencentApi) -> None:
        self.app = app
        self.api = api
        self.latency = metrics_of(api.core).latency.labels("POST", "/")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != "/":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}

        async def chunks() -> AsyncIterator[bytes]:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise ClientDisconnect()
                yield message.get("body", b"")
                if not message.get("more_body", False):
                    return

        query = scope.get("query_string", b"").decode("latin-1")
        try:
            body = await self.api.answer("POST", query, headers, chunks(), "/")
        except ClientDisconnect:
            return  # nobody to answer; nothing was done
        length = (b"content-length", str(len(body)).encode())
        await send({"type": "http.response.start", "status": 200, "headers": [*HEADERS, length]})
        await send({"type": "http.response.body", "body": body})
        self.latency.observe(time.perf_counter() - t0)
