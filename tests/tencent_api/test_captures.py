"""Replay every real SDK capture (tests/data/captures) over HTTP against a running emulator.

Each capture is sent as recorded: method, path and query, every header in order (the captured Host value
included, e.g. `127.0.0.1:18924`, so the signed host is the one the SDK signed) and the exact body bytes.
The server's wall clock is frozen at the capture's timestamp, and its `capture` account holds the fake
credentials the captures were signed with. Every capture must be accepted as recorded and refused once
one byte of it, the key or the timestamp changes, or once the server's clock is more than 300 s away.

GetSendEmailStatus captures ask for RequestDate 2024-01-01 while being signed in 2026-11; the emulator
(like Tencent) only answers for the last 90 days of the *account's* time, so for those the capture
account is created with its clock frozen on 2024-01-01 (the wall clock, which the signature check reads,
still shows the capture time) and gets one SMTP mail that day to report on.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from emulator.domain.clock import BEIJING, FixedWallClock, from_datetime
from tests.clients import message, smtp_send
from tests.conftest import Server

CAPTURES_DIR = Path(__file__).resolve().parents[1] / "data" / "captures"
CAPTURES = sorted(p.name for p in CAPTURES_DIR.glob("*.json"))
SECRET_ID = "AKIDFAKEEMULATOR0000000000000000000000"
SECRET_KEY = "FakeSecretKeyForEmulatorTests000"
OTHER_KEY = "FakeSecretKeyForEmulatorTests001"
SENDER = "noreply@mail.example.com"
TEMPLATE_ID = 100091
STATUS_DAY = "2024-01-01"  # the RequestDate of the GetSendEmailStatus captures
US = 1_000_000
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# A few captures also run on PostgreSQL (each server costs a start-up): one per wire form.
PG_CAPTURES = (
    "py-SendEmail-template.json",  # TC3 JSON, Python
    "node-SendEmail-template-sigv1-HmacSHA256.json",  # v1 form body, Node (scope quirks don't apply)
    "py-ListEmailTemplates-GET-tc3.json",  # GET with query string
    "py-SendEmail-template-token-en-US-hongkong.json",  # X-TC-Token, ap-hongkong
    "nodeses-GetSendEmailStatus.json",  # stale Node build, scope service `127`, frozen account clock
)
PARAMS = [pytest.param("sqlite", name, id=f"sqlite-{name[:-5]}") for name in CAPTURES] + [
    pytest.param("postgresql", name, id=f"postgresql-{name[:-5]}", marks=pytest.mark.postgres)
    for name in PG_CAPTURES
]


def test_all_captures_are_present() -> None:
    assert len(CAPTURES) >= 29, CAPTURES  # the README indexes 29
    assert set(PG_CAPTURES) <= set(CAPTURES)


# ---------------------------------------------------------------------------------------------- captures


class Capture:
    def __init__(self, name: str) -> None:
        data = json.loads((CAPTURES_DIR / name).read_text(encoding="utf-8"))
        self.name = name
        self.method: str = data["method"]
        self.path: str = data["path"]
        self.headers: list[tuple[str, str]] = [(k, v) for k, v in data["headers"]]
        self.body: bytes = data["body"].encode("utf-8")
        hdrs = {k.lower(): v for k, v in self.headers}
        self.v1 = "authorization" not in hdrs
        if self.v1:
            form = dict(
                parse_qsl(self.body.decode() if self.method == "POST" else self.path.split("?", 1)[1])
            )
            self.action = form["Action"]
            self.timestamp = int(form["Timestamp"])
        else:
            self.action = hdrs["x-tc-action"]
            self.timestamp = int(hdrs["x-tc-timestamp"])
        assert self.method in ("GET", "POST") and (self.method == "GET" or self.path == "/")

    @property
    def signed_bytes(self) -> bytes:
        """What carries the parameters: the body (POST) or the query (GET)."""
        return self.body if self.method == "POST" else self.path.split("?", 1)[1].encode()

    def send(
        self,
        server: Server,
        *,
        headers: list[tuple[str, str]] | None = None,
        body: bytes | None = None,
        path: str | None = None,
    ) -> dict[str, Any]:
        content = self.body if body is None else body
        r = server.http.request(
            self.method,
            path or self.path,
            headers=headers or self.headers,
            content=content or None,
        )
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/json"
        data = r.json()
        assert UUID_RE.match(data["Response"]["RequestId"]), data
        return dict(data["Response"])

    def send_tampered(self, server: Server) -> dict[str, Any]:
        """The capture with exactly one byte of its body (GET: its query) changed."""
        original = self.signed_bytes
        changed = one_byte_changed(original)
        if self.method == "POST":
            return self.send(server, body=changed)
        return self.send(server, path="/?" + changed.decode())

    def send_with_timestamp(self, server: Server, timestamp: int) -> dict[str, Any]:
        if not self.v1:
            headers = [(k, str(timestamp) if k.lower() == "x-tc-timestamp" else v) for k, v in self.headers]
            return self.send(server, headers=headers)
        old, new = f"Timestamp={self.timestamp}".encode(), f"Timestamp={timestamp}".encode()
        assert self.signed_bytes.count(old) == 1 and len(old) == len(new)
        if self.method == "POST":
            return self.send(server, body=self.body.replace(old, new))
        return self.send(server, path="/?" + self.signed_bytes.replace(old, new).decode())


# Each capture's parameters hold one of these; the change keeps a well-formed request that would be
# accepted if it were not for the signature.
_EDITS = [
    (rb"Your", b"Yous"),  # Subject "Your code" (JSON, and form `Your%20code` / `Your+code`)
    (rb"Hello with", b"Jello with"),  # Subject of the attachment captures
    (rb"user@example\.com", b"usex@example.com"),  # GetSendEmailStatus ToEmailAddress
    (rb"Limit\W{1,3}10", None),  # ListEmailTemplates: Limit 10 -> 11
]


def one_byte_changed(data: bytes) -> bytes:
    for pattern, replacement in _EDITS:
        m = re.search(pattern, data)
        if m:
            new = replacement if replacement is not None else m.group()[:-1] + b"1"
            out = data[: m.start()] + new + data[m.end() :]
            break
    else:
        raise AssertionError(f"no editable parameter in {data!r}")
    assert len(out) == len(data) and sum(a != b for a, b in zip(out, data, strict=True)) == 1
    return out


def error_code(resp: dict[str, Any]) -> str | None:
    err = resp.get("Error")
    if err is None:
        return None
    assert isinstance(err.get("Message"), str) and err["Message"], resp
    return str(err["Code"])


# ---------------------------------------------------------------------------------------------- servers


def new_connection_per_request(server: Server) -> Server:
    """Give the server's client one TCP connection per request (like a fresh SDK process per call).

    Requests on a kept-alive connection to the emulator's HTTP port each wait ~40 ms: the listening socket
    is made without proto=IPPROTO_TCP, so asyncio does not set TCP_NODELAY on accepted connections and
    the response body waits behind the client's delayed ACK. Nothing here depends on keep-alive.
    """
    server.http.close()
    server.http = httpx.Client(
        base_url=server.endpoints.http_url, timeout=60, limits=httpx.Limits(max_keepalive_connections=0)
    )
    return server


def start(
    make_server: Any, backend: str, capture: Capture, secret_key: str = SECRET_KEY
) -> tuple[Server, FixedWallClock, dict[str, Any]]:
    """A server frozen at the capture's time, with the `capture` account and template 100091."""
    status_capture = capture.action == "GetSendEmailStatus"
    if status_capture:
        start_us = from_datetime(datetime.fromisoformat(f"{STATUS_DAY}T12:00:00").replace(tzinfo=BEIJING))
    else:
        start_us = capture.timestamp * US
    wall = FixedWallClock(start_us)
    server = new_connection_per_request(make_server(backend, wall=wall))
    assert server.emulator.core.clock.wall is wall
    account = server.new_account(secret_id=SECRET_ID, secret_key=secret_key, name="capture")
    assert account["sender"] == SENDER
    server.core.templates.create(
        account["id"],
        "verify-code",
        "<p>Your code is <b>{{code}}</b></p>",
        "Your code is {{code}}",
        template_id=TEMPLATE_ID,
    )
    if status_capture:
        r = server.admin("POST", "/accounts/capture/clock/freeze")
        assert r.status_code == 200 and r.json()["clock"]["frozen"], r.text
        smtp_send(
            server.endpoints.smtp_port,
            SENDER,
            account["smtp_password"],
            message(SENDER, ["user@example.com", "other@example.com"], subject="status day"),
            mode="starttls",
        )
        wall.set(capture.timestamp * US)
        assert server.state("capture")["clock"]["now"].startswith(STATUS_DAY)
    return server, wall, account


def message_count(server: Server) -> int:
    r = server.admin("GET", "/accounts/capture/messages")
    assert r.status_code == 200, r.text
    return int(r.json()["total"])


def check_accepted(server: Server, capture: Capture, account: dict[str, Any], resp: dict[str, Any]) -> None:
    assert error_code(resp) is None, resp
    if capture.action == "SendEmail":
        m = re.fullmatch(rf"qcloudses-30-{account['app_id']}-date-(\d{{14}})-[A-Za-z0-9]+", resp["MessageId"])
        assert m, resp
        # account time = the capture's time (UTC+8 in the id)
        assert m.group(1) == datetime.fromtimestamp(capture.timestamp, BEIJING).strftime("%Y%m%d%H%M%S")
        r = server.admin("GET", f"/accounts/capture/messages/{resp['MessageId']}")
        assert r.status_code == 200, r.text
        detail = r.json()
        assert detail["mail_from"] == SENDER
        assert "user1@example.com" in detail["recipients"]
        if b"Template" in capture.body:
            assert detail["template_id"] == TEMPLATE_ID
            assert re.search(r"Your code is \d+", detail["text"] or ""), detail["text"]
        else:
            assert [a["filename"] for a in detail["attachments"]] == ["report.txt"]
    elif capture.action == "ListEmailTemplates":
        assert resp["TotalCount"] == 1
        assert [
            (t["TemplateID"], t["TemplateName"], t["TemplateStatus"]) for t in resp["TemplatesMetadata"]
        ] == [(TEMPLATE_ID, "verify-code", 0)]
    elif capture.action == "GetSendEmailStatus":
        rows = resp["EmailStatusList"]
        assert [
            (r["ToEmailAddress"], r["FromEmailAddress"], r["SendStatus"], r["DeliverStatus"]) for r in rows
        ] == [("user@example.com", SENDER, 0, 1)]
    else:  # pragma: no cover - a new capture kind needs its own check
        pytest.fail(f"no acceptance check for {capture.action}")


# ---------------------------------------------------------------------------------------------- tests


@pytest.mark.parametrize(("backend", "name"), PARAMS)
def test_capture_accepted_and_every_change_refused(make_server: Any, backend: str, name: str) -> None:
    capture = Capture(name)
    server, wall, account = start(make_server, backend, capture)
    ts_us = capture.timestamp * US
    before = message_count(server)

    # as recorded: accepted
    check_accepted(server, capture, account, capture.send(server))
    after_accept = message_count(server)
    assert after_accept == before + (1 if capture.action == "SendEmail" else 0)
    free_left = server.state("capture")["free_left"]

    # one byte of the body (GET: query) changed
    assert error_code(capture.send_tampered(server)) == "AuthFailure.SignatureFailure"
    # the timestamp one second off, either way (still fresh, but not what was signed)
    assert (
        error_code(capture.send_with_timestamp(server, capture.timestamp + 1))
        == "AuthFailure.SignatureFailure"
    )
    assert (
        error_code(capture.send_with_timestamp(server, capture.timestamp - 1))
        == "AuthFailure.SignatureFailure"
    )

    # the server's clock 300 s away is still fine for the signature; 301 s is not
    wall.set(ts_us + 301 * US)
    assert error_code(capture.send(server)) == "AuthFailure.SignatureExpire"
    wall.set(ts_us - 301 * US)
    assert error_code(capture.send(server)) == "AuthFailure.SignatureExpire"
    wall.set(ts_us + 300 * US)
    assert error_code(capture.send_tampered(server)) == "AuthFailure.SignatureFailure"  # fresh, so checked

    # refusals store and bill nothing
    assert message_count(server) == after_accept
    assert server.state("capture")["free_left"] == free_left


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_every_capture_refused_under_another_secret_key(make_server: Any, backend: str) -> None:
    """Same SecretId, another SecretKey on the server: every capture fails its signature (one server for
    all of them: nothing is accepted, so nothing carries over from one capture to the next)."""
    wall = FixedWallClock(Capture(CAPTURES[0]).timestamp * US)
    server = new_connection_per_request(make_server(backend, wall=wall))
    account = server.new_account(secret_id=SECRET_ID, secret_key=OTHER_KEY, name="capture")
    server.core.templates.create(
        account["id"], "verify-code", None, "Your code is {{code}}", template_id=TEMPLATE_ID
    )
    outcomes = {}
    for name in CAPTURES:
        capture = Capture(name)
        wall.set(capture.timestamp * US)
        outcomes[name] = error_code(capture.send(server))
    assert outcomes == dict.fromkeys(CAPTURES, "AuthFailure.SignatureFailure")
    assert message_count(server) == 0
    assert server.state("capture")["free_left"] == server.state("capture")["free_quota"]


def test_signature_failure_message_follows_request_language(make_server: Any) -> None:
    """The en-US capture gets the English SignatureFailure text; the others the Chinese one."""
    en = Capture("py-SendEmail-template-token-en-US-hongkong.json")
    server, _wall, _ = start(make_server, "sqlite", en)
    resp = en.send_tampered(server)
    assert resp["Error"]["Code"] == "AuthFailure.SignatureFailure"
    assert "signature" in resp["Error"]["Message"].lower()
    zh = Capture("py-SendEmail-template.json")
    resp = zh.send_with_timestamp(server, zh.timestamp + 1)
    assert resp["Error"]["Code"] == "AuthFailure.SignatureFailure"
    assert "签名" in resp["Error"]["Message"]
