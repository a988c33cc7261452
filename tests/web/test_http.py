"""The web UI over plain HTTP: the page and its CSP, assets shipped offline, the API still at `/`,
the sandboxed HTML preview, and the live event stream (including mail stored by another process)."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator.bootstrap import Emulator
from emulator.config import Settings
from tests.clients import message, smtp_send

WEB = Path(__file__).resolve().parents[2] / "emulator" / "web"


def test_root_serves_the_ui_with_a_strict_csp(server: Any) -> None:
    r = server.http.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp and r.headers["x-content-type-options"] == "nosniff"
    assert '<script type="module" src="/ui/static/app.js' in r.text


def test_the_tencent_api_stays_at_root(server: Any) -> None:
    for resp in (
        server.http.get("/", params={"Action": "SendEmail", "Version": "2020-10-02"}),
        server.http.post("/", json={}, headers={"X-TC-Action": "SendEmail"}),
    ):
        assert resp.status_code == 200 and resp.headers["content-type"] == "application/json"
        assert "Error" in resp.json()["Response"]


def test_assets_are_served_and_every_module_import_resolves(server: Any) -> None:
    page = server.http.get("/").text
    names = set(re.findall(r"/ui/static/([\w.-]+?)(?:\?|\")", page))
    pending = set(names)
    while pending:
        name = pending.pop()
        r = server.http.get(f"/ui/static/{name}")
        assert r.status_code == 200, name
        assert r.headers["x-content-type-options"] == "nosniff"
        if name.endswith(".js"):
            assert r.headers["content-type"].startswith("text/javascript")
            for dep in re.findall(r'from "\./([\w.-]+)"', r.text):
                if dep not in names:
                    names.add(dep)
                    pending.add(dep)
    assert {"app.js", "api.js", "inbox.js", "console.js", "charts.js", "style.css"} <= names
    for bad in ("nope.js", "..%2Froutes.py", "%2e%2e%2f__init__.py", "style.css.map"):
        assert server.http.get(f"/ui/static/{bad}").status_code == 404, bad


def test_ui_loads_nothing_from_elsewhere() -> None:
    """Offline: no CDN, no remote fonts; the only absolute URL is the SVG namespace."""
    for path in [*(WEB / "static").iterdir(), *(WEB / "templates").iterdir()]:
        text = path.read_text("utf-8")
        urls = set(re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[\w/.-]*", text)) - {
            "http://www.w3.org/2000/svg"
        }
        assert not urls, f"{path.name}: {urls}"


def _one(server: Any, acct: dict[str, Any], html: str | None, subject: str = "Preview") -> str:
    msg = message(acct["sender"], ["p@example.com"], subject=subject, body="plain <b>text</b> & more")
    if html is not None:
        msg.add_alternative(html, subtype="html")
    smtp_send(server.endpoints.smtp_port, acct["sender"], acct["smtp_password"], msg)
    r = server.admin("GET", f"/accounts/{acct['name']}/messages", params={"subject": subject})
    return str(r.json()["messages"][0]["id"])


def test_preview_is_signed_sandboxed_and_script_free(server: Any, account: dict[str, Any]) -> None:
    html = '<p>Hi</p><img src="https://tracker.example/p.gif"><script>alert(1)</script>'
    mid = _one(server, account, html)
    url = server.admin("GET", f"/accounts/{account['name']}/messages/{mid}/preview").json()["url"]
    r = server.http.get(url)
    assert r.status_code == 200 and html in r.text
    csp = r.headers["content-security-policy"]
    assert csp.startswith("sandbox ") and "allow-scripts" not in csp and "allow-same-origin" not in csp
    assert "script-src 'none'" in csp and "img-src data:;" in csp and "https:" not in csp
    assert r.headers["referrer-policy"] == "no-referrer" and r.headers["cache-control"] == "no-store"
    remote = server.http.get(url + "&remote=1").headers["content-security-policy"]
    assert "img-src data: http: https:" in remote and "script-src 'none'" in remote
    base = url.split("?")[0]
    assert server.http.get(base).status_code == 403
    assert server.http.get(base + "?sig=" + "0" * 32).status_code == 403
    other = server.new_account()
    forged = url.replace(f"/ui/preview/{account['name']}/", f"/ui/preview/{other['name']}/")
    assert server.http.get(forged).status_code == 403
    missing = server.admin("GET", f"/accounts/{account['name']}/messages/nope/preview")
    assert missing.status_code == 404


def test_preview_of_a_text_only_message_is_escaped(server: Any, account: dict[str, Any]) -> None:
    mid = _one(server, account, None, subject="Text only")
    url = server.admin("GET", f"/accounts/{account['name']}/messages/{mid}/preview").json()["url"]
    assert "<pre>plain &lt;b&gt;text&lt;/b&gt; &amp; more" in server.http.get(url).text


class Events:
    """Reads the SSE stream in a thread over a plain socket (so close() ends it at once), collecting
    (event, data) pairs."""

    def __init__(self, base_url: str, path: str, headers: dict[str, str] | None = None) -> None:
        self.items: list[tuple[str, dict[str, Any]]] = []
        self.head = b""
        self._stop = threading.Event()
        host, port = base_url.removeprefix("http://").split(":")
        self._sock = socket.create_connection((host, int(port)), timeout=0.2)
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self._sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode())
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        buf = b""
        name = ""
        while not self._stop.is_set():
            try:
                chunk = self._sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            if not self.head and b"\r\n\r\n" in buf:
                self.head, buf = buf.split(b"\r\n\r\n", 1)
            while self.head and b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                text = line.decode().rstrip("\r")
                if text.startswith("event:"):
                    name = text[6:].strip()
                elif text.startswith("data:"):
                    self.items.append((name, json.loads(text[5:])))

    @property
    def status(self) -> int:
        return int(self.head.split(b" ", 2)[1]) if self.head else 0

    def wait_for(self, pred: Any, timeout: float = 10) -> tuple[str, dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for item in list(self.items):
                if pred(*item):
                    return item
            time.sleep(0.02)
        raise AssertionError(f"no matching event in {self.items}")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._sock.close()


@pytest.fixture
def events(server: Any) -> Iterator[Any]:
    opened: list[Events] = []

    def _open(account: str) -> Events:
        e = Events(server.endpoints.http_url, f"/admin/accounts/{account}/messages/stream")
        opened.append(e)
        return e

    yield _open
    for e in opened:
        e.close()


def test_stream_reports_new_mail_and_account_changes(
    server: Any, account: dict[str, Any], events: Any
) -> None:
    name = account["name"]
    ev = events(name)
    ev.wait_for(lambda n, d: n == "messages" and d == {"total": 0, "newest": None})
    ev.wait_for(lambda n, d: n == "account" and d["name"] == name and d["free_used"] == 0)
    start = time.monotonic()
    mid = _one(server, account, None, subject="Live")
    ev.wait_for(lambda n, d: n == "messages" and d == {"total": 1, "newest": mid})
    assert time.monotonic() - start < 3
    ev.wait_for(lambda n, d: n == "account" and d["free_used"] == 1)
    server.admin("POST", f"/accounts/{name}/top-up", json={"amount": "1.5"})
    ev.wait_for(lambda n, d: n == "account" and d["balance"] == "1.500000")
    server.admin("DELETE", f"/accounts/{name}/messages")
    ev.wait_for(lambda n, d: n == "messages" and d == {"total": 0, "newest": None})


def test_stream_sees_mail_stored_by_another_process(
    server: Any, account: dict[str, Any], events: Any, tmp_path: Path
) -> None:
    """A second emulator on the same database has its own notifier: only the DB check can see it."""
    ev = events(account["name"])
    ev.wait_for(lambda n, d: n == "messages" and d["total"] == 0)
    other = Emulator(
        Settings(
            host="127.0.0.1",
            smtp_port=0,
            smtps_port=0,
            http_port=0,
            data_dir=tmp_path,
            database_url=server.emulator.settings.resolved_database_url(),
            scheduler_interval_s=0.2,
        )
    )
    ports = other.start_in_thread()
    try:
        msg = message(account["sender"], ["far@example.com"], subject="From elsewhere")
        smtp_send(ports.smtp_port, account["sender"], account["smtp_password"], msg)
        ev.wait_for(lambda n, d: n == "messages" and d["total"] == 1, timeout=5)
    finally:
        other.stop_thread()


def test_stream_of_an_unknown_account_is_404(server: Any) -> None:
    r = server.admin("GET", "/accounts/no-such-account/messages/stream")
    assert r.status_code == 404 and r.json()["code"] == "ResourceNotFound"
    assert r.headers["content-type"] == "application/json"  # not a stream that never ends


def test_admin_token_guards_data_not_the_page(make_server: Any) -> None:
    srv = make_server("sqlite", admin_token="s3cret-token")
    assert srv.http.get("/").status_code == 200
    assert srv.http.get("/ui/static/app.js").status_code == 200
    assert srv.admin("GET", "/accounts/default/messages/stream").status_code == 401
    assert srv.admin("GET", "/accounts/default/messages/x/preview").status_code == 401
    ev = Events(
        srv.endpoints.http_url,
        "/admin/accounts/default/messages/stream",
        {"Authorization": "Bearer s3cret-token"},
    )
    try:
        ev.wait_for(lambda n, d: n == "account" and d["name"] == "default")
        assert ev.status == 200
    finally:
        ev.close()
