"""SMTP message checks of reference §6 through a real server, on an account whose `smtp_checks` switch is
on (the production profile): each rule refused by smtplib and by a raw socket with Tencent's
`554 5.0.0 ... ##SES-response-json` reply carrying its code and message; nothing stored or metered; the
session goes on (a valid message right after is accepted). A valid message of each allowed Content-Type
passes; a sandbox account (checks off) accepts what production refuses; the admin API flips the switch."""

from __future__ import annotations

import json
import smtplib
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clients import insecure_tls
from tests.conftest import Server, start_server
from tests.domain.test_message_checks import MB, TEXT_PART, attachment, multipart, single
from tests.hardening.smtp_raw import mail_state, plain_auth, session

PREFIX = "554 5.0.0 Error: transaction failed, blame it on the weather: ##SES-response-json: "

# (id, message, Tencent code, the message's start)
REFUSED = [
    ("no-from", single(From=None), "FailedOperation", "msg.From is null"),
    ("no-to", single(To=None), "FailedOperation", "msg.To is null"),
    ("no-subject", single(Subject=None), "FailedOperation", "msg.Subject is null"),
    (
        "subject-999",
        single(Subject="s" * 999),
        "InvalidParameterValue.SubjectLengthError",
        "Subject is 999 characters",
    ),
    ("mime-2.0", single(MIME_Version="2.0"), "FailedOperation", "Mime-Version must in"),
    ("text-markdown", single(Content_Type="text/markdown"), "FailedOperation", "Content-Type must in"),
    (
        "latin-1",
        single(Content_Type="text/plain; charset=ISO-8859-1"),
        "FailedOperation",
        "Content-Type must in",
    ),
    (
        "attachment-7bit",
        multipart([TEXT_PART, attachment(cte="7bit")]),
        "FailedOperation",
        "Content-Transfer-Encoding must in [base64]",
    ),
    (
        "attachment-inline",
        multipart([TEXT_PART, attachment(disposition="inline")], "related"),
        "FailedOperation",
        "Content-Disposition must in [attachment]",
    ),
    (
        "attachment-content-id",
        multipart([TEXT_PART, attachment(extra="Content-ID: <logo@x>\r\n")], "related"),
        "FailedOperation",
        "Content-ID is not supported",
    ),
    # lines of 1,022 characters: the 2,000-character line limit comes first otherwise
    ("body-over-1mb", single((b"x" * 1022 + b"\r\n") * 1025), "FailedOperation", "The email is too large."),
    (
        "attachment-over-5mb",
        multipart([TEXT_PART, attachment(b"z" * (5 * MB + 1))]),
        "FailedOperation",
        "The attachments are too large.",
    ),
    (
        "attachments-over-10mb",
        multipart([TEXT_PART, *(attachment(b"w" * (34 * MB // 10), f"{n}.bin") for n in range(3))]),
        "FailedOperation",
        "The attachments are too large.",
    ),
]
VALID = [
    ("text-plain", single()),
    ("text-html", single(b"<p>hi</p>\r\n", Content_Type="text/html; charset=UTF-8")),
    ("multipart-mixed", multipart([TEXT_PART, attachment()], "mixed")),
    ("multipart-related", multipart([TEXT_PART, attachment()], "related")),
    (
        "multipart-alternative",
        multipart([TEXT_PART, b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>x</p>"], "alternative"),
    ),
]


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server taking 16 MB messages (the default 4 MB would answer the attachment cases 552 first),
    AUTH without TLS allowed for the raw-socket client."""
    s, _ = start_server(
        Path(tmp_path_factory.mktemp("checks")),
        "sqlite",
        max_message_bytes=16 * MB,
        smtp_allow_plain_auth=True,
    )
    yield s
    s.close()
    s.emulator.stop_thread()


@pytest.fixture
def prod(srv: Server) -> dict[str, Any]:
    acct = srv.new_account(profile="production")
    assert (srv.state(acct["name"])["smtp_checks"], srv.state(acct["name"])["profile"]) == (
        True,
        "production",
    )
    return acct


def from_sender(raw: bytes, acct: dict[str, Any]) -> bytes:
    return raw.replace(b"noreply@mail.example.com", acct["sender"].encode())


class RawSmtp:
    """SMTP by hand over a plain socket: commands and DATA bytes exactly as written."""

    def __init__(self, port: int, acct: dict[str, Any]) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.file = self.sock.makefile("rb")
        assert self.reply().startswith("220")
        assert self.cmd("EHLO raw.example.com").startswith("250")
        assert self.cmd(plain_auth(acct["sender"], acct["smtp_password"])).startswith("235")
        self.sender = acct["sender"]

    def reply(self) -> str:
        lines = []
        while True:
            line = self.file.readline().decode()
            lines.append(line.rstrip("\r\n"))
            if len(line) < 4 or line[3] != "-":
                return "\n".join(lines)

    def cmd(self, line: str) -> str:
        self.sock.sendall(line.encode() + b"\r\n")
        return self.reply()

    def send(self, raw: bytes, to: str = "r@example.com") -> str:
        assert self.cmd(f"MAIL FROM:<{self.sender}>").startswith("250")
        assert self.cmd(f"RCPT TO:<{to}>").startswith("250")
        assert self.cmd("DATA").startswith("354")
        stuffed = raw.replace(b"\r\n.", b"\r\n..")
        self.sock.sendall(stuffed + (b"" if stuffed.endswith(b"\r\n") else b"\r\n") + b".\r\n")
        return self.reply()

    def close(self) -> None:
        self.cmd("QUIT")
        self.file.close()
        self.sock.close()


def smtplib_send(c: smtplib.SMTP, acct: dict[str, Any], raw: bytes) -> tuple[int, str]:
    try:
        c.sendmail(acct["sender"], ["r@example.com"], raw)
    except smtplib.SMTPDataError as exc:
        return exc.smtp_code, exc.smtp_error.decode()
    return 250, ""


def tencent_error(reply: str) -> dict[str, str]:
    """The QcloudError.Error of a 554 ##SES-response-json reply (smtplib strips the '554 ' itself)."""
    assert PREFIX.removeprefix("554 ") in reply, reply[:300]
    body = json.loads(reply.split("##SES-response-json: ", 1)[1])
    assert body["Response"]["RequestId"]
    return dict(body["Response"]["QcloudError"]["Error"])


@pytest.mark.parametrize("case", REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_by_smtplib(srv: Server, prod: dict[str, Any], case: tuple[str, bytes, str, str]) -> None:
    _id, raw, code, starts = case
    before = mail_state(srv, prod)
    c = session(srv.endpoints.smtp_port, prod)
    try:
        got, reply = smtplib_send(c, prod, from_sender(raw, prod))
        assert got == 554, reply[:300]
        error = tencent_error(reply)
        assert error["Code"] == code and error["Message"].startswith(starts), error
        assert mail_state(srv, prod) == before  # not stored, not metered
        assert smtplib_send(c, prod, from_sender(single(), prod)) == (250, "")  # the session goes on
    finally:
        c.quit()
    assert len(mail_state(srv, prod)["messages"]) == 1


@pytest.mark.parametrize("case", REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_over_a_raw_socket(
    srv: Server, prod: dict[str, Any], case: tuple[str, bytes, str, str]
) -> None:
    _id, raw, code, starts = case
    before = mail_state(srv, prod)
    c = RawSmtp(srv.endpoints.smtp_port, prod)
    try:
        reply = c.send(from_sender(raw, prod))
        assert reply.startswith(PREFIX), reply[:300]
        error = tencent_error(reply)
        assert error["Code"] == code and error["Message"].startswith(starts), error
        assert mail_state(srv, prod) == before
        assert c.cmd("RCPT TO:<r@example.com>").startswith("503")  # the transaction was reset
        assert c.send(from_sender(single(), prod)).startswith("250 2.0.0 Ok: queued as qcloudses-")
    finally:
        c.close()


@pytest.mark.parametrize("case", VALID, ids=[c[0] for c in VALID])
def test_each_allowed_content_type_passes(srv: Server, prod: dict[str, Any], case: tuple[str, bytes]) -> None:
    _id, raw = case
    c = session(srv.endpoints.smtp_port, prod)
    try:
        assert smtplib_send(c, prod, from_sender(raw, prod)) == (250, "")
    finally:
        c.quit()
    r = RawSmtp(srv.endpoints.smtp_port, prod)
    try:
        assert r.send(from_sender(raw, prod)).startswith("250 2.0.0 Ok: queued as ")
    finally:
        r.close()
    assert len(mail_state(srv, prod)["messages"]) == 2


def test_a_sandbox_account_accepts_what_production_refuses(srv: Server) -> None:
    acct = srv.new_account()  # the server's default profile: sandbox
    assert (srv.state(acct["name"])["profile"], srv.state(acct["name"])["smtp_checks"]) == ("sandbox", False)
    c = session(srv.endpoints.smtp_port, acct)
    try:
        for _id, raw, _code, _starts in REFUSED[:8]:
            assert smtplib_send(c, acct, from_sender(raw, acct)) == (250, ""), _id
    finally:
        c.quit()
    assert len(mail_state(srv, acct)["messages"]) == 8


def test_the_admin_api_flips_the_switch(srv: Server, prod: dict[str, Any]) -> None:
    name = prod["name"]
    markdown = from_sender(single(Content_Type="text/markdown"), prod)
    r = srv.admin("PATCH", f"/accounts/{name}/limits", json={"smtp_checks": False})
    assert r.status_code == 200 and r.json()["smtp_checks"] is False, r.text
    c = session(srv.endpoints.smtp_port, prod)
    try:
        assert smtplib_send(c, prod, markdown) == (250, "")
        assert srv.admin("PATCH", f"/accounts/{name}/limits", json={"smtp_checks": True}).status_code == 200
        assert smtplib_send(c, prod, markdown)[0] == 554  # the next message, same session
    finally:
        c.quit()
    assert srv.state(name)["smtp_checks"] is True and srv.state(name)["profile"] == "production"
    bad = srv.admin("PATCH", f"/accounts/{name}/limits", json={"smtp_checks": "yes"})
    assert bad.status_code == 400 and "smtp_checks must be true or false" in bad.text


def test_refusals_are_counted_in_metrics(srv: Server, prod: dict[str, Any]) -> None:
    c = session(srv.endpoints.smtp_port, prod)
    try:
        assert smtplib_send(c, prod, from_sender(single(Subject=None), prod))[0] == 554
    finally:
        c.quit()
    metrics = srv.http.get("/metrics").text
    assert "ses_emulator_messages_total{" in metrics and 'outcome="refused"' in metrics


def test_production_account_on_postgresql(server: Server) -> None:
    """The shared servers (SQLite and PostgreSQL): a production account refuses, a sandbox one accepts."""
    prod = server.new_account(profile="production")
    before = mail_state(server, prod)
    c = session(server.endpoints.smtp_port, prod)
    try:
        got, reply = smtplib_send(c, prod, from_sender(single(MIME_Version="2.0"), prod))
        assert got == 554 and tencent_error(reply)["Message"].startswith("Mime-Version must in")
        assert smtplib_send(c, prod, from_sender(single(), prod)) == (250, "")
    finally:
        c.quit()
    assert len(mail_state(server, prod)["messages"]) == len(before["messages"]) + 1


def test_implicit_tls_port_checks_too(srv: Server, prod: dict[str, Any]) -> None:
    with smtplib.SMTP_SSL("127.0.0.1", srv.endpoints.smtps_port, context=insecure_tls(), timeout=30) as c:
        c.login(prod["sender"], prod["smtp_password"])
        got, reply = smtplib_send(c, prod, from_sender(single(From=None), prod))
    assert got == 554 and tencent_error(reply) == {"Code": "FailedOperation", "Message": "msg.From is null"}
