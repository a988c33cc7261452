"""Admin API: accounts with every credential, state, top-up, clocks, reset, token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.clients import message, smtp_send


def test_create_returns_every_credential(server: Any) -> None:
    a = server.new_account(name="shop-test")
    assert a["secret_id"].startswith("AKID") and len(a["secret_id"]) == 36
    assert len(a["secret_key"]) == 32 and a["sender"] and a["smtp_password"] and a["app_id"].isdigit()
    s = server.state("shop-test")
    assert (s["free_left"], s["balance"], s["suspended"]) == (1000, "0.000000", False)
    assert server.admin("POST", "/accounts", json={"name": "shop-test"}).status_code == 409


def test_default_account_has_documented_credentials(server: Any) -> None:
    s = server.state("default")
    assert s["secret_id"] == "AKIDSESEMULATORDEFAULT00000000000000"


def test_top_up_is_exact(server: Any, account: dict[str, Any]) -> None:
    r = server.admin("POST", f"/accounts/{account['name']}/top-up", json={"amount": "12.345678"})
    assert r.status_code == 200 and r.json()["balance_micro"] == 12_345_678
    for bad in ({"amount": "1.0000001"}, {"amount": "-5"}, {"amount": "abc"}, {}, {"amount": 1e-7}):
        r = server.admin("POST", f"/accounts/{account['name']}/top-up", json=bad)
        assert (r.status_code, r.json()["code"]) == (400, "InvalidParameterValue"), (bad, r.text)
    assert server.state(account["name"])["balance_micro"] == 12_345_678


def test_clock_freeze_set_advance_never_backwards(server: Any, account: dict[str, Any]) -> None:
    name = account["name"]
    frozen = server.admin("POST", f"/accounts/{name}/clock/freeze").json()["clock"]
    assert frozen["frozen"]
    moved = server.admin("POST", f"/accounts/{name}/clock/advance", json={"duration": "1d2h"}).json()["clock"]
    assert moved["now_us"] - frozen["now_us"] == 26 * 3600 * 1_000_000
    target = "2030-01-06T00:00:01+08:00"
    s = server.admin("POST", f"/accounts/{name}/clock/advance", json={"to": target}).json()
    assert datetime.fromisoformat(s["clock"]["now"]) == datetime.fromisoformat(target)
    back = server.admin("POST", f"/accounts/{name}/clock/advance", json={"to": "2029-01-01T00:00:00+08:00"})
    assert back.status_code == 400 and "backwards" in back.json()["message"]
    assert server.state(name)["clock"]["now"] == s["clock"]["now"]
    # another account's clock is untouched
    other = server.new_account()
    assert server.state(other["name"])["clock"]["now_us"] < s["clock"]["now_us"]


def test_reset_clears_mail_and_metering(server: Any, account: dict[str, Any]) -> None:
    smtp_send(
        server.endpoints.smtp_port,
        account["sender"],
        account["smtp_password"],
        message(account["sender"], ["x@example.com"]),
    )
    assert server.state(account["name"])["free_used"] == 1
    s = server.admin("POST", f"/accounts/{account['name']}/reset").json()
    assert s["free_used"] == 0
    assert server.admin("GET", f"/accounts/{account['name']}/messages").json()["total"] == 0


def test_unknown_account_is_404(server: Any) -> None:
    r = server.admin("GET", "/accounts/no-such-account")
    assert r.status_code == 404 and r.json()["code"] == "ResourceNotFound"


def test_admin_token_required_when_set(make_server: Any) -> None:
    srv = make_server("sqlite", admin_token="s3cret")
    assert srv.admin("GET", "/accounts").status_code == 401
    assert srv.admin("GET", "/accounts", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert srv.admin("GET", "/accounts", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_openapi_lists_admin_routes(server: Any) -> None:
    paths = server.http.get("/openapi.json").json()["paths"]
    assert "/admin/accounts" in paths and "/admin/accounts/{account}/messages/wait" in paths
