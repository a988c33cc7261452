"""Issue 9 §3, SMTP: clients that stall are cut off with 421 after SES_EMULATOR_SMTP_IDLE_TIMEOUT_S (but a
slow upload that keeps sending is not), connections beyond SES_EMULATOR_SMTP_MAX_CONNECTIONS get 421,
and a client that disconnects mid-DATA leaves nothing stored and nothing metered."""

from __future__ import annotations

import socket
import ssl
import time
from typing import Any

import pytest

from tests.clients import insecure_tls
from tests.conftest import Server
from tests.hardening.smtp_raw import body, mail_state, session

IDLE_S = 0.6


def _read_until_closed(sock: socket.socket, limit_s: float) -> tuple[bytes, float]:
    start = time.monotonic()
    sock.settimeout(limit_s)
    data = b""
    while True:
        try:
            got = sock.recv(4096)
        except (ConnectionResetError, ssl.SSLError):
            break
        if not got:
            break
        data += got
    return data, time.monotonic() - start


@pytest.fixture(params=["sqlite", "postgresql"])
def tight(request: pytest.FixtureRequest, make_server: Any) -> Server:
    """A server with a short idle timeout and room for 3 connections."""
    srv: Server = make_server(request.param, smtp_idle_timeout_s=IDLE_S, smtp_max_connections=3)
    return srv


@pytest.fixture(params=["sqlite", "postgresql"])
def crowded(request: pytest.FixtureRequest, make_server: Any) -> Server:
    """Room for 3 connections and the default idle timeout: the connections a test holds open stay open
    however slowly it goes (with `tight`'s 0.6 s one could be cut off as idle, freeing its slot)."""
    srv: Server = make_server(request.param, smtp_max_connections=3)
    return srv


def test_a_stalled_client_gets_421_and_is_disconnected(tight: Server) -> None:
    with socket.create_connection(("127.0.0.1", tight.endpoints.smtp_port)) as s:
        data, took = _read_until_closed(s, 10)
    assert data.startswith(b"220 ")
    assert b"421 4.4.2" in data and b"timeout" in data, data
    assert IDLE_S * 0.8 < took < IDLE_S + 3


def test_a_stall_mid_data_is_cut_off_and_nothing_is_stored(tight: Server) -> None:
    a = tight.new_account()
    before = mail_state(tight, a)
    c = session(tight.endpoints.smtp_port, a)
    c.mail(a["sender"])
    c.rcpt("r@example.com")
    assert c.docmd("DATA")[0] == 354
    c.send(body(a)[:20])  # then nothing
    data, took = _read_until_closed(c.sock, 10)
    assert b"421 4.4.2" in data and took < IDLE_S + 3
    c.close()
    assert mail_state(tight, a) == before


def test_a_slow_upload_that_keeps_sending_is_not_idle(tight: Server) -> None:
    a = tight.new_account()
    with session(tight.endpoints.smtp_port, a) as c:
        c.mail(a["sender"])
        c.rcpt("r@example.com")
        assert c.docmd("DATA")[0] == 354
        data = body(a, "slow") + b"line\r\n" * 10
        steps = 6
        for i in range(steps):  # 6 pieces, IDLE_S/2 apart: 1.5 idle timeouts in all
            c.send(data[i * len(data) // steps : (i + 1) * len(data) // steps])
            time.sleep(IDLE_S / 2)
        c.send(b".\r\n")
        code, reply = c.getreply()
        assert code == 250 and b"queued as" in reply, reply
    assert len(mail_state(tight, a)["messages"]) == 1


def test_connections_beyond_the_limit_get_421_on_both_ports(crowded: Server) -> None:
    open_ = [socket.create_connection(("127.0.0.1", crowded.endpoints.smtp_port)) for _ in range(2)]
    tls = insecure_tls().wrap_socket(socket.create_connection(("127.0.0.1", crowded.endpoints.smtps_port)))
    open_.append(tls)
    try:
        for s in open_:
            assert s.recv(100).startswith(b"220 ")
        with socket.create_connection(("127.0.0.1", crowded.endpoints.smtp_port)) as extra:
            data, _ = _read_until_closed(extra, 5)
        assert data == b"421 4.7.0 Too many connections, try again later\r\n"
        extra_tls = insecure_tls().wrap_socket(
            socket.create_connection(("127.0.0.1", crowded.endpoints.smtps_port))
        )
        with extra_tls:
            data, _ = _read_until_closed(extra_tls, 5)
        assert data.startswith(b"421 4.7.0 Too many connections")
        open_.pop().close()  # a slot frees up: the next client is served
        deadline = time.monotonic() + 5
        while True:
            with socket.create_connection(("127.0.0.1", crowded.endpoints.smtp_port)) as again:
                greeting = again.recv(100)
            if greeting.startswith(b"220 ") or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert greeting.startswith(b"220 "), greeting
    finally:
        for s in open_:
            s.close()


@pytest.mark.parametrize("cut", ["after DATA", "mid-body", "before the final dot"])
def test_a_client_that_disconnects_mid_data_leaves_nothing(server: Server, cut: str) -> None:
    a = server.new_account()
    before = mail_state(server, a)
    msg = body(a, "cut") + b"more\r\n" * 100
    c = session(server.endpoints.smtp_port, a)
    c.mail(a["sender"])
    c.rcpt("r@example.com")
    assert c.docmd("DATA")[0] == 354
    if cut == "mid-body":
        c.send(msg[: len(msg) // 2])
    elif cut == "before the final dot":
        c.send(msg + b"\r\n")
    time.sleep(0.1)
    c.sock.close()
    time.sleep(0.3)
    assert mail_state(server, a) == before
    with session(server.endpoints.smtp_port, a) as again:  # and the server carries on
        again.sendmail(a["sender"], ["r@example.com"], body(a))
    assert len(mail_state(server, a)["messages"]) == 1
