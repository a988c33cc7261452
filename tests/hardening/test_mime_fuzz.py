"""Issue 9 §3, stored mail: any bytes sent as SMTP DATA (random bytes, and MIME that is broken in the ways
real mail is: bad boundaries, encodings, charsets, encoded words, NUL, 8-bit headers) are stored raw and
shown raw — GET .../raw returns them byte for byte, GET .../{id} answers 200 with content or a
parse_error, and the web UI's preview renders — on SQLite and PostgreSQL. DATA is written on the socket, so no client rewrites it."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Server
from tests.hardening.smtp_raw import session

QUEUED = re.compile(rb"queued as (\S+)")
EXAMPLES = 200

_text = st.binary(max_size=120) | st.text(max_size=60).map(lambda s: s.encode("utf-8", "surrogatepass"))
_header_names = st.sampled_from(
    [b"Subject", b"From", b"To", b"Cc", b"Content-Type", b"Content-Transfer-Encoding", b"Content-Disposition",
     b"MIME-Version", b"Date", b"Message-ID", b"X-\xff\xfe", b"", b"Subject "]
)  # fmt: skip
_ctypes = st.sampled_from(
    [b"text/plain", b"text/html", b"multipart/mixed", b"multipart/alternative", b"application/pdf",
     b"message/rfc822", b"text/plain; charset=x-unknown", b"text/html; charset=\"utf-8", b"multipart/mixed;"]
)  # fmt: skip
_encodings = st.sampled_from([b"base64", b"quoted-printable", b"8bit", b"binary", b"x-uuencode", b"bogus"])
_words = st.sampled_from(
    [b"=?utf-8?b?5L2g5aW9?=", b"=?utf-8?b?!!!?=", b"=?x-unknown?q?a=FF?=", b"=?utf-8?q?broken", b"=??=",
     b"\xe4\xbd\xa0\xe5\xa5\xbd", b"\xff\xfe\x00", b"\x00", b"=ZZ", b"\t", b"a" * 300]
)  # fmt: skip


@st.composite
def mime_like(draw: Any) -> bytes:
    boundary = draw(st.sampled_from([b"b1", b"", b"--", b"x" * 80, b"\xff"]))
    headers = [
        b"Content-Type: " + draw(_ctypes) + b'; boundary="' + boundary + b'"',
        b"Content-Transfer-Encoding: " + draw(_encodings),
    ]
    for _ in range(draw(st.integers(0, 5))):
        headers.append(draw(_header_names) + b": " + draw(_words | _text).replace(b"\r\n", b" "))
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        part_headers = [b"Content-Type: " + draw(_ctypes), b"Content-Transfer-Encoding: " + draw(_encodings)]
        if draw(st.booleans()):
            part_headers.append(b'Content-Disposition: attachment; filename="' + draw(_words) + b'"')
        parts.append(
            b"--" + boundary + b"\r\n" + b"\r\n".join(part_headers) + b"\r\n\r\n" + draw(_text | _words)
        )
    closing = draw(st.sampled_from([b"--" + boundary + b"--\r\n", b"", b"--" + boundary]))
    sep = draw(st.sampled_from([b"\r\n", b"\n", b"\r"]))
    return sep.join(headers) + sep + sep + b"\r\n".join(parts) + b"\r\n" + closing


payloads = st.binary(max_size=3000) | mime_like()


def stuffed(payload: bytes) -> bytes:
    """SMTP transparency (RFC 5321 §4.5.2) and the end-of-data marker; nothing else is changed."""
    data = payload.replace(b"\r\n.", b"\r\n..")
    if data.startswith(b"."):
        data = b"." + data
    return data + (b"" if data.endswith(b"\r\n") else b"\r\n") + b".\r\n"


def test_any_bytes_are_stored_raw_and_shown_raw(server: Server) -> None:
    acct = server.new_account()
    c = session(server.endpoints.smtp_port, acct)
    outcomes = {"stored": 0, "refused": 0, "parse_error": 0}

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(payload=payloads)
    def check(payload: bytes) -> None:
        c.mail(acct["sender"])
        c.rcpt("fuzz@example.com")
        assert c.docmd("DATA")[0] == 354
        c.send(stuffed(payload))
        code, reply = c.getreply()
        if code == 554 and b"too longer line" in reply:  # Tencent's line limit: refused, nothing stored
            outcomes["refused"] += 1
            return
        assert code == 250, reply
        m = QUEUED.search(reply)
        assert m, reply
        mid = m.group(1).decode()
        expected = payload if payload.endswith(b"\r\n") else payload + b"\r\n"
        raw = server.admin("GET", f"/accounts/{acct['name']}/messages/{mid}/raw")
        assert raw.status_code == 200 and raw.content == expected
        shown = server.admin("GET", f"/accounts/{acct['name']}/messages/{mid}")
        assert shown.status_code == 200, shown.text
        detail = shown.json()
        assert (
            detail["parse_error"] is not None
            or detail["text"] is not None
            or detail["html"] is not None
            or (detail["headers"] is not None)
        )
        assert detail["size"] == len(expected)
        url = server.admin("GET", f"/accounts/{acct['name']}/messages/{mid}/preview").json()["url"]
        preview = server.http.get(url)  # the web UI's sandboxed rendering copes too
        assert (
            preview.status_code == 200 and "script-src 'none'" in preview.headers["content-security-policy"]
        )
        outcomes["stored"] += 1
        outcomes["parse_error"] += detail["parse_error"] is not None

    try:
        check()
    finally:
        c.close()
    print(f"\n[mime-fuzz] {outcomes}")
    listed = server.admin("GET", f"/accounts/{acct['name']}/messages", params={"limit": 500}).json()
    assert listed["total"] == outcomes["stored"]
