"""Issue 19 §5: one status and one code per kind of bad input, across the admin routes (the table is
emulator/admin_api/errors.py KINDS and docs/admin-api.md). Each mistake is made on a route that takes it,
the answer's status and code are those of its kind, and nothing the account or the server holds changes.
Every route with an `{account}` answers 404 ResourceNotFound for an unknown one."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.admin_api.errors import (
    CONFLICT,
    INVALID_VALUE,
    KINDS,
    LIMIT,
    MALFORMED,
    METHOD,
    MISSING,
    NOT_FOUND,
    UNKNOWN_FIELD,
    WRONG_TYPE,
    Kind,
)
from tests.clients import message, smtp_send
from tests.conftest import Server

FUTURE = "2099-01-01T00:00:00+08:00"
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def world(server: Server) -> dict[str, Any]:
    """An account with a frozen clock, a captured message, three IP applications this month (the last one
    disabled) and a fault rule; nothing a case does may change it."""
    a = server.new_account()
    name = a["name"]
    assert server.admin(
        "POST", f"/accounts/{name}/clock/freeze", json={"at": "2031-05-05T10:00:00+08:00"}
    ).is_success
    smtp_send(
        server.endpoints.smtp_port, a["sender"], a["smtp_password"], message(a["sender"], ["x@example.com"])
    )
    [msg] = server.admin("GET", f"/accounts/{name}/messages").json()["messages"]
    assert server.admin("POST", "/ips/stock", json={"count": 3}).is_success
    ips = [server.admin("POST", f"/accounts/{name}/ips").json() for _ in range(3)]
    assert server.admin("POST", f"/accounts/{name}/ips/{ips[-1]['id']}/disable").is_success
    rule = server.admin(
        "POST", f"/accounts/{name}/fault-rules", json={"pattern": "*@x.com", "outcome": "dropped"}
    )
    return {"a": name, "msg": msg["id"], "ip": ips[-1]["id"], "rule": rule.json()["id"]}


def snapshot(server: Server, w: dict[str, Any]) -> list[Any]:
    a = w["a"]
    reads = [f"/accounts/{a}", f"/accounts/{a}/ips", f"/accounts/{a}/fault-rules", f"/accounts/{a}/limits",
             f"/accounts/{a}/callback", f"/accounts/{a}/notices/settings", f"/accounts/{a}/messages",
             f"/accounts/{a}/usage", f"/accounts/{a}/ledger", "/limits", "/ips/stock"]  # fmt: skip
    return [server.admin("GET", path).json() for path in reads] + [
        len(server.admin("GET", "/accounts").json())
    ]


# (id, method, path, request keywords, kind); {a} {msg} {ip} {rule} come from `world`
CASES: list[tuple[str, str, str, dict[str, Any], Kind]] = [
    ("create-json-truncated", "POST", "/accounts", {"content": b'{"name": ', "headers": JSON}, MALFORMED),
    ("top-up-json-array", "POST", "/accounts/{a}/top-up", {"content": b"[1, 2]", "headers": JSON}, MALFORMED),
    ("limits-json-string", "PATCH", "/accounts/{a}/limits", {"content": b'"x"', "headers": JSON}, MALFORMED),
    ("callback-not-json", "PUT", "/accounts/{a}/callback", {"content": b"not json", "headers": JSON}, MALFORMED),
    ("clock-set-json-truncated", "POST", "/accounts/{a}/clock/set", {"content": b"{", "headers": JSON}, MALFORMED),
    ("global-clock-json-array", "POST", "/clock/advance", {"content": b"[]", "headers": JSON}, MALFORMED),

    ("create-unknown-field", "POST", "/accounts", {"json": {"nme": "x"}}, UNKNOWN_FIELD),
    ("top-up-unknown-field", "POST", "/accounts/{a}/top-up", {"json": {"amount": "1", "currency": "USD"}},
     UNKNOWN_FIELD),
    ("advance-unknown-field", "POST", "/accounts/{a}/clock/advance", {"json": {"seconds": 1, "speed": 2}},
     UNKNOWN_FIELD),
    ("freeze-unknown-field", "POST", "/accounts/{a}/clock/freeze", {"json": {"when": FUTURE}}, UNKNOWN_FIELD),
    ("global-advance-unknown-field", "POST", "/clock/advance", {"json": {"seconds": 1, "keys": "k"}},
     UNKNOWN_FIELD),
    ("rule-unknown-field", "POST", "/accounts/{a}/fault-rules",
     {"json": {"pattern": "*@y.com", "outcome": "dropped", "weight": 1}}, UNKNOWN_FIELD),
    ("stock-unknown-field", "POST", "/ips/stock", {"json": {"count": 1, "kind": "x"}}, UNKNOWN_FIELD),
    ("callback-unknown-field", "PUT", "/accounts/{a}/callback", {"json": {"url": None, "secret": "x"}},
     UNKNOWN_FIELD),
    ("notices-unknown-field", "PUT", "/accounts/{a}/notices/settings", {"json": {"adress": "x@y.com"}},
     UNKNOWN_FIELD),
    ("template-status-unknown-field", "POST", "/accounts/{a}/templates/1/status",
     {"json": {"status": 0, "why": ""}}, UNKNOWN_FIELD),
    ("limits-unknown-limit", "PATCH", "/accounts/{a}/limits", {"json": {"nope": {}}}, UNKNOWN_FIELD),
    ("global-limits-unknown-field", "PATCH", "/limits", {"json": {"api_rate": {"burst": 1}}}, UNKNOWN_FIELD),

    ("clock-set-missing-to", "POST", "/accounts/{a}/clock/set", {"json": {}}, MISSING),
    ("rule-missing-outcome", "POST", "/accounts/{a}/fault-rules", {"json": {"pattern": "*@y.com"}}, MISSING),
    ("stock-missing-count", "POST", "/ips/stock", {"json": {}}, MISSING),
    ("callback-missing-url", "PUT", "/accounts/{a}/callback", {"json": {}}, MISSING),
    ("template-status-missing", "POST", "/accounts/{a}/templates/1/status", {"json": {}}, MISSING),
    ("top-up-no-body", "POST", "/accounts/{a}/top-up", {}, MISSING),

    ("create-string-for-int", "POST", "/accounts", {"json": {"free_quota": "many"}}, WRONG_TYPE),
    ("advance-string-for-int", "POST", "/accounts/{a}/clock/advance", {"json": {"seconds": "ten"}}, WRONG_TYPE),
    ("advance-float-for-int", "POST", "/accounts/{a}/clock/advance", {"json": {"seconds": 1.5}}, WRONG_TYPE),
    ("stock-string-for-int", "POST", "/ips/stock", {"json": {"count": "x"}}, WRONG_TYPE),
    ("clock-set-null-to", "POST", "/accounts/{a}/clock/set", {"json": {"to": None}}, WRONG_TYPE),
    ("top-up-bool-money", "POST", "/accounts/{a}/top-up", {"json": {"amount": True}}, WRONG_TYPE),
    ("limits-number-for-bool", "PATCH", "/accounts/{a}/limits", {"json": {"api_rate": {"enabled": 1}}},
     WRONG_TYPE),
    ("callback-number-for-url", "PUT", "/accounts/{a}/callback", {"json": {"url": 5}}, WRONG_TYPE),
    ("messages-limit-not-int", "GET", "/accounts/{a}/messages", {"params": {"limit": "abc"}}, WRONG_TYPE),
    ("deliveries-offset-not-int", "GET", "/accounts/{a}/callbacks/deliveries", {"params": {"offset": "x"}},
     WRONG_TYPE),
    ("ip-id-not-int", "POST", "/accounts/{a}/ips/abc/disable", {}, WRONG_TYPE),
    ("rule-id-not-int", "DELETE", "/accounts/{a}/fault-rules/xyz", {}, WRONG_TYPE),
    ("template-id-not-int", "POST", "/accounts/{a}/templates/x/status", {"json": {"status": 0}}, WRONG_TYPE),
    ("attachment-index-not-int", "GET", "/accounts/{a}/messages/{msg}/attachments/x", {}, WRONG_TYPE),

    ("advance-negative", "POST", "/accounts/{a}/clock/advance", {"json": {"seconds": -1}}, INVALID_VALUE),
    ("advance-bad-duration", "POST", "/accounts/{a}/clock/advance", {"json": {"duration": "soon"}},
     INVALID_VALUE),
    ("advance-bad-time", "POST", "/accounts/{a}/clock/advance", {"json": {"to": "yesterday"}}, INVALID_VALUE),
    ("advance-none-given", "POST", "/accounts/{a}/clock/advance", {"json": {}}, INVALID_VALUE),
    ("advance-two-given", "POST", "/accounts/{a}/clock/advance", {"json": {"seconds": 1, "duration": "1d"}},
     INVALID_VALUE),
    ("advance-key-on-account", "POST", "/accounts/{a}/clock/advance", {"json": {"seconds": 1, "key": "k"}},
     INVALID_VALUE),
    ("clock-set-backwards", "POST", "/accounts/{a}/clock/set", {"json": {"to": "2020-01-01T00:00:00+08:00"}},
     INVALID_VALUE),
    ("freeze-at-backwards", "POST", "/accounts/{a}/clock/freeze", {"json": {"at": "2020-01-01T00:00:00"}},
     INVALID_VALUE),
    ("global-advance-empty-key", "POST", "/clock/advance", {"json": {"seconds": 1, "key": ""}}, INVALID_VALUE),
    ("stock-zero", "POST", "/ips/stock", {"json": {"count": 0}}, INVALID_VALUE),
    ("messages-limit-zero", "GET", "/accounts/{a}/messages", {"params": {"limit": 0}}, INVALID_VALUE),
    ("messages-bad-since", "GET", "/accounts/{a}/messages", {"params": {"since": "yesterday"}}, INVALID_VALUE),
    ("messages-bad-source", "GET", "/accounts/{a}/messages", {"params": {"source": "fax"}}, INVALID_VALUE),
    ("wait-too-long", "GET", "/accounts/{a}/messages/wait", {"params": {"timeout": 1000}}, INVALID_VALUE),
    ("usage-no-such-day", "GET", "/accounts/{a}/usage", {"params": {"day": "2031-02-30"}}, INVALID_VALUE),
    ("bills-bad-status", "GET", "/accounts/{a}/bills", {"params": {"status": "owed"}}, INVALID_VALUE),
    ("billing-api-bad-language", "GET", "/accounts/{a}/bills/1/billing-api", {"params": {"language": "fr"}},
     INVALID_VALUE),
    ("notices-bad-kind", "GET", "/accounts/{a}/notices", {"params": {"kind": "other"}}, INVALID_VALUE),
    ("top-up-exponent", "POST", "/accounts/{a}/top-up", {"json": {"amount": "1e2"}}, INVALID_VALUE),
    ("top-up-inexact-number", "POST", "/accounts/{a}/top-up", {"json": {"amount": 0.1234567}}, INVALID_VALUE),
    ("create-bad-sender", "POST", "/accounts", {"json": {"sender": "nope"}}, INVALID_VALUE),
    ("create-bad-name", "POST", "/accounts", {"json": {"name": "bad name!"}}, INVALID_VALUE),
    ("callback-not-http", "PUT", "/accounts/{a}/callback", {"json": {"url": "ftp://x"}}, INVALID_VALUE),
    ("rule-bad-outcome", "POST", "/accounts/{a}/fault-rules", {"json": {"pattern": "*@y.com", "outcome": "explode"}},
     INVALID_VALUE),
    ("limits-out-of-range", "PATCH", "/accounts/{a}/limits", {"json": {"api_rate": {"per_second": 0}}},
     INVALID_VALUE),
    ("template-bad-status", "POST", "/accounts/{a}/templates/1/status", {"json": {"status": 7}}, INVALID_VALUE),
    ("notices-bad-address", "PUT", "/accounts/{a}/notices/settings", {"json": {"address": "not an address"}},
     INVALID_VALUE),

    ("no-such-message", "GET", "/accounts/{a}/messages/nope", {}, NOT_FOUND),
    ("no-such-raw", "GET", "/accounts/{a}/messages/nope/raw", {}, NOT_FOUND),
    ("no-such-attachment", "GET", "/accounts/{a}/messages/{msg}/attachments/5", {}, NOT_FOUND),
    ("delete-no-such-message", "DELETE", "/accounts/{a}/messages/nope", {}, NOT_FOUND),
    ("no-such-ip", "POST", "/accounts/{a}/ips/999999/enable", {}, NOT_FOUND),
    ("no-such-rule", "DELETE", "/accounts/{a}/fault-rules/999999", {}, NOT_FOUND),
    ("no-such-template", "POST", "/accounts/{a}/templates/999999/status", {"json": {"status": 0}}, NOT_FOUND),
    ("no-such-sender", "PUT", "/accounts/{a}/senders/nobody@x.com/callback", {"json": {"url": None}}, NOT_FOUND),
    ("no-such-bill", "GET", "/accounts/{a}/bills/999999/billing-api", {}, NOT_FOUND),
    ("no-such-path", "GET", "/nope", {}, NOT_FOUND),

    ("name-taken", "POST", "/accounts", {"json": {"name": "{a}"}}, CONFLICT),
    ("disable-a-disabled-ip", "POST", "/accounts/{a}/ips/{ip}/disable", {}, CONFLICT),
    ("fourth-ip-this-month", "POST", "/accounts/{a}/ips", {}, LIMIT),
    ("method-not-allowed", "DELETE", "/accounts", {}, METHOD),
    ("method-not-allowed-global", "PUT", "/clock/advance", {"json": {"seconds": 1}}, METHOD),
]  # fmt: skip


def fill(value: Any, w: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return value.format(**w)
    if isinstance(value, dict):
        return {k: fill(v, w) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("case", "method", "path", "kw", "kind"), CASES, ids=[c[0] for c in CASES])
def test_each_mistake_answers_its_kinds_status_and_code_and_changes_nothing(
    server: Server, world: dict[str, Any], case: str, method: str, path: str, kw: dict[str, Any], kind: Kind
) -> None:
    before = snapshot(server, world)
    kw = {k: (v if k in ("content", "headers") else fill(v, world)) for k, v in kw.items()}
    r = server.admin(method, fill(path, world), **kw)
    assert (r.status_code, r.json()["code"]) == (kind.status, kind.code), f"{case}: {r.text}"
    assert r.json()["message"], case
    assert snapshot(server, world) == before, case


def test_every_kind_is_walked_and_codes_are_unique() -> None:
    walked = {c[4] for c in CASES}
    assert {
        MALFORMED,
        UNKNOWN_FIELD,
        MISSING,
        WRONG_TYPE,
        INVALID_VALUE,
        NOT_FOUND,
        CONFLICT,
        LIMIT,
        METHOD,
    } <= walked
    assert len({k.code for k in KINDS}) == len(KINDS)  # one code per kind


def test_a_field_error_names_the_field(server: Server, world: dict[str, Any]) -> None:
    r = server.admin("POST", f"/accounts/{world['a']}/clock/advance", json={"seconds": "ten"})
    assert r.json()["field"] == "body.seconds" and r.json()["message"].startswith("body.seconds: ")


# A valid request for each operation taking a body, so the walk below reaches the account look-up.
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/admin/accounts/{account}/top-up"): {"amount": "1"},
    ("POST", "/admin/accounts/{account}/templates/{template_id}/status"): {"status": 0},
    ("POST", "/admin/accounts/{account}/clock/advance"): {"seconds": 1},
    ("POST", "/admin/accounts/{account}/clock/set"): {"to": FUTURE},
    ("POST", "/admin/accounts/{account}/fault-rules"): {"pattern": "*@x.com", "outcome": "dropped"},
    ("PATCH", "/admin/accounts/{account}/limits"): {},
    ("PUT", "/admin/accounts/{account}/callback"): {"url": None},
    ("PUT", "/admin/accounts/{account}/senders/{address}/callback"): {"url": None},
    ("PUT", "/admin/accounts/{account}/notices/settings"): {},
    ("PUT", "/admin/accounts/{account}/reputation/{domain}"): {"level": 3},
    ("POST", "/admin/accounts/{account}/sub-users"): {"name": "bot"},
    ("PUT", "/admin/accounts/{account}/sub-users/{name}/policy"): {"policy": None},
    ("POST", "/admin/accounts/{account}/sessions"): {},
}
PATH_VALUES = {"account": "no-such-account", "message_id": "x", "ip_id": "1", "rule_id": "1", "template_id": "1",
               "index": "0", "address": "a@example.com", "bill_id": "1", "domain": "example.org",
               "name": "bot", "secret_id": "AKIDnosuchkey"}  # fmt: skip


def test_every_account_route_answers_404_for_an_unknown_account(server: Server) -> None:
    doc = server.http.get("/openapi.json").json()
    walked = 0
    for path, operations in doc["paths"].items():
        if "{account}" not in path:
            continue
        for method, op in operations.items():
            body = BODIES.get((method.upper(), path))
            if "requestBody" in op and op["requestBody"].get("required"):
                assert body is not None, f"give a valid body for {method.upper()} {path} in BODIES"
            url = path.removeprefix("/admin").format(**PATH_VALUES)
            r = server.admin(
                method.upper(), url, json=body, params={"timeout": 0} if url.endswith("/wait") else None
            )
            assert (r.status_code, r.json()["code"]) == (404, "ResourceNotFound"), (
                f"{method} {path}: {r.text}"
            )
            assert "404" in op["responses"], f"{method} {path} answers 404 without documenting it"
            walked += 1
    assert walked >= 43  # every {account} operation of the document


def test_the_token_refusal_is_its_kind(make_server: Any) -> None:
    srv: Server = make_server("sqlite", admin_token="s3cret")
    for method, path in (("GET", "/accounts"), ("POST", "/clock/freeze"), ("GET", "/accounts/x/clock")):
        r = srv.admin(method, path)
        assert (r.status_code, r.json()["code"]) == (401, "Unauthorized"), r.text
