"""Admin API: an account's notification settings (GET/PUT .../notices/settings) and its notices
(GET .../notices): defaults, partial updates, the money format of top-ups, and the error forms."""

from __future__ import annotations

from typing import Any


def settings(server: Any, name: str) -> dict[str, Any]:
    r = server.admin("GET", f"/accounts/{name}/notices/settings")
    assert r.status_code == 200, r.text
    return dict(r.json())


def put(server: Any, name: str, **body: Any) -> Any:
    return server.admin("PUT", f"/accounts/{name}/notices/settings", json=body)


def test_defaults_and_partial_updates(server: Any) -> None:
    a = server.new_account(sender="hello@shop.example.org")
    name = a["name"]
    assert settings(server, name) == {
        "address": "owner@shop.example.org",
        "address_is_default": True,
        "default_address": "owner@shop.example.org",
        "low_balance_threshold": None,
        "low_balance_threshold_micro": None,
        "low_balance_below": False,
    }
    server.admin("POST", f"/accounts/{name}/top-up", json={"amount": "3"})
    r = put(server, name, address=" Ops@Shop.example.org ")
    assert r.status_code == 200, r.text
    assert (r.json()["address"], r.json()["address_is_default"]) == ("Ops@Shop.example.org", False)
    r = put(server, name, low_balance_threshold="2.5")  # the address is kept
    assert r.json() | {"default_address": ""} == {
        "address": "Ops@Shop.example.org",
        "address_is_default": False,
        "default_address": "",
        "low_balance_threshold": "2.500000",
        "low_balance_threshold_micro": 2_500_000,
        "low_balance_below": False,  # 3.00 is not below 2.50
    }
    r = put(server, name, low_balance_threshold_micro=3_000_001)  # 3.000000 < 3.000001: below, warned
    assert r.json()["low_balance_below"] is True
    [n] = server.admin("GET", f"/accounts/{name}/notices").json()
    assert (n["kind"], n["address"], n["balance"], n["threshold"], n["webhook"]) == (
        "low_balance",
        "Ops@Shop.example.org",
        "3.000000",
        "3.000001",
        None,
    )
    assert put(server, name, low_balance_threshold_micro=3_000_002).json()["low_balance_below"] is True
    assert len(server.admin("GET", f"/accounts/{name}/notices").json()) == 1  # still the same crossing
    r = put(server, name, address=None, low_balance_threshold=None)  # back to the default, off
    assert r.json() | {"default_address": ""} == {
        "address": "owner@shop.example.org",
        "address_is_default": True,
        "default_address": "",
        "low_balance_threshold": None,
        "low_balance_threshold_micro": None,
        "low_balance_below": False,
    }
    assert put(server, name).status_code == 200  # nothing given: nothing changes


def test_bad_settings_are_refused_in_the_usual_forms(server: Any, account: dict[str, Any]) -> None:
    name = account["name"]
    for body, code in (
        ({"address": "not an address"}, "InvalidParameterValue"),
        ({"low_balance_threshold": "1.0000001"}, "InvalidParameterValue"),
        ({"low_balance_threshold": "abc"}, "InvalidParameterValue"),
        ({"low_balance_threshold": "-1"}, "InvalidParameterValue"),
        ({"low_balance_threshold": "1", "low_balance_threshold_micro": 1}, "InvalidParameterValue"),
        ({"low_balance_threshold_micro": -1}, "InvalidParameterValue"),
        ({"low_balance_threshold_micro": 1.5}, "InvalidParameter"),
        ({"low_balance_threshold": True}, "InvalidParameter"),
        ({"low_balance": "1"}, "UnknownParameter"),
    ):
        r = put(server, name, **body)
        assert (r.status_code, r.json()["code"]) == (400, code), (body, r.text)
    assert settings(server, name)["low_balance_threshold"] is None
    r = server.admin("GET", "/accounts/no-such-account/notices/settings")
    assert (r.status_code, r.json()["code"]) == (404, "ResourceNotFound")
    assert server.admin("GET", "/accounts/no-such-account/notices").status_code == 404
    r = server.admin("GET", f"/accounts/{name}/notices?kind=other")
    assert (r.status_code, r.json()["code"]) == (400, "InvalidParameterValue")
    assert server.admin("GET", f"/accounts/{name}/notices?kind=suspended").json() == []


def test_notice_mail_is_in_the_source_filter(server: Any, account: dict[str, Any]) -> None:
    name = account["name"]
    put(server, name, low_balance_threshold="0.01")  # balance 0: warned at once
    listed = server.admin("GET", f"/accounts/{name}/messages", params={"source": "notice"}).json()
    [m] = listed["messages"]
    assert (m["source"], m["mail_from"], m["sending_ip"]) == (
        "notice",
        "noreply@notice.ses-emulator.local",
        "",
    )
    assert server.admin("GET", f"/accounts/{name}/messages", params={"source": "api"}).json()["total"] == 0
    detail = server.admin("GET", f"/accounts/{name}/messages/{m['id']}").json()
    assert ("X-SES-Emulator-Notice", "low_balance") in [tuple(h) for h in detail["headers"]]
    assert detail["delivery"] == [] and "预警阈值：0.01 USD（精确金额 0.010000 USD）" in detail["text"]
