"""The SMTP protocol on raw sockets: pipelining (RFC 2920), commands split across packets, AUTH initial
responses and continuations, STARTTLS dropping plaintext sent after it, and the small commands."""

from __future__ import annotations

import base64
import socket
import time
from typing import Any

from tests.clients import insecure_tls
from tests.conftest import Server
from tests.hardening.smtp_raw import mail_state


class Raw:
    """A socket speaking SMTP by hand: send bytes, read whole (possibly multi-line) replies."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.file = sock.makefile("rb")

    @classmethod
    def connect(cls, port: int, implicit_tls: bool = False) -> Raw:
        sock = socket.create_connection(("127.0.0.1", port), timeout=15)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if implicit_tls:
            sock = insecure_tls().wrap_socket(sock)
        raw = cls(sock)
        assert raw.reply().startswith(b"220 ")
        return raw

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reply(self) -> bytes:
        lines = []
        while True:
            line = self.file.readline()
            assert line, "connection closed"
            lines.append(line)
            if line[3:4] != b"-":
                return b"".join(lines)

    def replies(self, n: int) -> list[int]:
        return [int(self.reply()[:3]) for _ in range(n)]

    def cmd(self, line: str) -> bytes:
        self.send(line.encode() + b"\r\n")
        return self.reply()

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def _b64(data: str) -> str:
    return base64.b64encode(data.encode()).decode()


def _logged_in(server: Server, acct: dict[str, Any]) -> Raw:
    c = Raw.connect(server.endpoints.smtps_port, implicit_tls=True)
    assert c.cmd("EHLO t").startswith(b"250-")
    assert c.cmd(f"AUTH PLAIN {_b64(chr(0) + acct['sender'] + chr(0) + acct['smtp_password'])}")[:3] == b"235"
    return c


def _message(acct: dict[str, Any], subject: str) -> bytes:
    return f"From: {acct['sender']}\r\nTo: r@example.com\r\nSubject: {subject}\r\n\r\nhi\r\n.\r\n".encode()


def test_a_whole_pipelined_transaction_in_few_packets(server: Server) -> None:
    acct = server.new_account()  # a fresh sender: MAIL FROM misses the cache and waits for a look-up
    c = Raw.connect(server.endpoints.smtps_port, implicit_tls=True)
    ehlo = c.cmd("EHLO t")
    assert b"250-PIPELINING" in ehlo and b"250-AUTH LOGIN PLAIN" in ehlo and b"STARTTLS" not in ehlo
    login = f"AUTH PLAIN {_b64(chr(0) + acct['sender'] + chr(0) + acct['smtp_password'])}\r\n"
    envelope = (
        f"MAIL FROM:<{acct['sender']}>\r\nRCPT TO:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"
    )
    c.send((login + envelope).encode())
    assert c.replies(5) == [235, 250, 250, 250, 354]
    c.send(_message(acct, "one") + envelope.encode())
    assert c.replies(5) == [250, 250, 250, 250, 354]
    c.send(_message(acct, "two") + b"NOOP\r\nRSET\r\nQUIT\r\n")
    assert c.replies(4) == [250, 250, 250, 221]
    c.close()
    state = mail_state(server, acct)
    assert len(state["messages"]) == 2
    assert state["state"]["free_used"] == 4


def test_commands_and_data_split_across_packets(server: Server) -> None:
    acct = server.new_account()
    c = _logged_in(server, acct)
    wire = f"MAIL FROM:<{acct['sender']}>\r\nRCPT TO:<r@example.com>\r\nDATA\r\n".encode()
    for i in range(len(wire)):  # one byte at a time
        c.send(wire[i : i + 1])
        time.sleep(0.002)
    assert c.replies(3) == [250, 250, 354]
    body = _message(acct, "split")
    for i in range(0, len(body), 3):
        c.send(body[i : i + 3])
        time.sleep(0.002)
    assert c.reply().startswith(b"250 2.0.0 Ok: queued as ")
    c.close()
    assert len(mail_state(server, acct)["messages"]) == 1


def test_auth_continuations_initial_responses_and_cancel(server: Server) -> None:
    acct = server.new_account()
    user, password = _b64(acct["sender"]), _b64(acct["smtp_password"])
    port = server.endpoints.smtps_port
    # PLAIN without an initial response: an empty 334 challenge
    c = Raw.connect(port, implicit_tls=True)
    c.cmd("EHLO t")
    assert c.cmd("AUTH PLAIN") == b"334 \r\n"
    assert c.cmd("*") == b"501 5.7.0 Auth aborted\r\n"
    assert c.cmd(f"MAIL FROM:<{acct['sender']}>")[:3] == b"530"  # still not logged in
    assert c.cmd("AUTH PLAIN") == b"334 \r\n"
    assert c.cmd("!!!").startswith(b"501 5.5.2 Can't decode base64")
    assert c.cmd("AUTH PLAIN") == b"334 \r\n"
    assert c.cmd(_b64(f"\0{acct['sender']}\0{acct['smtp_password']}"))[:3] == b"235"
    c.close()
    # LOGIN with both 334 challenges, then with the user name as the initial response
    c = Raw.connect(port, implicit_tls=True)
    c.cmd("EHLO t")
    assert c.cmd("auth login") == b"334 " + base64.b64encode(b"User Name\0") + b"\r\n"
    assert c.cmd(user) == b"334 " + base64.b64encode(b"Password\0") + b"\r\n"
    assert c.cmd(_b64("Wrong2026Password")).startswith(b"535 5.7.8 Authentication credentials invalid")
    assert c.cmd(f"AUTH LOGIN {user}")[:3] == b"334"
    assert c.cmd(password) == b"235 2.7.0 Authentication successful\r\n"
    assert c.cmd("AUTH LOGIN")[:3] == b"503"
    c.close()


def test_starttls_drops_plaintext_sent_after_it(server: Server) -> None:
    c = Raw.connect(server.endpoints.smtp_port)
    assert b"250-STARTTLS" in c.cmd("EHLO t")
    c.send(b"STARTTLS\r\nNOOP\r\n")  # the NOOP was never encrypted: it must not be answered
    assert c.reply() == b"220 Ready to start TLS\r\n"
    tls = Raw(insecure_tls().wrap_socket(c.sock))
    assert tls.cmd("MAIL FROM:<a@example.com>")[:3] == b"503"  # the session starts over after STARTTLS
    ehlo = tls.cmd("EHLO t")
    assert b"STARTTLS" not in ehlo and b"250-AUTH LOGIN PLAIN" in ehlo
    assert tls.cmd("STARTTLS") == b"554 5.5.1 Error: TLS already active\r\n"
    assert tls.cmd("QUIT") == b"221 Bye\r\n"
    tls.close()


def test_small_commands(server: Server) -> None:
    acct = server.new_account()
    c = Raw.connect(server.endpoints.smtp_port)
    assert c.cmd("HELP")[:3] == b"530"  # auth required first
    assert c.cmd("HELO") == b"501 Syntax: HELO hostname\r\n"
    assert c.cmd("HELO t") == f"250 {server.emulator.settings.smtp_hostname}\r\n".encode()
    assert c.cmd("AUTH PLAIN")[:3] == b"500"  # not after HELO
    assert c.cmd("NOOP whatever") == b"250 OK\r\n"
    assert c.cmd("RSET x") == b"501 Syntax: RSET\r\n"
    assert c.cmd("QUIT now") == b"501 Syntax: QUIT\r\n"
    c.close()
    c = _logged_in(server, acct)
    assert (
        c.cmd("HELP") == b"250 Supported commands: AUTH DATA EHLO HELO HELP MAIL NOOP QUIT RCPT RSET VRFY\r\n"
    )
    assert c.cmd("HELP mail") == b"250 Syntax: MAIL FROM: <address> [SP <mail-parameters>]\r\n"
    assert c.cmd("HELP FOO")[:3] == b"501"
    assert c.cmd("VRFY <a@example.com>")[:3] == b"252"
    assert c.cmd("VRFY") == b"501 Syntax: VRFY <address>\r\n"
    assert c.cmd(f"MAIL FROM:<{acct['sender']}> BODY=8BITMIME SIZE=100")[:3] == b"250"
    assert c.cmd("RSET") == b"250 OK\r\n"
    assert c.cmd(f"MAIL FROM:<{acct['sender']}> SMTPUTF8") == b"501 Error: SMTPUTF8 disabled\r\n"
    assert c.cmd(f"MAIL FROM:<{acct['sender']}> SIZE=big")[:3] == b"501"
    assert c.cmd(f"MAIL FROM:<{acct['sender']}> FOO=1")[:3] == b"555"
    assert c.cmd("MAIL FROM:<a@b@c>")[:3] == b"553"
    c.close()
    plain = Raw(
        insecure_tls().wrap_socket(socket.create_connection(("127.0.0.1", server.endpoints.smtps_port)))
    )
    assert plain.reply()[:3] == b"220"
    for _ in range(4):
        assert b"not recognized" in plain.cmd("FOO")
    assert plain.cmd("FOO") == b"502 5.5.1 Too many unrecognized commands, goodbye.\r\n"
    assert plain.file.readline() == b""  # closed
    plain.close()
