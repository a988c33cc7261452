"""Billing as worked examples (behaviour §2, §5). Each test reads like an exercise:
given a balance and some sends on a day, move the clock, expect exact bills, ledger and state."""

from __future__ import annotations

import json
import smtplib
from pathlib import Path
from typing import Any

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from emulator.domain.clock import FixedWallClock
from tests.clients import call, message, sdk, smtp_send
from tests.conftest import start_server


def _sdk(server: Any, a: dict[str, Any]) -> Any:
    return sdk(server.endpoints.api_endpoint, a["secret_id"], a["secret_key"])


def _template(server: Any, a: dict[str, Any]) -> int:
    return int(
        call(
            _sdk(server, a), "CreateEmailTemplate", TemplateName="t", TemplateContent={"Text": "aGk="}
        ).TemplateID
    )


def _send_api(server: Any, a: dict[str, Any], tid: int, recipients: int, tag: str = "r") -> None:
    c = _sdk(server, a)
    for start in range(0, recipients, 50):
        to = [f"{tag}{i}@example.com" for i in range(start, min(start + 50, recipients))]
        call(
            c,
            "SendEmail",
            FromEmailAddress=a["sender"],
            Destination=to,
            Subject="s",
            Template={"TemplateID": tid, "TemplateData": "{}"},
        )


def _at(server: Any, a: dict[str, Any], when: str) -> dict[str, Any]:
    r = server.admin("POST", f"/accounts/{a['name']}/clock/advance", json={"to": when})
    assert r.status_code == 200, r.text
    return dict(r.json())


def _bills(server: Any, a: dict[str, Any], **params: Any) -> list[dict[str, Any]]:
    return list(server.admin("GET", f"/accounts/{a['name']}/bills", params=params).json())


def _frozen_account(server: Any, when: str = "2031-01-05T10:00:00+08:00") -> dict[str, Any]:
    a = server.new_account()
    server.admin("POST", f"/accounts/{a['name']}/clock/freeze")
    _at(server, a, when)
    return a


def test_one_paid_email_unpaid_suspends_then_top_ups_resume(server: Any) -> None:
    """Balance 0, 1,001 recipients on 5 Jan; advance to 6 Jan 00:00:01 → bill 0.00028 USD unpaid,
    suspended. Every send is refused in Tencent's form; a too-small top-up changes nothing; the exact
    top-up pays the bill and the account resumes at once."""
    a = _frozen_account(server)
    tid = _template(server, a)
    _send_api(server, a, tid, 1001)
    s = server.state(a["name"])
    assert (s["free_left"], s["paid_units"]) == (0, 1)

    s = _at(server, a, "2031-01-06T00:00:01+08:00")
    assert s["suspended"] and s["suspended_reason"] == "arrears"
    assert s["suspended_at"].startswith("2031-01-06T00:00:00")
    assert s["unpaid"] == "0.000280"
    [bill] = _bills(server, a)
    assert (bill["period"], bill["units"], bill["unit_price"], bill["amount"], bill["status"]) == (
        "2031-01-05",
        1,
        "0.000280",
        "0.000280",
        "unpaid",
    )

    # refused everywhere, nothing stored or metered
    with pytest.raises(TencentCloudSDKException) as err:
        _send_api(server, a, tid, 1, tag="late")
    assert err.value.get_code() == "FailedOperation.InsufficientBalance"
    with pytest.raises(smtplib.SMTPSenderRefused) as smtp_err:
        smtp_send(
            server.endpoints.smtp_port,
            a["sender"],
            a["smtp_password"],
            message(a["sender"], ["x@example.com"]),
        )
    assert smtp_err.value.smtp_code == 554
    reply = smtp_err.value.smtp_error.decode()
    assert reply.startswith("5.0.0 Error: transaction failed, blame it on the weather: ##SES-response-json: ")
    payload = json.loads(reply.split("##SES-response-json: ", 1)[1])
    assert payload["Response"]["QcloudError"]["Error"]["Code"] == "FailedOperation.InsufficientBalance"
    s = server.state(a["name"])
    assert (s["free_used"], s["paid_units"]) == (1000, 1)
    assert (
        server.admin("GET", f"/accounts/{a['name']}/messages", params={"source": "api"}).json()["total"] == 21
    )
    # besides the 21 sends, the owner's two notices (deduction failed, suspended): docs/notices.md
    assert server.admin("GET", f"/accounts/{a['name']}/messages").json()["total"] == 21 + 2
    # reads still work, including the status of earlier mail
    status = call(_sdk(server, a), "GetSendEmailStatus", RequestDate="2031-01-05", Offset=0, Limit=100)
    assert len(status.EmailStatusList) == 100
    assert call(_sdk(server, a), "ListEmailTemplates", Offset=0, Limit=10).TotalCount == 1

    # a top-up too small to cover the bill: still suspended, bill unpaid
    s = server.admin("POST", f"/accounts/{a['name']}/top-up", json={"amount": "0.0001"}).json()
    assert s["suspended"] and s["balance"] == "0.000100"
    assert _bills(server, a, status="unpaid")[0]["amount"] == "0.000280"
    # the exact rest: paid in full, resumed at once
    s = server.admin("POST", f"/accounts/{a['name']}/top-up", json={"amount": "0.00018"}).json()
    assert not s["suspended"] and s["balance"] == "0.000000" and s["unpaid"] == "0.000000"
    [bill] = _bills(server, a)
    assert bill["status"] == "paid" and bill["paid_at"].startswith("2031-01-06T00:00:01")
    ledger = server.admin("GET", f"/accounts/{a['name']}/ledger").json()
    assert [(e["kind"], e["amount_micro"]) for e in ledger] == [
        ("topup", 100),
        ("topup", 180),
        ("settlement", -280),
    ]
    _send_api(server, a, tid, 1, tag="after")  # sends again


def test_paid_at_midnight_when_balance_covers(server: Any) -> None:
    """Balance 1 USD, 1,010 recipients on 5 Jan → at 6 Jan 00:00 a bill of 0.0028 USD is charged."""
    a = _frozen_account(server)
    server.admin("POST", f"/accounts/{a['name']}/top-up", json={"amount": "1"})
    tid = _template(server, a)
    _send_api(server, a, tid, 1010)
    s = _at(server, a, "2031-01-05T23:59:59+08:00")
    assert _bills(server, a) == [] and not s["suspended"]
    s = _at(server, a, "2031-01-06T00:00:00+08:00")
    [bill] = _bills(server, a)
    assert (bill["units"], bill["amount"], bill["status"]) == (10, "0.002800", "paid")
    assert s["balance"] == "0.997200" and not s["suspended"]
    ledger = server.admin("GET", f"/accounts/{a['name']}/ledger").json()
    assert [(e["kind"], e["amount"]) for e in ledger] == [("topup", "1.000000"), ("charge", "-0.002800")]


def test_day_boundaries_are_utc_plus_8(server: Any) -> None:
    """A send at 23:30 UTC on 5 Jan is 07:30 on 6 Jan in Beijing: it belongs to 6 Jan."""
    a = _frozen_account(server, "2031-01-05T23:30:00+00:00")
    tid = _template(server, a)
    _send_api(server, a, tid, 3)
    usage = server.admin("GET", f"/accounts/{a['name']}/usage").json()
    assert [(u["day"], u["free_units"]) for u in usage] == [("2031-01-06", 3)]


def test_multi_day_advance_in_one_call_and_zero_bills(server: Any) -> None:
    """Free-only usage on 5 Jan gives a zero bill (recorded, paid, no suspension); paid usage on 6 Jan
    with balance 0 is billed when a single call moves the clock from 6 Jan to 9 Jan, in order."""
    a = _frozen_account(server)
    tid = _template(server, a)
    _send_api(server, a, tid, 990)
    s = _at(server, a, "2031-01-06T09:00:00+08:00")
    [zero] = _bills(server, a)
    assert (zero["period"], zero["amount"], zero["status"]) == ("2031-01-05", "0.000000", "paid")
    assert not s["suspended"]
    _send_api(server, a, tid, 13, tag="d6")  # 10 free, 3 paid
    s = server.admin("POST", f"/accounts/{a['name']}/clock/advance", json={"duration": "3d"}).json()
    bills = _bills(server, a)
    assert [(b["period"], b["units"], b["amount"], b["status"]) for b in bills] == [
        ("2031-01-05", 0, "0.000000", "paid"),
        ("2031-01-06", 3, "0.000840", "unpaid"),
    ]
    assert s["suspended"] and s["suspended_at"].startswith("2031-01-07T00:00:00")
    # moving again never bills a period twice
    server.admin("POST", f"/accounts/{a['name']}/clock/advance", json={"duration": "1h"})
    assert len(_bills(server, a)) == 2


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_global_advance_moves_every_clock_and_bills_each(make_server: Any, backend: str) -> None:
    # a server of its own: on the shared one the move would also move every other test's accounts (and
    # take as long as there are of them)
    server = make_server(backend)
    a = _frozen_account(server)
    b = _frozen_account(server)
    tid_a, tid_b = _template(server, a), _template(server, b)
    _send_api(server, a, tid_a, 1001)
    _send_api(server, b, tid_b, 5)
    r = server.admin("POST", "/clock/advance", json={"duration": "1d"})
    assert r.status_code == 200
    assert server.state(a["name"])["suspended"] and not server.state(b["name"])["suspended"]
    assert [x["amount"] for x in _bills(server, b)] == ["0.000000"]


def test_manual_suspend_and_resume(server: Any, account: dict[str, Any]) -> None:
    name = account["name"]
    s = server.admin("POST", f"/accounts/{name}/suspend").json()
    assert s["suspended"] and s["suspended_reason"] == "manual"
    with pytest.raises(TencentCloudSDKException) as err:
        _send_api(server, account, _template(server, account), 1)
    assert err.value.get_code() == "FailedOperation.InsufficientBalance"
    s = server.admin("POST", f"/accounts/{name}/resume").json()
    assert not s["suspended"]


def test_resume_refused_while_in_arrears(server: Any) -> None:
    a = _frozen_account(server)
    _send_api(server, a, _template(server, a), 1001)
    _at(server, a, "2031-01-06T00:00:01+08:00")
    r = server.admin("POST", f"/accounts/{a['name']}/resume")
    assert r.status_code == 409 and "top up" in r.json()["message"]
    assert server.state(a["name"])["suspended"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_restart_catch_up_runs_missed_settlements_once(tmp_path: Path, backend: str) -> None:
    """The server is down over two midnights: at start-up both days are settled, in order, once."""
    from datetime import datetime, timedelta, timezone

    from emulator.domain.clock import from_datetime

    t0 = from_datetime(datetime(2031, 1, 5, 23, 0, tzinfo=timezone(timedelta(hours=8))))
    wall = FixedWallClock(t0)
    srv, schema = start_server(tmp_path, backend, wall)
    try:
        a = srv.new_account(free_quota=0)
        srv.admin("POST", f"/accounts/{a['name']}/top-up", json={"amount": "0.00028"})
        # the account clock follows the (fixed) wall clock: 5 Jan 23:00; SMTP needs no fresh signature
        smtp_send(
            srv.endpoints.smtp_port, a["sender"], a["smtp_password"], message(a["sender"], ["x@example.com"])
        )
        srv.emulator.stop_thread()
        srv.close()
        wall.set(t0 + 2 * 86_400 * 1_000_000)  # down for two days
        settings = srv.emulator.settings
        from emulator.bootstrap import Emulator
        from tests.conftest import Server

        em2 = Emulator(settings, wall)
        srv2 = Server(em2, em2.start_in_thread())
        try:
            bills = _bills(srv2, a)
            assert [(b["period"], b["amount"], b["status"]) for b in bills] == [
                ("2031-01-05", "0.000280", "paid")
            ]
            assert not srv2.state(a["name"])["suspended"]
            em2.core.scheduler.run_all()
            assert len(_bills(srv2, a)) == 1
        finally:
            srv2.close()
            em2.stop_thread()
    finally:
        if schema:
            schema.drop()
