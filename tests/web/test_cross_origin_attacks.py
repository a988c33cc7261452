"""Issue 14 in a real browser: a page on another origin (http://127.0.0.1:<other port>/, a tiny
http.server: Chromium lets a loopback page reach loopback, while a page it takes for public meets its
Local Network Access block first, which would prove nothing about ours) tries every state-changing admin call and SendEmail by form POST, no-cors fetch and <img>
GET. The SendEmail attempts carry a valid v1 signature made with the documented default keys, so
neither the signature check (strict) nor its absence (relaxed) decides: the origin guard does.
Afterwards every account is exactly as before; the same signed payload sent without a browser works."""

from __future__ import annotations

import html
import http.server
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from emulator.config import DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, DEFAULT_SENDER
from emulator.tencent_api.signing import v1_signature, v1_string_to_sign
from tests.conftest import Server

pytest.importorskip("playwright.sync_api", reason="pip install playwright (test extra)")

DEFAULT = "default"


def v1_pairs(host: str, method: str, nonce: str) -> dict[str, str]:
    """SendEmail, v1-signed with the documented default keys: what any page could compute."""
    pairs = {
        "Action": "SendEmail", "Version": "2020-10-02", "Region": "ap-guangzhou", "Nonce": nonce,
        "Timestamp": str(int(time.time())), "SecretId": DEFAULT_SECRET_ID, "FromEmailAddress": DEFAULT_SENDER,
        "Destination.0": "victim@example.com", "Subject": "from a web page", "Simple.Text": "aGk=",
    }  # fmt: skip
    pairs["Signature"] = v1_signature(DEFAULT_SECRET_KEY, v1_string_to_sign(method, host, "/", pairs.items()))
    return pairs


def snapshot(srv: Server, running: str) -> dict[str, Any]:
    """Everything the attacks aim at; `running`'s clock is not frozen, so its time is left out."""
    out: dict[str, Any] = {
        "accounts": sorted(a["name"] for a in srv.admin("GET", "/accounts").json()),
        "stock": srv.admin("GET", "/ips/stock").json(),
    }
    for name in (DEFAULT, running):
        state = srv.state(name)
        if name == running:
            state["clock"].pop("now"), state["clock"].pop("now_us")
        mail = srv.admin("GET", f"/accounts/{name}/messages", params={"limit": 500}).json()
        out[name] = {
            "state": state,
            "messages": [m["id"] for m in mail["messages"]],
            "ips": srv.admin("GET", f"/accounts/{name}/ips").json(),
            "ledger": srv.admin("GET", f"/accounts/{name}/ledger").json(),
        }
    return out


@contextmanager
def serving(document: str) -> Iterator[str]:
    """The attacker's page at http://127.0.0.1:<free port>/."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(document.encode())

        def log_message(self, *args: Any) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/"
    finally:
        srv.shutdown()
        srv.server_close()


def _form(url: str, fields: dict[str, str], enctype: str, target: str) -> str:
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in fields.items()
    )
    return (
        f'<iframe name="{target}"></iframe><form class="attack" method="POST" action="{html.escape(url)}" '
        f'enctype="{enctype}" target="{target}">{inputs}</form>'
    )


def attacker_page(
    base: str, posts: list[tuple[str, dict[str, Any]]], deletes: list[str], api: dict[str, Any]
) -> tuple[str, list[dict[str, Any]]]:
    """The page (forms with text/plain bodies shaped as JSON: `{"amount":"100","pad":"="}`, images) and
    the fetches its `attack()` makes (no-cors POSTs; DELETEs, which need CORS)."""
    parts: list[str] = []
    fetches: list[dict[str, Any]] = []
    for i, (path, body) in enumerate(posts):
        text = json.dumps(body)
        parts.append(
            _form(base + path, {text[:-1] + ("," if body else "") + '"pad":"': '"}'}, "text/plain", f"f{i}")
        )
        fetches.append({"url": base + path, "method": "POST", "mode": "no-cors", "body": text})
        parts.append(f'<img src="{html.escape(base + path)}">')
    parts.append(_form(base + "/", api["form"], "application/x-www-form-urlencoded", "api-form"))
    parts.append(f'<img src="{html.escape(base + "/?" + api["query"])}">')
    parts.append(f'<img referrerpolicy="no-referrer" src="{html.escape(base + "/?" + api["query2"])}">')
    fetches += [
        {"url": base + "/", "method": "POST", "mode": "no-cors", "body": json.dumps(api["json"])},
        {"url": base + "/", "method": "POST", "mode": "no-cors", "form": api["form2"]},
        *({"url": base + path, "method": "DELETE"} for path in deletes),  # cors mode: the preflight fails
    ]
    script = """
      window.attack = async (fetches) => {
        document.querySelectorAll("form.attack").forEach((f) => f.submit());
        await Promise.all(fetches.map((f) => fetch(f.url, {
          method: f.method, mode: f.mode || "cors",
          body: f.form ? new URLSearchParams(f.form) : f.body,
        }).catch(() => null)));
        return true;
      };"""
    return f"<!doctype html><html><body>{''.join(parts)}<script>{script}</script></body></html>", fetches


def _refused_api_calls(srv: Server) -> float:
    """From /metrics: Tencent API calls refused before parsing with AuthFailure.UnauthorizedOperation."""
    line = 'ses_emulator_api_requests_total{action="invalid",code="AuthFailure.UnauthorizedOperation"} '
    text = srv.http.get("/metrics").text
    return sum(float(row[len(line) :]) for row in text.splitlines() if row.startswith(line))


def _answer(r: Any) -> tuple[str, str, int, str | None]:
    try:
        text: str | None = r.text()
    except Exception:  # noqa: BLE001 - a frame navigated away before the body could be read
        text = None
    return r.request.method, r.url, r.status, text


@pytest.mark.parametrize("signature_check", ["strict", "relaxed"])
def test_a_foreign_page_changes_nothing(make_server: Any, page: Any, signature_check: str) -> None:
    srv: Server = make_server("sqlite", signature_check=signature_check)
    host = srv.endpoints.api_endpoint
    base = srv.endpoints.http_url
    # the targets: the default account (frozen clock, one mail, one dedicated IP) and a suspended one
    first = srv.http.post("/", content=urlencode(v1_pairs(host, "POST", "1")),
                          headers={"Content-Type": "application/x-www-form-urlencoded"}).json()["Response"]  # fmt: skip
    assert "MessageId" in first, first
    assert srv.admin("POST", f"/accounts/{DEFAULT}/clock/freeze").status_code == 200
    ip = srv.admin("POST", f"/accounts/{DEFAULT}/ips")
    assert ip.status_code == 201, ip.text
    mid = srv.admin("GET", f"/accounts/{DEFAULT}/messages").json()["messages"][0]["id"]
    other = srv.new_account()["name"]
    assert srv.admin("POST", f"/accounts/{other}/suspend").status_code == 200
    before = snapshot(srv, other)

    a, o = f"/admin/accounts/{DEFAULT}", f"/admin/accounts/{other}"
    posts: list[tuple[str, dict[str, Any]]] = [
        (f"{a}/reset", {}), (f"{a}/suspend", {}), (f"{o}/resume", {}),
        (f"{o}/clock/freeze", {}), (f"{a}/clock/resume", {}), (f"{a}/clock/advance", {"duration": "1d"}),
        ("/admin/clock/advance", {"duration": "1d"}), ("/admin/clock/freeze", {}),
        (f"{a}/top-up", {"amount": "100"}), (f"{a}/ips", {}), (f"{a}/ips/{ip.json()['id']}/release", {}),
        (f"{a}/messages/{mid}", {}), (f"{a}/messages", {}),  # DELETE routes: a form can only POST
        ("/admin/accounts", {}), ("/admin/ips/stock", {"count": 5}),
    ]  # fmt: skip
    api: dict[str, Any] = {
        "form": v1_pairs(host, "POST", "2"),
        "form2": v1_pairs(host, "POST", "3"),
        "query": urlencode(v1_pairs(host, "GET", "4")),
        "query2": urlencode(v1_pairs(host, "GET", "5")),
        "json": {"FromEmailAddress": DEFAULT_SENDER, "Destination": ["victim@example.com"], "Subject": "x",
                 "Simple": {"Text": "aGk="}, "SecretId": DEFAULT_SECRET_ID},
    }  # fmt: skip
    document, fetches = attacker_page(base, posts, [f"{a}/messages/{mid}", f"{a}/messages"], api)

    refused_api = _refused_api_calls(srv)
    sent: list[tuple[str, str]] = []
    seen: list[tuple[str, str, int, str | None]] = []  # method, URL, status, body (when readable)
    page.on("request", lambda r: sent.append((r.method, r.url)) if r.url.startswith(base) else None)
    page.on("response", lambda r: seen.append(_answer(r)) if r.url.startswith(base) else None)
    expected = 2 * len(posts) + 3  # a form and a fetch per admin call; the API by form and two fetches
    with serving(document) as attacker:  # another origin on this machine
        page.goto(attacker)
        assert page.evaluate("(f) => window.attack(f)", fetches) is True
        deadline = time.monotonic() + 15
        while _refused_api_calls(srv) - refused_api < 5 or sum(m == "POST" for m, *_ in seen) < expected:
            assert time.monotonic() < deadline, (sent, seen)
            page.wait_for_timeout(100)
        page.wait_for_timeout(300)  # anything late

    # every attempt reached the server and the guard refused it (images: their JSON never shows, see
    # the API counter: the API form, both fetches and both images)
    assert sorted(u for m, u in sent if m == "POST") == sorted(
        [base + p for p, _ in posts] * 2 + [base + "/"] * 3
    )
    assert sum(m == "GET" and "Action=SendEmail" in u for m, u in sent) == 2
    # DELETE needs a CORS preflight, which fails (no CORS here); had it been sent, the guard answers 403
    assert not [s for s in seen if s[0] == "DELETE" and s[2] != 403], seen
    assert _refused_api_calls(srv) - refused_api == 5
    for method, url, status, text in seen:
        if method == "POST":
            assert status == (200 if url == base + "/" else 403), (url, status, text)
            marker = "AuthFailure.UnauthorizedOperation" if status == 200 else "SES_EMULATOR_ALLOWED_HOSTS"
            assert not text or marker in text, (url, text)  # no-cors and frame bodies may be unreadable
    for frame in page.frames[1:]:  # each form's answer, as its frame shows it
        assert "SES_EMULATOR_ALLOWED_HOSTS" in frame.inner_text("body"), frame.name
    assert snapshot(srv, other) == before

    # control: the very same signed payloads, sent by a program (no Origin), are accepted
    for body in (urlencode(api["form"]), urlencode(api["form2"])):
        r = httpx.post(
            base + "/", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert "MessageId" in r.json()["Response"], r.text
    assert "MessageId" in httpx.get(base + "/?" + api["query"]).json()["Response"]
