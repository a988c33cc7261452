"""Sending limits (behaviour §9): off by default, switched on per account or globally, each hit with
Tencent's code — over the official SDK and over SMTP."""

from __future__ import annotations

import smtplib
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from tests.clients import call, insecure_tls, message
from tests.conftest import Server
from tests.tencent_api.ses_helpers import admin_ok, api, api_error, b64, client, send, send_error

DEFAULTS = {
    "recipient_hourly": {"enabled": False, "limit": 10},
    "api_rate": {"enabled": False, "per_second": 20},
    "domain_daily_cap": {"enabled": False},
    "daily_total": {"enabled": False, "limit": 300000},
}

SANDBOX_SWITCHES = {"simple_sending": True, "smtp_checks": False, "profile": "sandbox"}  # docs/profiles.md


def limits(server: Server, account: dict[str, Any], patch: dict[str, Any] | None = None) -> dict[str, Any]:
    path = f"/accounts/{account['name']}/limits"
    return dict(
        admin_ok(server, "PATCH", path, json=patch) if patch is not None else admin_ok(server, "GET", path)
    )


def test_limits_are_off_by_default_and_patch_any_subset(server: Server, account: dict[str, Any]) -> None:
    assert limits(server, account) == {**DEFAULTS, **SANDBOX_SWITCHES}
    out = limits(server, account, {"recipient_hourly": {"enabled": True}, "daily_total": {"limit": 7}})
    assert out["recipient_hourly"] == {"enabled": True, "limit": 10}
    assert out["daily_total"] == {"enabled": False, "limit": 7}
    assert limits(server, account) == out
    # null removes the account's own value: the default shows through again
    assert limits(server, account, {"recipient_hourly": None, "daily_total": {"limit": None}}) == {
        **DEFAULTS,
        **SANDBOX_SWITCHES,
    }
    for bad in (
        {"nope": {}},
        {"api_rate": {"per_second": 0}},
        {"api_rate": {"enabled": "yes"}},
        {"simple_sending": 1},
    ):
        r = server.admin("PATCH", f"/accounts/{account['name']}/limits", json=bad)
        assert r.status_code == 400, (bad, r.text)
    assert limits(server, account)["api_rate"] == DEFAULTS["api_rate"]  # bad input changed nothing


def test_simple_sending_switched_off_answers_without_permission(
    server: Server, account: dict[str, Any]
) -> None:
    assert limits(server, account, {"simple_sending": False})["simple_sending"] is False
    assert send_error(server, account, ["a@example.com"]) == "FailedOperation.WithOutPermission"
    tid = api(
        server, account, "CreateEmailTemplate", TemplateName="t", TemplateContent={"Text": b64("Hi {{n}}")}
    )["TemplateID"]
    send(
        server,
        account,
        ["a@example.com"],
        Simple=None,
        Template={"TemplateID": tid, "TemplateData": '{"n": "Ann"}'},
    )
    limits(server, account, {"simple_sending": True})
    send(server, account, ["a@example.com"])


def test_recipient_hourly_limit(server: Server, account: dict[str, Any]) -> None:
    admin_ok(server, "POST", f"/accounts/{account['name']}/clock/freeze")
    limits(server, account, {"recipient_hourly": {"enabled": True, "limit": 3}})
    for _ in range(3):
        send(server, account, ["busy@example.com"])
    assert send_error(server, account, ["busy@example.com"]) == "FailedOperation.FrequencyLimit"
    assert (
        send_error(server, account, ["other@example.com", "BUSY@example.com"])
        == "FailedOperation.FrequencyLimit"
    )
    send(server, account, ["other@example.com"])
    admin_ok(server, "POST", f"/accounts/{account['name']}/clock/advance", json={"duration": "1h"})
    send(server, account, ["busy@example.com"])


def test_recipient_hourly_limit_is_exact_under_concurrency(server: Server, account: dict[str, Any]) -> None:
    admin_ok(server, "POST", f"/accounts/{account['name']}/clock/freeze")
    limits(server, account, {"recipient_hourly": {"enabled": True, "limit": 5}})

    def one(_: int) -> str:
        try:
            send(server, account, ["hot@example.com"])
            return "ok"
        except TencentCloudSDKException as exc:
            return str(exc.get_code())

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(one, range(24)))
    assert results.count("ok") == 5, results
    assert results.count("FailedOperation.FrequencyLimit") == 19, results


def test_account_daily_total_and_the_next_day(server: Server, account: dict[str, Any]) -> None:
    admin_ok(server, "POST", f"/accounts/{account['name']}/clock/freeze")
    limits(server, account, {"daily_total": {"enabled": True, "limit": 5}})
    send(server, account, ["a@example.com", "b@example.com", "c@example.com"])
    assert (
        send_error(server, account, ["d@example.com", "e@example.com", "f@example.com"])
        == "FailedOperation.ExceedSendLimit"
    )
    send(server, account, ["d@example.com", "e@example.com"])
    assert send_error(server, account, ["g@example.com"]) == "FailedOperation.ExceedSendLimit"
    admin_ok(server, "POST", f"/accounts/{account['name']}/clock/advance", json={"duration": "1d"})
    send(server, account, ["g@example.com"])


def test_domain_daily_cap_is_500_for_a_new_domain(server: Server, account: dict[str, Any]) -> None:
    admin_ok(server, "POST", f"/accounts/{account['name']}/clock/freeze")
    limits(server, account, {"domain_daily_cap": {"enabled": True}})
    for batch in range(10):
        send(server, account, [f"r{batch}-{i}@example.com" for i in range(50)])
    assert send_error(server, account, ["one-more@example.com"]) == "FailedOperation.ExceedSendLimit"
    # another sender domain of the same account has its own cap
    api(server, account, "CreateEmailIdentity", EmailIdentity="other.example.org")
    api(server, account, "CreateEmailAddress", EmailAddress="news@other.example.org")
    send(server, account, ["one-more@example.com"], FromEmailAddress="news@other.example.org")
    admin_ok(server, "POST", f"/accounts/{account['name']}/clock/advance", json={"duration": "1d"})
    send(server, account, ["one-more@example.com"])


def test_api_request_rate(server: Server, account: dict[str, Any]) -> None:
    limits(server, account, {"api_rate": {"enabled": True, "per_second": 3}})
    c = client(server, account)
    codes = []
    for _ in range(8):
        try:
            call(c, "ListEmailTemplates", Offset=0, Limit=10)
            codes.append("ok")
        except TencentCloudSDKException as exc:
            codes.append(str(exc.get_code()))
    assert codes[:3] == ["ok"] * 3 and "RequestLimitExceeded" in codes, codes
    call(c, "ListEmailAddress")  # another action has its own budget
    time.sleep(1.05)
    call(c, "ListEmailTemplates", Offset=0, Limit=10)
    limits(server, account, {"api_rate": {"enabled": False}})
    for _ in range(8):
        call(c, "ListEmailTemplates", Offset=0, Limit=10)


def test_smtp_rate_answers_smtp_rate_limit(server: Server, account: dict[str, Any]) -> None:
    limits(server, account, {"api_rate": {"enabled": True, "per_second": 2}})
    replies = []
    with smtplib.SMTP("127.0.0.1", server.endpoints.smtp_port, timeout=30) as s:
        s.starttls(context=insecure_tls())
        s.login(account["sender"], account["smtp_password"])
        for i in range(5):
            try:
                s.send_message(message(account["sender"], [f"u{i}@example.com"]))
                replies.append(250)
            except smtplib.SMTPDataError as exc:
                assert (
                    b"RequestLimitExceeded.SmtpRateLimit" in exc.smtp_error
                    and b"##SES-response-json" in exc.smtp_error
                )
                replies.append(exc.smtp_code)
    assert replies[:2] == [250, 250] and 554 in replies, replies


def test_global_defaults_apply_where_the_account_sets_nothing(make_server: Any) -> None:
    srv = make_server("sqlite")
    a, b = srv.new_account(), srv.new_account()
    assert admin_ok(srv, "GET", "/limits") == DEFAULTS
    out = admin_ok(srv, "PATCH", "/limits", json={"daily_total": {"enabled": True, "limit": 2}})
    assert out["daily_total"] == {"enabled": True, "limit": 2}
    assert "simple_sending" not in out
    assert srv.admin("PATCH", "/limits", json={"daily_total": {"limit": -1}}).status_code == 400
    admin_ok(srv, "PATCH", f"/accounts/{b['name']}/limits", json={"daily_total": {"enabled": False}})
    assert admin_ok(srv, "GET", f"/accounts/{a['name']}/limits")["daily_total"] == {
        "enabled": True,
        "limit": 2,
    }
    send(srv, a, ["x@example.com", "y@example.com"])
    assert send_error(srv, a, ["z@example.com"]) == "FailedOperation.ExceedSendLimit"
    send(srv, b, ["x@example.com", "y@example.com", "z@example.com"])
    assert (
        api_error(
            srv,
            a,
            "SendEmail",
            FromEmailAddress=a["sender"],
            Destination=["q@example.com"],
            Subject="s",
            Simple={"Text": b64("x")},
        )
        == "FailedOperation.ExceedSendLimit"
    )


@pytest.mark.parametrize("limit", ["recipient_hourly", "daily_total"])
def test_limits_refuse_over_smtp_in_tencent_form(server: Server, account: dict[str, Any], limit: str) -> None:
    limits(server, account, {limit: {"enabled": True, "limit": 1}})
    from tests.clients import smtp_send

    smtp_send(
        server.endpoints.smtp_port,
        account["sender"],
        account["smtp_password"],
        message(account["sender"], ["s@example.com"]),
    )
    with pytest.raises(smtplib.SMTPDataError) as info:
        smtp_send(
            server.endpoints.smtp_port,
            account["sender"],
            account["smtp_password"],
            message(account["sender"], ["s@example.com"]),
        )
    code = (
        b"FailedOperation.FrequencyLimit"
        if limit == "recipient_hourly"
        else b"FailedOperation.ExceedSendLimit"
    )
    assert info.value.smtp_code == 554 and code in info.value.smtp_error
