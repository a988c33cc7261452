"""Issue 9 §3, SMTP: commands out of order, unknown commands, over-long lines, oversized DATA, too many
recipients and bad AUTH payloads each get a clear SMTP reply, store and meter nothing, and leave the
session usable (a good message right after is accepted)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.conftest import Server
from tests.hardening.smtp_raw import body, mail_state, plain_auth, session

# (command, expected code, reply contains) on a fresh connection before EHLO
BEFORE_EHLO = [
    ("MAIL FROM:<a@example.com>", 503, b"HELO first"),
    ("RCPT TO:<a@example.com>", 503, b"HELO first"),
    ("DATA", 503, b"HELO first"),
]
# ... after EHLO + STARTTLS, not logged in
BEFORE_AUTH = [
    ("MAIL FROM:<{sender}>", 530, b"Authentication required"),
    ("RCPT TO:<a@example.com>", 530, b"Authentication required"),
    ("DATA", 530, b"Authentication required"),
    ("AUTH PLAIN !!!notbase64", 501, b"decode base64"),
    ("AUTH PLAIN =", 501, b"decode base64"),
    ("AUTH PLAIN " + base64.b64encode(b"no separators").decode(), 501, b"split"),
    ("AUTH PLAIN " + base64.b64encode(b"\0a\0b\0c").decode(), 501, b"split"),
    ("AUTH PLAIN " + base64.b64encode(b"\0\0").decode(), 535, b"credentials invalid"),
    ("AUTH PLAIN " + base64.b64encode(b"\0\xff\xfe\0\xff").decode(), 535, b"credentials invalid"),
    ("AUTH CRAM-MD5", 504, b"Unrecognized authentication type"),
    ("AUTH", 501, b""),
    ("{wrong_password}", 535, b"credentials invalid"),
    ("{other_account_password}", 535, b"credentials invalid"),
    ("MAIL FROM:<{sender}>", 530, b"Authentication required"),  # still not logged in
]
# ... logged in
AFTER_AUTH = [
    ("{good_login}", 503, b"Already authenticated"),
    ("RCPT TO:<a@example.com>", 503, b"need MAIL"),
    ("DATA", 503, b"need RCPT"),
    ("FOO bar", 500, b"not recognized"),
    ("TURN", 500, b"not recognized"),
    ("EXPN list", 502, b"not implemented"),
    ("\x01\x02\x7f", 500, b"not recognized"),
    ("", 500, b"bad syntax"),
    ("STARTTLS", 554, b"TLS already active"),
    ("MAIL FROM:<" + "a" * 2000 + "@example.com>", 500, b"too long"),
    ("MAIL FROM:<{other_sender}>", 554, b"NotAuthenticatedSender"),
    ("MAIL FROM:<not an address>", 554, b"NotAuthenticatedSender"),
    ("MAIL FROM:<{sender}> SIZE=999999999", 552, b"exceeds"),
    ("MAIL FROM:<{sender}> BODY=NONSENSE", 501, b""),
    ("MAIL FROM:<{sender}>", 250, b"OK"),
    ("MAIL FROM:<{sender}>", 503, b"nested MAIL"),
    ("DATA", 503, b"need RCPT"),
    ("RCPT TO:<not an address>", 554, b"IncorrectEmail"),
    ("RCPT TO:", 501, b"Syntax"),
    ("RCPT TO:<a@example.com> NOTIFY=NEVER", 555, b""),
    ("DATA extra", 503, b"need RCPT"),
    ("RSET", 250, b"OK"),
]


def _fill(cmd: str, a: dict[str, Any], b: dict[str, Any]) -> str:
    return cmd.format(
        sender=a["sender"],
        other_sender=b["sender"],
        wrong_password=plain_auth(a["sender"], "Wrong2026Password"),
        other_account_password=plain_auth(a["sender"], b["smtp_password"]),
        good_login=plain_auth(a["sender"], a["smtp_password"]),
    )


def _check(c: Any, cmd: str, code: int, text: bytes) -> None:
    got, reply = c.docmd(cmd) if cmd else (c.putcmd(""), c.getreply())[1]
    assert got == code and text.lower() in reply.lower(), f"{cmd[:60]!r}: {got} {reply[:200]!r}"


def test_bad_commands_get_clear_replies_and_change_nothing(server: Server) -> None:
    a = server.new_account(sender=f"a-{id(server)}@a-side.example")
    b = server.new_account(sender=f"b-{id(server)}@b-side.example")
    before = mail_state(server, a)
    tried = 0
    with session(server.endpoints.smtp_port, tls="none", ehlo=False) as c:
        for cmd, code, text in BEFORE_EHLO:
            _check(c, cmd, code, text)
            tried += 1
    with session(server.endpoints.smtp_port) as c:
        for cmd, code, text in BEFORE_AUTH:
            _check(c, _fill(cmd, a, b), code, text)
            tried += 1
        c.login(a["sender"], a["smtp_password"])
        for cmd, code, text in AFTER_AUTH:
            _check(c, _fill(cmd, a, b), code, text)
            tried += 1
        assert mail_state(server, a) == before
        # the session still works
        c.sendmail(a["sender"], ["ok@example.com"], body(a, "still fine"))
    after = mail_state(server, a)
    assert len(after["messages"]) == len(before["messages"]) + 1
    print(f"\n[smtp] {tried} bad commands")


def test_long_body_line_oversize_data_and_recipient_overflow_store_nothing(server: Server) -> None:
    a = server.new_account()
    before = mail_state(server, a)
    limit = server.emulator.settings.max_message_bytes
    with session(server.endpoints.smtp_port, a) as c:
        c.mail(a["sender"])
        c.rcpt("r@example.com")
        code, reply = c.data(body(a, extra=b"x" * 2001 + b"\r\n"))
        assert code == 554 and b"too longer line" in reply
        c.mail(a["sender"])
        c.rcpt("r@example.com")
        line = b"y" * 998 + b"\r\n"
        code, reply = c.data(body(a) + line * (limit // len(line) + 10))
        assert code == 552, reply
        c.mail(a["sender"])
        for i in range(server.emulator.settings.max_recipients):
            assert c.rcpt(f"r{i}@example.com")[0] == 250
        code, reply = c.rcpt("one-too-many@example.com")
        assert code == 554 and b"FailedOperation.TooManyRecipients" in reply
        c.rset()
        assert mail_state(server, a) == before
        c.sendmail(a["sender"], ["ok@example.com"], body(a))  # the session still works
    assert len(mail_state(server, a)["messages"]) == 1


@pytest.mark.parametrize("mode", ["plain", "starttls", "implicit"])
def test_auth_without_tls_is_refused_unless_allowed(server: Server, make_server: Any, mode: str) -> None:
    a = server.new_account()
    port = server.endpoints.smtps_port if mode == "implicit" else server.endpoints.smtp_port
    with session(port, tls="none" if mode == "plain" else mode) as c:
        code, reply = c.docmd(plain_auth(a["sender"], a["smtp_password"]))
        if mode == "plain":
            assert code == 538 and b"Encryption required" in reply
            assert c.docmd(f"MAIL FROM:<{a['sender']}>")[0] == 530
        else:
            assert code == 235, reply
    if mode == "plain":  # SES_EMULATOR_SMTP_ALLOW_PLAIN_AUTH=true lets it through
        relaxed = make_server("sqlite", smtp_allow_plain_auth=True)
        acct = relaxed.new_account()
        with session(relaxed.endpoints.smtp_port, tls="none") as c:
            assert c.docmd(plain_auth(acct["sender"], acct["smtp_password"]))[0] == 235
            c.sendmail(acct["sender"], ["r@example.com"], body(acct))
        assert len(mail_state(relaxed, acct)["messages"]) == 1
