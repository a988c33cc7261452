"""POST / is answered by our own protocol code (tencent_api.http_protocol), not uvicorn's ASGI cycle: the
HTTP/1.1 rules a client relies on must still hold — keep-alive, pipelined requests answered in order
(also when they mix with requests that go through FastAPI), Expect: 100-continue, HTTP/1.0, a client
that goes away before its answer."""

from __future__ import annotations

import json
import socket
from typing import Any

from tests.conftest import Server
from tests.hardening.raw_api import RawApi


class Conn:
    """A raw HTTP/1.1 connection that reads responses one by one."""

    def __init__(self, server: Server) -> None:
        self.sock = socket.create_connection(("127.0.0.1", server.endpoints.http_port), timeout=15)
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        got = self.sock.recv(65536)
        self.buf += got
        return bool(got)

    def response(self) -> tuple[int, dict[str, str], bytes]:
        while b"\r\n\r\n" not in self.buf:
            assert self._fill(), f"connection closed; got {self.buf!r}"
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(self.buf) < length:
            assert self._fill(), "connection closed inside a body"
        body, self.buf = self.buf[:length], self.buf[length:]
        return status, headers, body

    def closed_by_server(self) -> bool:
        return not self.buf and not self._fill()

    def close(self) -> None:
        self.sock.close()


def request(api: RawApi, action: str, params: dict[str, Any], version: str = "1.1", **extra: str) -> bytes:
    body = json.dumps(params).encode()
    headers = {**api.headers(action, body), "Content-Length": str(len(body)), **extra}
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return f"POST / HTTP/{version}\r\n{head}\r\n".encode() + body


def envelope(resp: tuple[int, dict[str, str], bytes]) -> dict[str, Any]:
    status, headers, body = resp
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert "date" in headers
    return dict(json.loads(body)["Response"])


def send_params(account: dict[str, Any], n: int) -> dict[str, Any]:
    text = "aGVsbG8="  # "hello"
    return {
        "FromEmailAddress": account["sender"],
        "Destination": [f"rcpt{n}@example.com"],
        "Subject": f"pipelined {n}",
        "Simple": {"Text": text},
    }


def test_many_calls_on_one_keep_alive_connection(server: Server, account: dict[str, Any]) -> None:
    api, conn = RawApi(server, account), Conn(server)
    try:
        ids = set()
        for _ in range(20):
            conn.send(request(api, "ListEmailIdentities", {}))
            r = envelope(conn.response())
            assert "Error" not in r, r
            ids.add(r["RequestId"])
        assert len(ids) == 20
    finally:
        conn.close()


def test_pipelined_calls_are_answered_in_order(server: Server, account: dict[str, Any]) -> None:
    api, conn = RawApi(server, account), Conn(server)
    try:
        conn.send(b"".join(request(api, "SendEmail", send_params(account, n)) for n in range(5)))
        message_ids = [envelope(conn.response())["MessageId"] for _ in range(5)]
    finally:
        conn.close()
    mail = server.admin("GET", f"/accounts/{account['name']}/messages", params={"limit": 50}).json()
    by_id = {m["id"]: m["subject"] for m in mail["messages"]}
    assert [by_id[m] for m in message_ids] == [f"pipelined {n}" for n in range(5)]


def test_pipelined_calls_mixed_with_other_routes(server: Server, account: dict[str, Any]) -> None:
    """GET /healthz goes through FastAPI; its answer must come between the two API answers."""
    api, conn = RawApi(server, account), Conn(server)
    try:
        first = request(api, "ListEmailIdentities", {})
        conn.send(first + b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + first)
        assert "Error" not in envelope(conn.response())
        status, _, body = conn.response()
        assert status == 200 and json.loads(body)["status"] == "ok"
        assert "Error" not in envelope(conn.response())
    finally:
        conn.close()


def test_expect_100_continue(server: Server, account: dict[str, Any]) -> None:
    api, conn = RawApi(server, account), Conn(server)
    try:
        raw = request(api, "ListEmailIdentities", {}, Expect="100-continue")
        head, _, body = raw.partition(b"\r\n\r\n")
        conn.send(head + b"\r\n\r\n")
        assert conn.response()[0] == 100  # the body is sent only after this
        conn.send(body)
        assert "Error" not in envelope(conn.response())
    finally:
        conn.close()


def test_http_1_0_gets_its_answer_then_the_connection_closes(server: Server, account: dict[str, Any]) -> None:
    api, conn = RawApi(server, account), Conn(server)
    try:
        conn.send(request(api, "ListEmailIdentities", {}, version="1.0"))
        resp = conn.response()
        assert resp[1]["connection"] == "close"
        assert "Error" not in envelope(resp)
        assert conn.closed_by_server()
    finally:
        conn.close()


def test_a_client_gone_before_its_answer_does_not_hurt_the_next(
    server: Server, account: dict[str, Any]
) -> None:
    api = RawApi(server, account)
    for n in range(5):
        gone = Conn(server)
        gone.send(request(api, "SendEmail", send_params(account, n)))
        gone.close()
    conn = Conn(server)
    try:
        conn.send(request(api, "SendEmail", send_params(account, 99)))
        assert envelope(conn.response())["MessageId"]
    finally:
        conn.close()


def test_the_installed_uvicorn_gets_the_direct_path(server: Server) -> None:
    """protocol_for falls back to plain uvicorn if its internals change; that must not happen silently
    with the uvicorn we install."""
    from emulator.tencent_api.http_protocol import ApiHttpProtocol, protocol_for
    from emulator.tencent_api.router import TencentApi

    assert issubclass(protocol_for(TencentApi(server.emulator.core)), ApiHttpProtocol)


def test_a_chunked_body_is_read_whole(server: Server, account: dict[str, Any]) -> None:
    api, conn = RawApi(server, account), Conn(server)
    try:
        body = json.dumps(send_params(account, 7)).encode()
        headers = {**api.headers("SendEmail", body), "Transfer-Encoding": "chunked"}
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        chunks = b"".join(
            b"%x\r\n%s\r\n" % (len(body[i : i + 10]), body[i : i + 10]) for i in range(0, len(body), 10)
        )
        conn.send(f"POST / HTTP/1.1\r\n{head}\r\n".encode() + chunks + b"0\r\n\r\n")
        assert envelope(conn.response())["MessageId"]
    finally:
        conn.close()
