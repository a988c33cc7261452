"""Issue 19 §5, an admin API without surprises: clock set / freeze at / the clock object, paid units of one
day, each dedicated IP's enabled periods, a global `{"to"}` that leaves accounts already past it, and
money given exactly. Figures by hand: one email costs 0.000280 USD (the default price)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.clients import message, smtp_send
from tests.conftest import Server

T0 = "2031-05-05T10:00:00+08:00"
HOUR_US = 3_600_000_000


def post(server: Server, path: str, body: Any = None) -> Any:
    return server.admin("POST", path, json=body)


def ok(r: Any) -> Any:
    assert r.status_code < 300, r.text
    return r.json() if r.content else None


def refused(r: Any, status: int, code: str) -> str:
    assert (r.status_code, r.json()["code"]) == (status, code), r.text
    return str(r.json()["message"])


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --------------------------------------------------------------------------------------------- clock
def test_clock_set_moves_forward_and_keeps_frozen_or_running(server: Server, account: dict[str, Any]) -> None:
    name = account["name"]
    s = ok(post(server, f"/accounts/{name}/clock/set", {"to": "2031-05-05T10:00:00"}))  # no offset: UTC+8
    assert 0 <= (at(s["clock"]["now"]) - at(T0)).total_seconds() < 10 and s["clock"]["frozen"] is False
    ok(post(server, f"/accounts/{name}/clock/freeze"))
    s = ok(post(server, f"/accounts/{name}/clock/set", {"to": "2031-05-06T00:00:00+08:00"}))
    assert s["clock"]["now"] == "2031-05-06T00:00:00+08:00" and s["clock"]["frozen"] is True
    message_ = refused(post(server, f"/accounts/{name}/clock/set", {"to": T0}), 400, "InvalidParameterValue")
    assert "backwards" in message_
    refused(post(server, f"/accounts/{name}/clock/set", {"to": T0, "seconds": 1}), 400, "UnknownParameter")
    refused(post(server, f"/accounts/{name}/clock/set", {}), 400, "MissingParameter")
    assert server.state(name)["clock"]["now"] == "2031-05-06T00:00:00+08:00"


def test_freeze_at_a_time_runs_the_events_on_the_way(server: Server) -> None:
    a = server.new_account(free_quota=0)
    name = a["name"]
    ok(post(server, f"/accounts/{name}/clock/freeze", {"at": T0}))
    smtp_send(
        server.endpoints.smtp_port, a["sender"], a["smtp_password"], message(a["sender"], ["x@example.com"])
    )
    s = ok(post(server, f"/accounts/{name}/clock/freeze", {"at": "2031-05-06T00:00:01+08:00"}))
    assert s["clock"] == {"now": "2031-05-06T00:00:01+08:00", "now_us": s["clock"]["now_us"], "frozen": True}
    # the midnight settlement ran on the way: one paid email, 0.000280 USD, unpaid on a zero balance
    bills = ok(server.admin("GET", f"/accounts/{name}/bills"))
    assert [(b["period"], b["units"], b["amount"], b["status"]) for b in bills] == [
        ("2031-05-05", 1, "0.000280", "unpaid")
    ]
    assert s["suspended_reason"] == "arrears"


def test_freeze_at_refuses_the_past_and_bad_bodies_and_changes_nothing(
    server: Server, account: dict[str, Any]
) -> None:
    name = account["name"]
    ok(post(server, f"/accounts/{name}/clock/set", {"to": T0}))
    path = f"/accounts/{name}/clock/freeze"
    assert "backwards" in refused(
        post(server, path, {"at": "2031-05-04T10:00:00+08:00"}), 400, "InvalidParameterValue"
    )
    refused(post(server, path, {"at": "tomorrow"}), 400, "InvalidParameterValue")
    refused(post(server, path, {"when": T0}), 400, "UnknownParameter")
    refused(post(server, path, {"at": 5}), 400, "InvalidParameter")
    assert server.state(name)["clock"]["frozen"] is False  # none of them froze it


def test_get_clock_is_a_clock_object(server: Server, account: dict[str, Any]) -> None:
    name = account["name"]
    running = ok(server.admin("GET", f"/accounts/{name}/clock"))
    assert set(running) == {"account", "now", "now_us", "frozen", "state", "rate", "real_now", "ahead_us"}
    assert (running["account"], running["state"], running["rate"], running["frozen"]) == (
        name,
        "running",
        1,
        False,
    )
    assert abs(running["ahead_us"]) < 5_000_000  # a new account follows real time
    ok(post(server, f"/accounts/{name}/clock/advance", {"duration": "2h"}))
    ok(post(server, f"/accounts/{name}/clock/freeze"))
    frozen = ok(server.admin("GET", f"/accounts/{name}/clock"))
    assert (frozen["state"], frozen["rate"], frozen["frozen"]) == ("frozen", 0, True)
    assert 2 * HOUR_US - 5_000_000 < frozen["ahead_us"] <= 2 * HOUR_US + 5_000_000
    assert frozen["ahead_us"] == frozen["now_us"] - int(at(frozen["real_now"]).timestamp() * 1_000_000)
    refused(server.admin("GET", "/accounts/no-such-account/clock"), 404, "ResourceNotFound")


def test_global_to_brings_every_account_up_and_names_those_left_ahead(make_server: Any) -> None:
    srv: Server = make_server("sqlite")
    ahead, behind = srv.new_account()["name"], srv.new_account()["name"]
    ok(post(srv, f"/accounts/{ahead}/clock/freeze", {"at": "2040-01-01T00:00:00+08:00"}))
    r = post(srv, "/clock/advance", {"to": "2039-01-01T00:00:00+08:00"})
    by_name = {s["name"]: s["clock"] for s in ok(r)}
    assert r.headers["X-Clock-Left-Ahead"] == ahead
    assert by_name[ahead] == {
        "now": "2040-01-01T00:00:00+08:00",
        "now_us": by_name[ahead]["now_us"],
        "frozen": True,
    }
    for moved in (behind, "default"):  # up to it (running on from there), not beyond
        assert at("2039-01-01T00:00:00+08:00") <= at(by_name[moved]["now"]) < at("2039-01-01T00:01:00+08:00")
    r = post(srv, "/clock/advance", {"to": "2041-01-01T00:00:00+08:00"})
    assert "X-Clock-Left-Ahead" not in r.headers  # nobody past it: every clock moved
    assert {s["clock"]["now"][:4] for s in ok(r)} == {"2041"}


# --------------------------------------------------------------------------------------------- usage
def test_usage_of_one_day(server: Server) -> None:
    a = server.new_account(free_quota=1)
    name = a["name"]
    ok(post(server, f"/accounts/{name}/clock/freeze", {"at": T0}))
    ok(post(server, f"/accounts/{name}/top-up", {"amount": "1"}))  # midnight's bill is paid: no suspension
    for _ in range(3):  # the first is free, two are paid
        smtp_send(
            server.endpoints.smtp_port,
            a["sender"],
            a["smtp_password"],
            message(a["sender"], ["x@example.com"]),
        )
    ok(post(server, f"/accounts/{name}/clock/set", {"to": "2031-05-06T09:00:00+08:00"}))
    smtp_send(
        server.endpoints.smtp_port, a["sender"], a["smtp_password"], message(a["sender"], ["x@example.com"])
    )
    usage = f"/accounts/{name}/usage"
    assert ok(server.admin("GET", usage, params={"day": "2031-05-05"})) == [
        {"day": "2031-05-05", "free_units": 1, "paid_units": 2, "cost": "0.000560", "cost_micro": 560}
    ]
    assert ok(server.admin("GET", usage, params={"day": "2031-05-06"}))[0]["paid_units"] == 1
    assert ok(server.admin("GET", usage, params={"day": "2031-05-07"})) == [
        {"day": "2031-05-07", "free_units": 0, "paid_units": 0, "cost": "0.000000", "cost_micro": 0}
    ]
    assert [u["day"] for u in ok(server.admin("GET", usage))] == ["2031-05-05", "2031-05-06"]
    for bad in ("2031-02-30", "20310505", "yesterday"):
        refused(server.admin("GET", usage, params={"day": bad}), 400, "InvalidParameterValue")


# ----------------------------------------------------------------------------------------------- IPs
def test_each_ip_lists_its_enabled_periods(server: Server, account: dict[str, Any]) -> None:
    name = account["name"]
    ok(post(server, f"/accounts/{name}/clock/freeze", {"at": T0}))
    ok(post(server, "/ips/stock", {"count": 1}))
    ip = ok(post(server, f"/accounts/{name}/ips"))
    assert ip["status"] == "enabled" and ip["enabled_periods"] == [{"start": T0, "end": None}]

    def step(action: str, hours: int) -> dict[str, Any]:
        ok(post(server, f"/accounts/{name}/clock/advance", {"seconds": hours * 3600}))
        return dict(ok(post(server, f"/accounts/{name}/ips/{ip['id']}/{action}")))

    assert step("disable", 1)["enabled_periods"] == [{"start": T0, "end": "2031-05-05T11:00:00+08:00"}]
    assert step("enable", 2)["enabled_periods"] == [
        {"start": T0, "end": "2031-05-05T11:00:00+08:00"},
        {"start": "2031-05-05T13:00:00+08:00", "end": None},
    ]
    released = step("release", 3)
    assert released["enabled_periods"][-1] == {
        "start": "2031-05-05T13:00:00+08:00",
        "end": "2031-05-05T16:00:00+08:00",
    }
    # the last enable/disable fields stay as they were, the periods hold the whole history
    assert (released["enabled_at"], released["disabled_at"]) == (
        "2031-05-05T13:00:00+08:00",
        "2031-05-05T16:00:00+08:00",
    )
    [listed] = ok(server.admin("GET", f"/accounts/{name}/ips"))["ips"]
    assert listed["enabled_periods"] == released["enabled_periods"]


# --------------------------------------------------------------------------------------------- money
@pytest.mark.parametrize(
    ("amount", "micro"),
    [("12.34", 12_340_000), ("0.000001", 1), ("7", 7_000_000), (2, 2_000_000), (0.1, 100_000),
     (12.345678, 12_345_678), (1000000.5, 1_000_000_500_000)],
)  # fmt: skip
def test_money_as_a_decimal_string_or_an_exact_json_number(
    server: Server, account: dict[str, Any], amount: Any, micro: int
) -> None:
    s = ok(post(server, f"/accounts/{account['name']}/top-up", {"amount": amount}))
    assert s["balance_micro"] == micro


@pytest.mark.parametrize(
    ("amount", "code", "says"),
    [(12.3456789, "InvalidParameterValue", "decimal string"), (1e-7, "InvalidParameterValue", "decimal string"),
     (0.1 + 0.2, "InvalidParameterValue", "not an exact amount"), (1e20, "InvalidParameterValue", "decimal string"),
     ("1e2", "InvalidParameterValue", "no exponent"), ("-5", "InvalidParameterValue", "negative"),
     ("+5", "InvalidParameterValue", "decimal string"), (" 5", "InvalidParameterValue", "decimal string"),
     ("1.0000001", "InvalidParameterValue", "six decimals"), ("NaN", "InvalidParameterValue", "decimal string"),
     ("0", "InvalidParameterValue", "positive"), (True, "InvalidParameter", "decimal string"),
     ([1], "InvalidParameter", "decimal string"), ({"usd": 1}, "InvalidParameter", "decimal string")],
)  # fmt: skip
def test_inexact_or_malformed_money_is_refused_with_the_rule(
    server: Server, account: dict[str, Any], amount: Any, code: str, says: str
) -> None:
    assert says in refused(post(server, f"/accounts/{account['name']}/top-up", {"amount": amount}), 400, code)
    assert server.state(account["name"])["balance_micro"] == 0


def test_threshold_money_takes_zero_but_not_negative(server: Server, account: dict[str, Any]) -> None:
    path = f"/accounts/{account['name']}/notices/settings"
    assert (
        ok(server.admin("PUT", path, json={"low_balance_threshold": 0.25}))["low_balance_threshold_micro"]
        == 250_000
    )
    assert (
        ok(server.admin("PUT", path, json={"low_balance_threshold": "0"}))["low_balance_threshold_micro"] == 0
    )
    refused(server.admin("PUT", path, json={"low_balance_threshold": "-0.01"}), 400, "InvalidParameterValue")
