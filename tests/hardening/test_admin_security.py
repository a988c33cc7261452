"""Issue 9 §4, the admin API and the web UI: every /admin route requires the token when one is set (the UI's
stream and preview endpoints too) and changes nothing without it; a non-loopback address without a token is
refused at start-up; captured HTML is served only under a script-free sandbox CSP and attachments only as
downloads; search parameters are data, never SQL."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.routing import APIRoute

from emulator.http_app import create_app
from tests.conftest import Server
from tests.hardening.raw_api import RawApi
from tests.hardening.smtp_raw import session

TOKEN = "hardening-admin-token-7f3a"
EVIL_HTML = (
    '<script>alert(1)</script><img src=x onerror="alert(2)"><iframe src="javascript:alert(3)"></iframe>'
    '<form action="http://127.0.0.1:9/"><input name=q></form><img src="http://127.0.0.1:9/track.png">'
    '<a href="javascript:alert(4)">x</a><svg onload="alert(5)"></svg>'
)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _mail_with_html(server: Server, acct: dict[str, Any]) -> str:
    return RawApi(server, acct).ok(
        "SendEmail", FromEmailAddress=acct["sender"], Destination=["r@example.com"], Subject="evil",
        Simple={"Html": _b64(EVIL_HTML.encode()), "Text": _b64(b"plain")},
        Attachments=[{"FileName": "page.html", "Content": _b64(EVIL_HTML.encode())},
                     {"FileName": "图片.svg", "Content": _b64(b'<svg onload="alert(6)"/>')}],
    )["MessageId"]  # fmt: skip


def _admin_routes(server: Server) -> list[tuple[str, str]]:
    """Every (method, path template) under /admin, documented or not."""

    def walk(routes: list[Any]) -> list[APIRoute]:
        found: list[APIRoute] = []
        for r in routes:
            if isinstance(r, APIRoute):
                found.append(r)
            elif hasattr(r, "original_router"):  # FastAPI >= 0.120 includes routers lazily
                found += walk(r.original_router.routes)
        return found

    routes = walk(create_app(server.core).routes)
    return sorted({(m, r.path) for r in routes if r.path.startswith("/admin") for m in r.methods})


def test_every_admin_route_requires_the_token(make_server: Any) -> None:
    srv: Server = make_server("sqlite", admin_token=TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    acct = srv.http.post("/admin/accounts", json={}, headers=auth).json()
    mid = _mail_with_html(srv, acct)
    values = {"account": acct["name"], "message_id": mid, "address": acct["sender"]}
    routes = _admin_routes(srv)
    assert len(routes) > 40
    before = srv.http.get(f"/admin/accounts/{acct['name']}/messages", headers=auth).json()
    wrong = [{}, {"Authorization": "Bearer wrong"}, {"X-Admin-Token": "wrong"}, {"Authorization": TOKEN},
             {"Authorization": f"Basic {TOKEN}"}, {"Authorization": f"Bearer {TOKEN[:-1]}"}]  # fmt: skip
    paths = [(m, re.sub(r"\{(\w+)\}", lambda g: str(values.get(g.group(1), 1)), t)) for m, t in routes]
    state = srv.http.get(f"/admin/accounts/{acct['name']}", headers=auth).json()
    for method, path in paths:
        for headers in wrong:  # (a token in the query string is no token either)
            r = srv.http.request(method, path, headers=headers, params={"token": TOKEN}, json={})
            assert r.status_code == 401, f"{method} {path} with {headers}: {r.status_code}"
            assert r.json()["code"] == "Unauthorized"
    # nothing changed: no clock moved, nothing deleted, reset or suspended
    assert srv.http.get(f"/admin/accounts/{acct['name']}/messages", headers=auth).json() == before
    assert srv.http.get(f"/admin/accounts/{acct['name']}", headers=auth).json()["clock"]["frozen"] is False
    assert (
        srv.http.get(f"/admin/accounts/{acct['name']}", headers=auth).json()["suspended"]
        == state["suspended"]
    )
    for method, path in paths:
        params = {"timeout": 0} if path.endswith("/wait") else {}
        with srv.http.stream(
            method, path, headers=auth, params=params, json={}
        ) as r:  # streams: headers only
            assert r.status_code != 401, f"{method} {path} refused the right token"
    # the UI's preview document is not under /admin: its URL carries an HMAC from the token-protected route
    assert srv.http.get(f"/ui/preview/{acct['name']}/{mid}").status_code == 403
    print(f"\n[admin-token] {len(routes)} routes x {len(wrong)} wrong credentials refused")


@pytest.mark.parametrize("how", ["flag", "env"])
def test_non_loopback_without_token_is_refused_at_start_up(tmp_path: Path, how: str) -> None:
    args = [sys.executable, "-m", "emulator", "serve", "--data-dir", str(tmp_path)]
    env = {k: v for k, v in os.environ.items() if k != "SES_EMULATOR_ADMIN_TOKEN"}
    host = "0.0.0.0" if how == "flag" else "::"
    if how == "flag":
        args += ["--host", host]
    else:
        env["SES_EMULATOR_HOST"] = host
    run = subprocess.run(args, capture_output=True, text=True, timeout=60, env=env)
    assert run.returncode == 2, run.stdout + run.stderr
    assert f"refusing to serve on non-loopback address {host} without an admin token" in run.stderr
    assert not (tmp_path / "emulator.db").exists()  # refused before anything started


def test_captured_html_is_served_only_under_a_script_free_sandbox(
    server: Server, account: dict[str, Any]
) -> None:
    mid = _mail_with_html(server, account)
    page = server.http.get("/")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    inbox_js = server.http.get("/ui/static/inbox.js").text
    assert "sandbox" in inbox_js and "allow-scripts" not in inbox_js and "allow-same-origin" not in inbox_js
    url = server.admin("GET", f"/accounts/{account['name']}/messages/{mid}/preview").json()["url"]
    for remote in (False, True):
        r = server.http.get(url + ("&remote=1" if remote else ""))
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        csp = r.headers["content-security-policy"]
        directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";"))
        assert directives["sandbox"] and "allow-scripts" not in csp and "allow-same-origin" not in csp
        assert directives["script-src"] == "'none'" and directives["default-src"] == "'none'"
        assert directives["form-action"] == "'none'" and directives["object-src"] == "'none'"
        assert ("http:" in directives["img-src"]) == remote  # remote images only when asked
        assert r.headers["x-content-type-options"] == "nosniff"
    for i, name in enumerate(("page.html", "图片.svg")):
        r = server.admin("GET", f"/accounts/{account['name']}/messages/{mid}/attachments/{i}")
        assert r.status_code == 200 and r.headers["content-type"] == "application/octet-stream"
        assert r.headers["content-disposition"].startswith("attachment;")
        assert r.headers["x-content-type-options"] == "nosniff"
        assert unquote(r.headers["content-disposition"].split("''", 1)[1]) == name
    raw = server.admin("GET", f"/accounts/{account['name']}/messages/{mid}/raw")
    assert raw.headers["content-type"].startswith("message/rfc822")
    assert (
        raw.headers["content-disposition"].startswith("attachment;")
        and raw.headers["x-content-type-options"] == "nosniff"
    )


INJECTIONS = ["' OR 1=1 --", "'; DROP TABLE messages; --", '" OR ""="', "%", "_", "\\", "%' OR '%'='",
              "*", "') OR ('a'='a", "\\%", "1; SELECT 1", "' UNION SELECT raw FROM messages --"]  # fmt: skip
SUBJECTS = ["100% sure", "under_score", "back\\slash", "quote's here", "plain"]


def test_search_parameters_are_data_never_sql(server: Server) -> None:
    victim, acct = server.new_account(), server.new_account()
    with session(server.endpoints.smtp_port, victim) as c:
        c.sendmail(victim["sender"], ["v@example.com"], b"Subject: victim's\r\n\r\nsecret\r\n")
    with session(server.endpoints.smtp_port, acct) as c:
        for s in SUBJECTS:
            c.sendmail(
                acct["sender"],
                ["r@example.com"],
                f"Subject: {s}\r\nTo: r@example.com\r\n\r\n{s}\r\n".encode(),
            )
    path = f"/accounts/{acct['name']}/messages"

    def subjects(**params: str) -> list[str]:
        r = server.admin("GET", path, params=params)
        assert r.status_code == 200, r.text
        return sorted(m["subject"] for m in r.json()["messages"])

    # LIKE wildcards and escapes are literal characters
    assert subjects(subject="%") == ["100% sure"] and subjects(text="%") == ["100% sure"]
    assert subjects(subject="_") == ["under_score"] and subjects(subject="\\") == ["back\\slash"]
    assert subjects(subject="'") == ["quote's here"]
    tried = 4
    for value in INJECTIONS:
        for field in ("to", "from", "subject", "text"):
            got = subjects(**{field: value})
            literal = (
                [s for s in SUBJECTS if value.lower() in s.lower()] if field in ("subject", "text") else []
            )
            assert got == literal, f"{field}={value!r}: {got}"
            tried += 1
        for field in ("since", "until", "source"):
            r = server.admin("GET", path, params={field: value})
            assert r.status_code == 400 and set(r.json()) == {"code", "message"}, r.text
            tried += 1
    assert subjects() == sorted(SUBJECTS)  # nothing dropped, nothing of the victim's
    assert server.admin("GET", f"/accounts/{victim['name']}/messages").json()["total"] == 1
    # the Tencent API's filters too
    api = RawApi(server, acct)
    for value in INJECTIONS:
        assert api.ok("ListReceivers", Offset=0, Limit=10, KeyWord=value)["TotalCount"] == 0
        assert api.ok("ListCustomBlacklist", Offset=0, Limit=10, Status=2, Email=value)["TotalCount"] == 0
        tried += 2
    print(f"\n[sql-injection] {tried} filter values tried")
