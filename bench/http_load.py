"""SendEmail load: correctly TC3-signed requests over a minimal HTTP/1.1 keep-alive client on asyncio
streams (httpx costs several times more CPU per request than the servers we measure)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.loadgen import Budget, Client, Tally
from emulator.client import sign_headers


class HttpError(Exception):
    pass


class HttpConn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.r, self.w = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> HttpConn:
        reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
        return cls(reader, writer)

    async def request(self, head: bytes, body: bytes) -> tuple[int, bytes, bool]:
        """Send one request; returns (status, body, server keeps the connection)."""
        self.w.write(head + body)
        raw = await self.r.readuntil(b"\r\n\r\n")
        status = int(raw[9:12])
        lower = raw.lower()
        i = lower.find(b"\r\ncontent-length:")
        if i < 0:
            raise HttpError(f"no Content-Length in response: {raw[:200]!r}")
        j = lower.index(b"\r\n", i + 2)
        data = await self.r.readexactly(int(lower[i + 17 : j]))
        return status, data, b"\r\nconnection: close" not in lower

    def close(self) -> None:
        self.w.close()


def request_head(method: str, path: str, headers: dict[str, str], length: int) -> bytes:
    lines = [f"{method} {path} HTTP/1.1"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@dataclass(frozen=True)
class SendEmail:
    """Signed SendEmail requests with a template, one distinct recipient per client."""

    host: str  # host:port, as signed
    secret_id: str
    secret_key: str
    sender: str
    template_id: int
    region: str = "ap-guangzhou"

    def request(self, rcpt: str, n: int) -> tuple[bytes, bytes]:
        body = json.dumps(
            {
                "FromEmailAddress": self.sender,
                "Destination": [rcpt],
                "Subject": f"bench {n}",
                "Template": {
                    "TemplateID": self.template_id,
                    "TemplateData": json.dumps({"name": rcpt, "n": str(n)}),
                },
            }
        ).encode()
        headers = sign_headers(self.host, "SendEmail", body, self.secret_id, self.secret_key, self.region)
        return request_head("POST", "/", headers, len(body)), body


def is_success(status: int, body: bytes) -> bool:
    return status == 200 and b'"Error"' not in body and b'"MessageId"' in body


def http_client(
    host: str,
    port: int,
    make: Callable[[str, int], tuple[bytes, bytes]],
    ok: Callable[[int, bytes], bool] = is_success,
) -> Client:
    """A client coroutine for loadgen.drive: one keep-alive connection (opened before the clock starts),
    reopened if the server closes it."""

    async def client(index: int, budget: Budget, tally: Tally) -> None:
        rcpt = f"user{index}@example.com"
        conn: HttpConn | None = None
        n = 0
        try:
            conn = await HttpConn.open(host, port)
        except OSError as exc:
            tally.error(f"{type(exc).__name__}: {exc}")
        await budget.ready()
        while budget.take():
            n += 1
            head, body = make(rcpt, n)
            t0 = time.perf_counter()
            try:
                if conn is None:
                    conn = await HttpConn.open(host, port)
                status, data, keep = await conn.request(head, body)
                if ok(status, data):
                    tally.latencies.append(time.perf_counter() - t0)
                else:
                    tally.error(f"HTTP {status}: {data[:300]!r}")
                if not keep:
                    conn.close()
                    conn = None
            except (OSError, HttpError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
                tally.error(f"{type(exc).__name__}: {exc}")
                if conn is not None:
                    conn.close()
                    conn = None
        if conn is not None:
            conn.close()

    return client
