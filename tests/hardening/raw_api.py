"""Raw, byte-exact Tencent API requests (signed with emulator.client.sign_headers, then tampered with as a
test needs), the checks on Tencent's error envelope, and snapshots of everything an account owns."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from emulator.client import sign_headers
from tests.conftest import Server


class RawApi:
    def __init__(self, server: Server, acct: dict[str, Any]) -> None:
        self.server = server
        self.acct = acct
        self.host = server.endpoints.api_endpoint

    def headers(self, action: str, body: bytes, **kw: Any) -> dict[str, str]:
        return sign_headers(
            self.host,
            action,
            body,
            kw.pop("secret_id", self.acct["secret_id"]),
            kw.pop("secret_key", self.acct["secret_key"]),
            kw.pop("region", "ap-guangzhou"),
            **kw,
        )

    def post(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return self.server.http.post("/", content=body, headers=headers)

    def call(self, action: str, params: dict[str, Any] | bytes, **kw: Any) -> dict[str, Any]:
        body = params if isinstance(params, bytes) else json.dumps(params).encode()
        return response_of(self.post(body, self.headers(action, body, **kw)))

    def ok(self, action: str, **params: Any) -> dict[str, Any]:
        r = self.call(action, params)
        assert "Error" not in r, r
        return r


def response_of(r: httpx.Response) -> dict[str, Any]:
    """Tencent's envelope, checked: HTTP 200, exactly application/json, a RequestId (UUID)."""
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json", r.headers
    body = r.json()["Response"]
    uuid.UUID(body["RequestId"])
    return dict(body)


def error_code(r: dict[str, Any]) -> str:
    assert "Error" in r, f"expected an error, got {r}"
    err = r["Error"]
    assert isinstance(err["Message"], str) and err["Message"], r
    assert err["Code"] != "InternalError", r
    return str(err["Code"])


def snapshot(server: Server, api: RawApi) -> dict[str, Any]:
    """Everything a bad request could change: account state, mail, usage, bills, ledger, templates,
    identities, sender addresses, recipient lists, blacklists, send tasks."""
    name = api.acct["name"]
    state = server.state(name)
    state.pop("clock")  # follows real time
    mail = server.admin("GET", f"/accounts/{name}/messages", params={"limit": 500}).json()
    out: dict[str, Any] = {"state": state, "messages": [m["id"] for m in mail["messages"]]}
    for what in ("usage", "bills", "ledger"):
        out[what] = server.admin("GET", f"/accounts/{name}/{what}").json()
    for action, params in LISTINGS:
        r = api.ok(action, **params)
        r.pop("RequestId")
        out[action] = r
    return out


LISTINGS: list[tuple[str, dict[str, Any]]] = [
    ("ListEmailTemplates", {"Offset": 0, "Limit": 100}),
    ("ListEmailIdentities", {}),
    ("ListEmailAddress", {}),
    ("ListReceivers", {"Offset": 0, "Limit": 100}),
    ("ListCustomBlacklist", {"Offset": 0, "Limit": 100, "Status": 2}),
    ("ListSendTasks", {"Offset": 0, "Limit": 100}),
]
