"""Issue 14, bounds one client cannot exhaust: admin/mailbox/UI bodies over SES_EMULATOR_HTTP_MAX_BODY_BYTES
get 413 (announced or chunked) and change nothing; one address holds at most
SES_EMULATOR_SMTP_MAX_CONNECTIONS_PER_CLIENT SMTP connections while other addresses still connect; an HTTP
client dribbling its request head is cut off after SES_EMULATOR_HTTP_HEADER_TIMEOUT_S."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.clients import insecure_tls
from tests.conftest import Server
from tests.hardening.raw_api import RawApi, error_code
from tests.tencent_api.test_http_protocol import Conn, envelope, request

MIB = 1024 * 1024


def _top_up(server: Server, name: str, note: str | Iterator[bytes]) -> httpx.Response:
    if isinstance(note, str):
        return server.admin("POST", f"/accounts/{name}/top-up", json={"amount": "1.00", "note": note})
    headers = {"content-type": "application/json"}
    return server.admin("POST", f"/accounts/{name}/top-up", content=note, headers=headers)


def _chunked_note(size: int) -> Iterator[bytes]:
    """A top-up body of about `size` bytes, sent chunked (httpx: no Content-Length for a generator)."""
    yield b'{"amount": "1.00", "note": "'
    for _ in range(size // 65536):
        yield b"x" * 65536
    yield b'"}'


def _state(server: Server, name: str) -> dict[str, Any]:
    return {k: v for k, v in server.state(name).items() if k != "clock"}  # the clock moves on


def _assert_too_large(r: httpx.Response, limit: int) -> None:
    assert r.status_code == 413, r.text
    body = r.json()
    assert body["code"] == "RequestTooLarge"
    assert f"{limit} bytes" in body["message"] and "SES_EMULATOR_HTTP_MAX_BODY_BYTES" in body["message"]


def test_an_announced_body_over_the_cap_gets_413_and_changes_nothing(server: Server) -> None:
    a = server.new_account()
    before = _state(server, a["name"])
    _assert_too_large(_top_up(server, a["name"], "x" * (2 * MIB)), MIB)
    assert _state(server, a["name"]) == before


def test_a_chunked_body_past_the_cap_gets_413_and_changes_nothing(server: Server) -> None:
    a = server.new_account()
    before = _state(server, a["name"])
    _assert_too_large(_top_up(server, a["name"], _chunked_note(2 * MIB)), MIB)
    assert _state(server, a["name"]) == before


def test_a_chunked_body_past_the_cap_is_answered_without_waiting_for_its_end(server: Server) -> None:
    a = server.new_account()
    head = f"POST /admin/accounts/{a['name']}/top-up HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    with socket.create_connection(("127.0.0.1", server.endpoints.http_port), timeout=10) as s:
        s.sendall(f"{head}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        s.sendall(b"%x\r\n%s\r\n" % (MIB + 1, b"x" * (MIB + 1)))  # and no final chunk
        data = b""
        while got := s.recv(65536):
            data += got
    assert data.startswith(b"HTTP/1.1 413 ") and b"connection: close" in data.lower(), data[:300]
    assert b'"RequestTooLarge"' in data


def test_bodies_under_the_cap_are_served(server: Server) -> None:
    a = server.new_account()
    assert _top_up(server, a["name"], "x" * (MIB // 2)).status_code == 200
    assert _top_up(server, a["name"], _chunked_note(MIB // 2)).status_code == 200
    assert server.state(a["name"])["balance_micro"] == 2_000_000


def test_a_smaller_cap_from_the_environment_is_honoured(make_server: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("SES_EMULATOR_HTTP_MAX_BODY_BYTES", "2000")
    srv: Server = make_server()
    a = srv.new_account()
    _assert_too_large(_top_up(srv, a["name"], "x" * 3000), 2000)
    _assert_too_large(srv.admin("POST", "/accounts", json={"name": "n" * 3000}), 2000)
    assert _top_up(srv, a["name"], "x" * 1000).status_code == 200
    # the Tencent API at POST / keeps its own 10 MB limit: a larger body is judged on its content
    body = f'{{"Subject": "{"s" * 5000}"}}'.encode()
    assert error_code(RawApi(srv, a).call("SendEmail", body)) == "MissingParameter"


# --- SMTP connections per client address ----------------------------------------------------------------


def _greeting(port: int, source: str = "127.0.0.1", tls: bool = False) -> tuple[socket.socket, bytes]:
    s: socket.socket = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
    if tls:
        s = insecure_tls().wrap_socket(s)
    data = b""
    try:
        while not data.endswith(b"\r\n") and (got := s.recv(200)):
            data += got
    except (ConnectionResetError, ssl.SSLError):
        pass
    return s, data


def _served_again(port: int) -> tuple[socket.socket, bytes]:
    """A connection greeted 220 once a slot has been freed (the server notices a close a moment later)."""
    deadline = time.monotonic() + 5
    while True:
        s, data = _greeting(port)
        if data.startswith(b"220 ") or time.monotonic() > deadline:
            return s, data
        s.close()
        time.sleep(0.05)


def test_one_address_is_held_to_its_connections_while_others_connect(make_server: Any) -> None:
    srv: Server = make_server(smtp_max_connections_per_client=3)
    port, smtps = srv.endpoints.smtp_port, srv.endpoints.smtps_port
    open_ = [_greeting(port) for _ in range(2)] + [_greeting(smtps, tls=True)]  # both ports, one count
    try:
        assert all(g.startswith(b"220 ") for _, g in open_), open_
        for p, tls in ((port, False), (smtps, True)):
            extra, data = _greeting(p, tls=tls)
            extra.close()
            assert data.startswith(b"421 4.7.0 ") and b"too many connections from your address" in data, data
        other, data = _greeting(port, source="127.0.0.2")  # another address is served
        other.close()
        assert data.startswith(b"220 "), data
        s, _ = open_.pop(0)
        s.sendall(b"QUIT\r\n")  # closed by the server
        assert s.recv(100).startswith(b"221")
        s.close()
        open_.append(_served_again(port))
        open_.pop(0)[0].close()  # closed by the client
        open_.append(_served_again(port))
        assert all(g.startswith(b"220 ") for _, g in open_), open_
        extra, data = _greeting(port)  # three again: each slot was released once, not twice
        extra.close()
        assert b"too many connections from your address" in data, data
    finally:
        for s, _ in open_:
            s.close()


def test_a_connection_cut_off_as_idle_frees_its_slot(make_server: Any) -> None:
    srv: Server = make_server(smtp_max_connections_per_client=1, smtp_idle_timeout_s=0.5)
    s, data = _greeting(srv.endpoints.smtp_port)
    with s:
        assert data.startswith(b"220 ")
        assert s.recv(200).startswith(b"421 4.4.2")  # the idle timeout
    again, data = _served_again(srv.endpoints.smtp_port)
    again.close()
    assert data.startswith(b"220 "), data


# --- HTTP request head timeout ------------------------------------------------------------------------


@pytest.fixture
def quick(make_server: Any) -> Server:
    srv: Server = make_server(http_header_timeout_s=1)
    return srv


def _until_closed(s: socket.socket, dribble: bytes = b"") -> tuple[bytes, float]:
    """Read until the server closes, sending one byte of `dribble` every 0.3 s meanwhile."""
    start, data = time.monotonic(), b""
    s.settimeout(0.3)
    while time.monotonic() - start < 10:
        try:
            got = s.recv(4096)
        except TimeoutError:
            if dribble:
                s.sendall(dribble[:1])
                dribble = dribble[1:] or dribble
            continue
        except ConnectionResetError:
            break
        if not got:
            break
        data += got
    return data, time.monotonic() - start


def test_a_client_dribbling_its_headers_is_cut_off(quick: Server) -> None:
    with socket.create_connection(("127.0.0.1", quick.endpoints.http_port)) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        data, took = _until_closed(s, dribble=b"X-Slow: " + b"y" * 100)
    assert data.startswith(b"HTTP/1.1 408 ") and b'"RequestTimeout"' in data, data
    assert 0.8 < took < 3


def test_a_connection_that_never_sends_a_request_is_cut_off(quick: Server) -> None:
    with socket.create_connection(("127.0.0.1", quick.endpoints.http_port)) as s:
        data, took = _until_closed(s)
    assert data.startswith(b"HTTP/1.1 408 "), data
    assert 0.8 < took < 3


def test_keep_alive_idle_and_the_api_fast_path_are_not_cut_off(quick: Server) -> None:
    a = quick.new_account()
    api, conn = RawApi(quick, a), Conn(quick)
    try:
        conn.send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert conn.response()[0] == 200
        time.sleep(1.5)  # idle past the head timeout, well within keep-alive
        conn.send(b"".join(request(api, "ListEmailIdentities", {}) for _ in range(3)))  # pipelined
        assert all("Error" not in envelope(conn.response()) for _ in range(3))
        time.sleep(1.5)
        head = request(api, "ListEmailIdentities", {})
        conn.send(head[:20])
        time.sleep(0.5)  # a head in two parts, within the timeout
        conn.send(head[20:])
        assert "Error" not in envelope(conn.response())
        conn.send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert conn.response()[0] == 200
    finally:
        conn.close()
