"""Issue 9 §3, Tencent API: bodies over the 10 MB TC3 limit are refused with RequestSizeLimitExceeded —
as soon as the limit is passed, whether the size is announced (Content-Length) or not (chunked) — and
change nothing."""

from __future__ import annotations

import json
import socket
from typing import Any

from tests.conftest import Server
from tests.hardening.raw_api import RawApi, error_code, snapshot

LIMIT = 10 * 1024 * 1024
CHUNK = 1 << 20


def _raw_request(server: Server, api: RawApi, framing: str, body_parts: list[bytes]) -> dict[str, Any]:
    """Send the head and these body bytes, never the end of the body; read the answer."""
    headers = api.headers("SendEmail", b"{}")
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    with socket.create_connection(("127.0.0.1", server.endpoints.http_port), timeout=15) as s:
        s.sendall(f"POST / HTTP/1.1\r\n{head}{framing}\r\n".encode())
        for part in body_parts:
            s.sendall(part)
        data = b""
        while b"\r\n\r\n" not in data:
            got = s.recv(65536)
            assert got, "connection closed without an answer"
            data += got
        head_text, _, rest = data.partition(b"\r\n\r\n")
        assert head_text.startswith(b"HTTP/1.1 200"), head_text
        length = int(
            next(h for h in head_text.split(b"\r\n") if h.lower().startswith(b"content-length:")).split(b":")[
                1
            ]
        )
        while len(rest) < length:
            got = s.recv(65536)
            assert got
            rest += got
    return dict(json.loads(rest)["Response"])


def test_announced_oversize_body_is_refused_before_it_is_sent(
    server: Server, account: dict[str, Any]
) -> None:
    api = RawApi(server, account)
    before = snapshot(server, api)
    r = _raw_request(server, api, f"Content-Length: {LIMIT + 1}\r\n", [b"{"])
    assert error_code(r) == "RequestSizeLimitExceeded"
    assert snapshot(server, api) == before


def test_chunked_oversize_body_is_refused_once_past_the_limit(
    server: Server, account: dict[str, Any]
) -> None:
    api = RawApi(server, account)
    before = snapshot(server, api)
    chunk = b"%x\r\n%s\r\n" % (CHUNK, b" " * CHUNK)
    tail = b"%x\r\n%s\r\n" % (65536, b" " * 65536)
    # 10 MB + 64 KB and no final chunk: the answer must not wait for an end that never comes
    r = _raw_request(server, api, "Transfer-Encoding: chunked\r\n", [chunk] * (LIMIT // CHUNK) + [tail])
    assert error_code(r) == "RequestSizeLimitExceeded"
    assert snapshot(server, api) == before


def test_body_at_the_limit_is_read_and_judged_on_its_content(server: Server, account: dict[str, Any]) -> None:
    api = RawApi(server, account)
    body = json.dumps({"Subject": "x" * (LIMIT - 100)}).encode()
    assert len(body) <= LIMIT
    assert error_code(api.call("SendEmail", body)) == "MissingParameter"
