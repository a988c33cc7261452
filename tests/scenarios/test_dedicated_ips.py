"""Dedicated IPs through the admin API: stock, lead time, the 3-per-month limit, sends, monthly bills."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.clients import message, smtp_send


def _acct(server: Any, when: str = "2031-01-10T12:00:00+08:00") -> dict[str, Any]:
    a = server.new_account()
    server.admin("POST", f"/accounts/{a['name']}/clock/freeze")
    assert server.admin("POST", f"/accounts/{a['name']}/clock/advance", json={"to": when}).status_code == 200
    return a


def _to(server: Any, a: dict[str, Any], when: str) -> dict[str, Any]:
    r = server.admin("POST", f"/accounts/{a['name']}/clock/advance", json={"to": when})
    assert r.status_code == 200, r.text
    return dict(r.json())


def _ip_bills(server: Any, a: dict[str, Any]) -> list[dict[str, Any]]:
    return list(server.admin("GET", f"/accounts/{a['name']}/bills", params={"kind": "dedicated_ip"}).json())


def test_stock_ip_enabled_at_once_billed_on_the_1st_at_0800(server: Any) -> None:
    server.admin("POST", "/ips/stock", json={"count": 2})
    a = _acct(server)
    server.admin("POST", f"/accounts/{a['name']}/top-up", json={"amount": "100"})
    ip = server.admin("POST", f"/accounts/{a['name']}/ips").json()
    assert ip["status"] == "enabled" and ip["ip"].startswith(("203.0.113.", "198.18.", "198.19."))
    smtp_send(
        server.endpoints.smtp_port, a["sender"], a["smtp_password"], message(a["sender"], ["x@example.com"])
    )
    msg = server.admin("GET", f"/accounts/{a['name']}/messages").json()["messages"][0]
    assert msg["sending_ip"] == ip["ip"]
    _to(server, a, "2031-02-01T07:59:59+08:00")
    assert _ip_bills(server, a) == []
    s = _to(server, a, "2031-02-01T08:00:00+08:00")
    [bill] = _ip_bills(server, a)
    assert (bill["period"], bill["amount"], bill["status"]) == ("2031-01", "85.160000", "paid")
    assert bill["detail"]["ips"][0]["days_used"] == 22
    assert s["balance"] == "14.840000"


def test_failed_ip_charge_suspends_and_top_up_resumes(server: Any) -> None:
    server.admin("POST", "/ips/stock", json={"count": 1})
    a = _acct(server)
    server.admin("POST", f"/accounts/{a['name']}/ips")
    s = _to(server, a, "2031-02-01T08:00:00+08:00")
    assert s["suspended"] and s["unpaid"] == "85.160000"
    s = server.admin("POST", f"/accounts/{a['name']}/top-up", json={"amount": "85.16"}).json()
    assert not s["suspended"] and s["balance"] == "0.000000"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_pending_without_stock_costs_nothing_until_ready(make_server: Any, backend: str) -> None:
    srv = make_server(backend, dedicated_ip_stock=0, dedicated_ip_lead_days=20)
    a = _acct(srv)
    ip = srv.admin("POST", f"/accounts/{a['name']}/ips").json()
    assert ip["status"] == "pending" and ip["ip"] is None and ip["ready_at"].startswith("2031-01-30T12:00:00")
    _to(srv, a, "2031-01-30T11:59:59+08:00")
    assert srv.admin("GET", f"/accounts/{a['name']}/ips").json()["ips"][0]["status"] == "pending"
    _to(srv, a, "2031-02-01T08:00:00+08:00")
    ips = srv.admin("GET", f"/accounts/{a['name']}/ips").json()
    assert ips["ips"][0]["status"] == "enabled" and ips["ips"][0]["enabled_at"].startswith(
        "2031-01-30T12:00:00"
    )
    [bill] = _ip_bills(srv, a)
    assert bill["detail"]["ips"][0]["days_used"] == 2  # 30 and 31 Jan
    assert bill["amount"] == "7.740000"  # 120 × 2/31 = 7.7419 → 7.74


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_fourth_application_in_a_month_is_refused(make_server: Any, backend: str) -> None:
    srv = make_server(backend, dedicated_ip_stock=10)
    a = _acct(srv)
    ids = [srv.admin("POST", f"/accounts/{a['name']}/ips").json()["id"] for _ in range(3)]
    srv.admin("POST", f"/accounts/{a['name']}/ips/{ids[0]}/release")  # gives no application back
    r = srv.admin("POST", f"/accounts/{a['name']}/ips")
    assert r.status_code == 429
    assert "at most 3" in r.json()["message"] and "2031-02-01T00:00:00+08:00" in r.json()["message"]
    _to(srv, a, "2031-02-01T00:00:00+08:00")
    assert srv.admin("POST", f"/accounts/{a['name']}/ips").status_code == 201


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_disable_mid_february_and_reenable(make_server: Any, backend: str) -> None:
    srv = make_server(backend, dedicated_ip_stock=1)
    a = _acct(srv)
    ip = srv.admin("POST", f"/accounts/{a['name']}/ips").json()
    _to(srv, a, "2031-02-15T10:00:00+08:00")
    assert srv.admin("POST", f"/accounts/{a['name']}/ips/{ip['id']}/disable").json()["status"] == "disabled"
    _to(srv, a, "2031-03-01T08:00:00+08:00")
    feb = [b for b in _ip_bills(srv, a) if b["period"] == "2031-02"][0]
    assert feb["detail"]["ips"][0]["days_used"] == 15 and feb["amount"] == "64.290000"
    assert srv.admin("POST", f"/accounts/{a['name']}/ips/{ip['id']}/enable").json()["status"] == "enabled"
    assert srv.admin("POST", f"/accounts/{a['name']}/ips/{ip['id']}/enable").status_code == 409


def test_concurrent_applications_never_share_an_ip_nor_exceed_3(server: Any) -> None:
    server.admin("POST", "/ips/stock", json={"count": 3})
    a = _acct(server)
    results: list[int] = []

    def apply() -> None:
        results.append(server.admin("POST", f"/accounts/{a['name']}/ips").status_code)

    threads = [threading.Thread(target=apply) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201, 201, 201, 429, 429, 429]
    ips = [i["ip"] for i in server.admin("GET", f"/accounts/{a['name']}/ips").json()["ips"] if i["ip"]]
    assert len(ips) == len(set(ips))


def test_several_unpaid_bills_settle_oldest_first(server: Any) -> None:
    """31 Jan: one IP from stock and 1,001 recipients, balance 0. 1 Feb 00:00: usage bill 0.00028 unpaid
    (suspended); 08:00: IP bill 3.87 (1/31 × 120) unpaid. Top-ups pay the oldest first, each in full."""
    server.admin("POST", "/ips/stock", json={"count": 1})
    a = _acct(server, "2031-01-31T12:00:00+08:00")
    server.admin("POST", f"/accounts/{a['name']}/ips")
    from tests.scenarios.test_billing_worked_examples import _send_api, _template

    _send_api(server, a, _template(server, a), 1001)
    s = _to(server, a, "2031-02-01T08:00:00+08:00")
    bills = server.admin("GET", f"/accounts/{a['name']}/bills").json()
    assert [(b["kind"], b["amount"], b["status"]) for b in bills] == [
        ("usage", "0.000280", "unpaid"),
        ("dedicated_ip", "3.870000", "unpaid"),
    ]
    assert s["suspended"] and s["unpaid"] == "3.870280"
    top = lambda amount: server.admin("POST", f"/accounts/{a['name']}/top-up", json={"amount": amount}).json()  # noqa: E731
    s = top("0.0001")  # covers nothing: the oldest (0.00028) is not covered, so nothing is paid
    assert s["unpaid"] == "3.870280" and s["balance"] == "0.000100"
    s = top("0.00018")  # exactly the oldest
    assert s["suspended"] and s["unpaid"] == "3.870000" and s["balance"] == "0.000000"
    s = top("3.87")  # exactly the next: nothing unpaid, resumed at once
    assert not s["suspended"] and s["unpaid"] == "0.000000" and s["balance"] == "0.000000"
    ledger = server.admin("GET", f"/accounts/{a['name']}/ledger").json()
    assert [e["kind"] for e in ledger] == ["topup", "topup", "settlement", "topup", "settlement"]
