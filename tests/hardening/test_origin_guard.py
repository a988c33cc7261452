"""Issue 14, browser-origin defence over real HTTP: a foreign Host is refused on every route (JSON 403, or
Tencent's envelope on the API), loopback names and SES_EMULATOR_ALLOWED_HOSTS pass; a cross-origin
Origin / Referer / Sec-Fetch-Site is refused on every state-changing route and on every API call; the
API takes only the content types the SDKs send. Nothing refused changes anything."""

from __future__ import annotations

import json
import re
import socket
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from fastapi.routing import APIRoute

from emulator.config import Settings
from emulator.http_app import create_app
from emulator.http_guard import Guard, split_authority
from emulator.netutil import is_loopback
from emulator.tencent_api.signing import (
    canonical_request_hash,
    payload_hash,
    tc3_signature,
    utc_date,
    v1_signature,
    v1_string_to_sign,
)
from tests.conftest import Server
from tests.hardening.raw_api import RawApi, error_code, response_of, snapshot

EVIL = "evil.example"
SETTING = "SES_EMULATOR_ALLOWED_HOSTS"


def signed(
    host: str, acct: dict[str, Any], action: str, body: bytes, ctype: str = "application/json"
) -> dict[str, str]:
    """TC3 headers signed for exactly this Host and Content-Type (so only the guard can refuse them)."""
    ts = int(time.time())
    req_hash = canonical_request_hash(
        "POST", "/", "", [("content-type", ctype), ("host", host)], payload_hash(body)
    )
    sig = tc3_signature(acct["secret_key"], utc_date(ts), "ses", str(ts), req_hash)
    return {
        "Content-Type": ctype,
        "Host": host,
        "X-TC-Action": action,
        "X-TC-Version": "2020-10-02",
        "X-TC-Timestamp": str(ts),
        "X-TC-Region": "ap-guangzhou",
        "Authorization": f"TC3-HMAC-SHA256 Credential={acct['secret_id']}/{utc_date(ts)}/ses/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={sig}",
    }


def v1_query(host: str, acct: dict[str, Any], params: dict[str, str]) -> str:
    """A v1-signed GET query string for SendEmail (what a cross-site <img> could carry)."""
    pairs = {"Action": "SendEmail", "Version": "2020-10-02", "Region": "ap-guangzhou", "Nonce": "7"}
    pairs |= {"Timestamp": str(int(time.time())), "SecretId": acct["secret_id"], **params}
    pairs["Signature"] = v1_signature(acct["secret_key"], v1_string_to_sign("GET", host, "/", pairs.items()))
    return urlencode(pairs)


def mail(acct: dict[str, Any]) -> dict[str, Any]:
    return {"FromEmailAddress": acct["sender"], "Destination": ["to@example.com"], "Subject": "hi",
            "Simple": {"Text": "aGk="}}  # fmt: skip


def forbidden(r: httpx.Response) -> str:
    assert r.status_code == 403, (r.status_code, r.text)
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["code"] == "Forbidden" and SETTING in body["message"], body
    return str(body["message"])


def refused_api(r: httpx.Response, code: str = "AuthFailure.UnauthorizedOperation") -> str:
    err = response_of(r)
    assert error_code(err) == code, err
    return str(err["Error"]["Message"])


def _routes(server: Server) -> list[tuple[str, str]]:
    """Every (method, path template) of the app, documented or not."""

    def walk(routes: list[Any]) -> list[APIRoute]:
        found: list[APIRoute] = []
        for r in routes:
            if isinstance(r, APIRoute):
                found.append(r)
            elif hasattr(r, "original_router"):  # FastAPI >= 0.120 includes routers lazily
                found += walk(r.original_router.routes)
        return found

    return sorted({(m, r.path) for r in walk(create_app(server.core).routes) for m in r.methods or ()})


@pytest.fixture
def mailed(server: Server, account: dict[str, Any]) -> tuple[RawApi, str]:
    api = RawApi(server, account)
    return api, str(api.ok("SendEmail", **mail(account))["MessageId"])


def every_route(server: Server, acct: dict[str, Any], mid: str) -> list[tuple[str, str]]:
    values = {"account": acct["name"], "message_id": mid, "address": acct["sender"]}
    out = [(m, re.sub(r"\{(\w+)\}", lambda g: str(values.get(g.group(1), 1)), t)) for m, t in _routes(server)]
    assert len(out) > 50 and ("DELETE", f"/admin/accounts/{acct['name']}/messages/{mid}") in out
    extra = [("GET", "/"), ("GET", "/docs"), ("GET", "/openapi.json"), ("GET", "/ui/static/app.js")]
    return [(m, p) for m, p in out if p != "/"] + extra


# ------------------------------------------------------------------------------------------------ Host


@pytest.mark.parametrize("host", [EVIL, f"{EVIL}:8025", "127.0.0.1.evil.example", "localhost.evil.example",
                                  "0.0.0.0", "10.0.0.1:8025", "[::2]", "[fe80::1]:8025", "ses.tencentcloudapi.com"])  # fmt: skip
def test_foreign_host_is_refused_on_every_route(
    server: Server, mailed: tuple[RawApi, str], host: str
) -> None:
    api, mid = mailed
    before = snapshot(server, api)
    for method, path in every_route(server, api.acct, mid):
        with server.http.stream(method, path, headers={"Host": host}, json={}) as r:  # the SSE stream too
            r.read()
            assert host[:20] in forbidden(r), (method, path)
    # the Tencent API, validly signed for that Host: its own envelope, nothing sent
    body = json.dumps(mail(api.acct)).encode()
    assert "DNS rebinding" in refused_api(
        server.http.post("/", content=body, headers=signed(host, api.acct, "SendEmail", body))
    )
    query = v1_query(host, api.acct, {"FromEmailAddress": api.acct["sender"], "Destination.0": "to@example.com",
                                      "Subject": "hi", "Simple.Text": "aGk="})  # fmt: skip
    refused_api(server.http.get("/?" + query, headers={"Host": host}))
    assert snapshot(server, api) == before


def test_pipelined_api_call_behind_another_request_is_refused_too(
    server: Server, mailed: tuple[RawApi, str]
) -> None:
    """The second POST / on a busy connection goes through the ASGI app, not the fast path."""
    api, _ = mailed
    before = snapshot(server, api)
    body = json.dumps(mail(api.acct)).encode()
    head = "".join(f"{k}: {v}\r\n" for k, v in signed(EVIL, api.acct, "SendEmail", body).items())
    first = f"GET /admin/accounts/{api.acct['name']}/messages/wait?timeout=0.3 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    second = f"POST / HTTP/1.1\r\n{head}Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.endpoints.http_port), timeout=15) as s:
        s.sendall(first.encode() + second.encode() + body)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    assert data.count(b"HTTP/1.1 ") == 2, data
    assert b"AuthFailure.UnauthorizedOperation" in data and b"MessageId" not in data, data
    assert snapshot(server, api) == before


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST:1234", "ses.localhost", "localhost.", "127.0.0.5",
                                  "127.255.255.254:80", "[::1]", "[::1]:8025", "::1", None])  # fmt: skip
def test_loopback_hosts_and_no_host_are_served(
    server: Server, account: dict[str, Any], host: str | None
) -> None:
    if host is None:  # HTTP/1.0 without Host: only a raw socket can send that
        with socket.create_connection(("127.0.0.1", server.endpoints.http_port), timeout=15) as s:
            s.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        assert data.startswith(b"HTTP/1.1 200"), data
        return
    assert server.http.get("/healthz", headers={"Host": host}).status_code == 200
    r = server.http.post(f"/admin/accounts/{account['name']}/clock/freeze", headers={"Host": host})
    assert r.status_code == 200, r.text
    body = json.dumps(mail(account)).encode()
    ok = response_of(server.http.post("/", content=body, headers=signed(host, account, "SendEmail", body)))
    assert "MessageId" in ok, ok


def test_allowed_hosts_setting(make_server: Any) -> None:
    srv: Server = make_server("sqlite", allowed_hosts=" ses-emulator, Mail.Internal:9999 ,")
    for host in ("ses-emulator", "ses-emulator:8025", "mail.internal", "MAIL.INTERNAL:1"):
        assert srv.http.get("/admin/accounts", headers={"Host": host}).status_code == 200, host
        acct = srv.http.post("/admin/accounts", json={}, headers={"Host": host, "Origin": f"http://{host}"})
        assert acct.status_code == 201, host
    forbidden(srv.http.get("/admin/accounts", headers={"Host": EVIL}))
    # a listed name is a trusted browser origin, on any port (a proxy that rewrites Host)
    r = srv.http.post("/admin/accounts", json={}, headers={"Origin": "https://ses-emulator:8443"})
    assert r.status_code == 201
    forbidden(srv.http.post("/admin/accounts", json={}, headers={"Origin": f"http://{EVIL}"}))


def test_star_allows_any_host_but_not_any_origin(make_server: Any) -> None:
    srv: Server = make_server("sqlite", allowed_hosts="*")
    assert srv.http.get("/admin/accounts", headers={"Host": EVIL}).status_code == 200
    r = srv.http.post("/admin/accounts", json={}, headers={"Host": EVIL, "Origin": f"http://{EVIL}"})
    assert r.status_code == 201  # its own origin
    forbidden(
        srv.http.post("/admin/accounts", json={}, headers={"Host": EVIL, "Origin": "http://other.example"})
    )


def test_host_rules_without_a_server() -> None:
    """The bind host counts; a wildcard bind adds nothing, not even this machine's name."""
    assert split_authority("[::1]:8025") == ("::1", "8025") and split_authority("::1") == ("::1", "")
    assert split_authority("Example.COM.:80") == ("example.com", "80")
    lan = Guard(Settings.model_validate({"host": "192.168.7.5"}))
    assert lan.host_ok("192.168.7.5:8025") and not lan.host_ok("192.168.7.6")
    wild = Guard(Settings.model_validate({"host": "0.0.0.0"}))
    assert not wild.host_ok("0.0.0.0:8025")
    me = socket.gethostname()
    assert wild.host_ok(me) == is_loopback(split_authority(me)[0])  # this machine's name is not let in
    assert not Guard(Settings.model_validate({"host": "::"})).host_ok("[::]")
    for i in range(1000):  # the memo of Host decisions stays bounded
        wild.host_ok(f"h{i}.example")
    assert len(wild._memo) <= 256


# ---------------------------------------------------------------------------------------------- Origin

FOREIGN = [
    {"Origin": f"http://{EVIL}"},
    {"Origin": "http://127.0.0.1:1"},  # another local port is another origin
    {"Origin": "http://localhost"},
    {"Origin": "null"},  # sandboxed frames, file:// pages, no-referrer forms
    {"Origin": "chrome-extension://abc"},
    {"Referer": f"http://{EVIL}/attack.html"},
    {"Referer": "http://127.0.0.1:1/"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
]


@pytest.mark.parametrize("headers", FOREIGN, ids=lambda h: "-".join(f"{k}={v}" for k, v in h.items()))
def test_cross_origin_state_changes_are_refused(
    server: Server, mailed: tuple[RawApi, str], headers: dict[str, str]
) -> None:
    api, mid = mailed
    before = snapshot(server, api)
    changing = [(m, p) for m, p in every_route(server, api.acct, mid) if m not in ("GET", "HEAD", "OPTIONS")]
    assert {"POST", "PUT", "PATCH", "DELETE"} <= {m for m, _ in changing}
    for method, path in changing:
        forbidden(server.http.request(method, path, headers=headers, json={}))
    # the Tencent API, whatever the method
    body = json.dumps(mail(api.acct)).encode()
    sign = signed(api.host, api.acct, "SendEmail", body)
    assert SETTING in refused_api(server.http.post("/", content=body, headers={**sign, **headers}))
    query = v1_query(api.host, api.acct, {"FromEmailAddress": api.acct["sender"], "Destination.0": "to@example.com",
                                          "Subject": "hi", "Simple.Text": "aGk="})  # fmt: skip
    refused_api(server.http.get("/?" + query, headers=headers))
    assert snapshot(server, api) == before
    # reading stays open (links from elsewhere to the UI work; the browser keeps the answer from the page)
    assert server.http.get(f"/admin/accounts/{api.acct['name']}", headers=headers).status_code == 200
    assert server.http.get("/", headers=headers).status_code == 200


def test_same_origin_requests_are_served(server: Server, account: dict[str, Any]) -> None:
    name, host = account["name"], server.endpoints.api_endpoint
    balance = server.state(name)["balance_micro"]
    same = [{"Origin": f"http://{host}"}, {"Origin": f"https://{host}"}, {"Referer": f"http://{host}/#/x/inbox"},
            {"Origin": f"http://{host}", "Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}]  # fmt: skip
    for headers in same:
        r = server.http.post(f"/admin/accounts/{name}/top-up", json={"amount": "1"}, headers=headers)
        assert r.status_code == 200, (headers, r.text)
        body = json.dumps(mail(account)).encode()
        ok = response_of(
            server.http.post(
                "/", content=body, headers={**signed(host, account, "SendEmail", body), **headers}
            )
        )
        assert "MessageId" in ok, ok
    # default ports: Host without one is port 80 for http
    r = server.http.post(
        f"/admin/accounts/{name}/clock/freeze", headers={"Host": "localhost", "Origin": "http://localhost:80"}
    )
    assert r.status_code == 200
    assert server.state(name)["balance_micro"] == balance + 5_000_000


# ----------------------------------------------------------------------------------------- content type


@pytest.mark.parametrize("ctype", ["text/plain", "text/plain;charset=UTF-8", "multipart/form-data; boundary=x",
                                   "application/xml", "application/jsonx", "", None])  # fmt: skip
def test_api_refuses_content_types_no_sdk_sends(
    server: Server, mailed: tuple[RawApi, str], ctype: str | None
) -> None:
    api, _ = mailed
    before = snapshot(server, api)
    body = json.dumps(mail(api.acct)).encode()
    headers = signed(api.host, api.acct, "SendEmail", body, ctype or "")
    if ctype is None:
        headers.pop("Content-Type")
    assert "application/x-www-form-urlencoded" in refused_api(server.http.post("/", content=body, headers=headers),
                                                              "InvalidParameter")  # fmt: skip
    assert snapshot(server, api) == before


@pytest.mark.parametrize("ctype", ["application/json", "application/json; charset=utf-8", "Application/JSON"])
def test_api_accepts_json_with_any_parameters(server: Server, account: dict[str, Any], ctype: str) -> None:
    body = json.dumps(mail(account)).encode()
    headers = signed(server.endpoints.api_endpoint, account, "SendEmail", body, ctype)
    assert "MessageId" in response_of(server.http.post("/", content=body, headers=headers))


def test_api_accepts_v1_form_posts_and_gets(server: Server, account: dict[str, Any]) -> None:
    host = server.endpoints.api_endpoint
    params = {"FromEmailAddress": account["sender"], "Destination.0": "to@example.com", "Subject": "hi",
              "Simple.Text": "aGk="}  # fmt: skip
    assert "MessageId" in response_of(server.http.get("/?" + v1_query(host, account, params)))
    pairs = dict(parse_qsl(v1_query(host, account, params)))
    pairs.pop("Signature")
    pairs["Signature"] = v1_signature(
        account["secret_key"], v1_string_to_sign("POST", host, "/", pairs.items())
    )
    r = server.http.post(
        "/", content=urlencode(pairs), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert "MessageId" in response_of(r)
