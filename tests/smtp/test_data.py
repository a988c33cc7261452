"""DATA read in bulk: byte-exact content, dot-stuffing, size and line limits, pipelined commands."""

from __future__ import annotations

import socket
import ssl
from typing import Any

import pytest

from tests.clients import insecure_tls


def _session(server: Any, account: dict[str, Any]) -> ssl.SSLSocket:
    import base64

    raw = socket.create_connection(("127.0.0.1", server.endpoints.smtps_port), timeout=30)
    s = insecure_tls().wrap_socket(raw)
    f = s.makefile("rb")

    def reply() -> bytes:
        while True:
            line = f.readline()
            if line[3:4] != b"-":
                return line

    s._reply = reply  # type: ignore[attr-defined]
    reply()
    s.sendall(b"EHLO t\r\n")
    reply()
    token = base64.b64encode(f"\0{account['sender']}\0{account['smtp_password']}".encode()).decode()
    s.sendall(f"AUTH PLAIN {token}\r\n".encode())
    assert reply().startswith(b"235")
    return s


def _stored_raw(server: Any, account: dict[str, Any]) -> bytes:
    listing = server.admin("GET", f"/accounts/{account['name']}/messages").json()
    mid = listing["messages"][0]["id"]
    return bytes(server.admin("GET", f"/accounts/{account['name']}/messages/{mid}/raw").content)


def _send_raw(s: ssl.SSLSocket, sender: str, wire_body: bytes, pipelined_quit: bool = False) -> bytes:
    reply = s._reply  # type: ignore[attr-defined]
    s.sendall(f"MAIL FROM:<{sender}>\r\n".encode())
    assert reply().startswith(b"250")
    s.sendall(b"RCPT TO:<x@example.com>\r\n")
    assert reply().startswith(b"250")
    s.sendall(b"DATA\r\n")
    assert reply().startswith(b"354")
    s.sendall(wire_body + (b"QUIT\r\n" if pipelined_quit else b""))
    return reply()


def test_dot_stuffing_and_large_body_are_byte_exact(server: Any, account: dict[str, Any]) -> None:
    body = b"Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\nend.\r\n" + (b"y" * 998 + b"\r\n") * 200
    wire = body.replace(b"\r\n.", b"\r\n..") + b".\r\n"
    with _session(server, account) as s:
        assert _send_raw(s, account["sender"], wire).startswith(b"250")
    assert _stored_raw(server, account) == body


def test_pipelined_quit_after_the_marker_is_answered(server: Any, account: dict[str, Any]) -> None:
    with _session(server, account) as s:
        assert _send_raw(
            s, account["sender"], b"Subject: p\r\n\r\nhi\r\n.\r\n", pipelined_quit=True
        ).startswith(b"250")
        assert s._reply().startswith(b"221")  # type: ignore[attr-defined]


def test_empty_message(server: Any, account: dict[str, Any]) -> None:
    with _session(server, account) as s:
        assert _send_raw(s, account["sender"], b".\r\n").startswith(b"250")
    assert _stored_raw(server, account) == b""


@pytest.mark.parametrize("length, ok", [(2000, True), (2001, False)])
def test_line_length_limit_is_tencents_2000(
    server: Any, account: dict[str, Any], length: int, ok: bool
) -> None:
    with _session(server, account) as s:
        answer = _send_raw(s, account["sender"], b"Subject: l\r\n\r\n" + b"z" * length + b"\r\n.\r\n")
    if ok:
        assert answer.startswith(b"250")
    else:
        assert answer.startswith(
            b"554 5.0.0 Error: transaction failed, blame it on the weather: smtp: too longer line"
        )
        assert server.state(account["name"])["free_used"] == 0


def test_oversized_data_is_552_after_the_marker_and_session_goes_on(
    server: Any, account: dict[str, Any]
) -> None:
    big = b"Subject: big\r\n\r\n" + (b"q" * 998 + b"\r\n") * 4300  # > 4 MB
    with _session(server, account) as s:
        assert _send_raw(s, account["sender"], big + b".\r\n").startswith(b"552")
        assert _send_raw(s, account["sender"], b"Subject: small\r\n\r\nok\r\n.\r\n").startswith(b"250")
    assert server.state(account["name"])["free_used"] == 1


def test_data_collector_handles_any_chunking() -> None:
    """The marker may arrive split across reads, even one byte at a time."""
    from emulator.smtp.data import DataCollector, has_long_line

    def run(wire: bytes, size: int, limit: int = 10_000) -> tuple[bytes, bytes, bool]:
        collector = DataCollector(limit)
        pieces = [wire[i : i + size] for i in range(0, len(wire), size)]
        for n, piece in enumerate(pieces):
            if collector.feed(piece):
                rest = collector.leftover + b"".join(pieces[n + 1 :])
                result = collector.result()
                return result.content, rest, result.too_big
        raise AssertionError("marker not found")

    body = b"Subject: s\r\n\r\n.x\r\nline\r\n"
    wire = body.replace(b"\r\n.", b"\r\n..") + b".\r\nQUIT\r\n"
    for size in (1, 2, 3, 4, 5, 7, 64):
        assert run(wire, size) == (body, b"QUIT\r\n", False)
        assert run(wire, size, limit=10) == (b"", b"QUIT\r\n", True)
        assert run(b".\r\n", size) == (b"", b"", False)
        assert run(b"..\r\n.\r\n", size) == (b".\r\n", b"", False)
    assert not has_long_line(b"a" * 2000 + b"\r\n" + b"b" * 2000)
    assert has_long_line(b"x\r\n" + b"a" * 2001 + b"\r\n")
    assert has_long_line(b"a" * 2001)
    assert not has_long_line((b"y" * 76 + b"\r\n") * 3000)
