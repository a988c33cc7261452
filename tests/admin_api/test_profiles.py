"""Account profiles (docs/profiles.md) through real servers: chosen at creation over the admin API, shown in
the account's JSON; `production` is template-only (the official SDK gets FailedOperation.WithOutPermission
for Simple until simple sending is granted), has the four limits of behaviour §9 on at Tencent's values
and the SMTP message checks on; `sandbox` is the lenient default; each switch changes alone afterwards;
SES_EMULATOR_DEFAULT_PROFILE picks the profile of accounts created without one, the default account's."""

from __future__ import annotations

from typing import Any

from tests.clients import message, smtp_send
from tests.conftest import Server
from tests.tencent_api.ses_helpers import admin_ok, api, api_error, b64, send, send_error

LIMITS_ON = {
    "recipient_hourly": {"enabled": True, "limit": 10},
    "api_rate": {"enabled": True, "per_second": 20},
    "domain_daily_cap": {"enabled": True},
    "daily_total": {"enabled": True, "limit": 300000},
}


def switches(server: Server, name: str) -> dict[str, Any]:
    return dict(admin_ok(server, "GET", f"/accounts/{name}/limits"))


def template(server: Server, acct: dict[str, Any]) -> int:
    return int(
        api(server, acct, "CreateEmailTemplate", TemplateName="t", TemplateContent={"Text": b64("Hi {{n}}")})[
            "TemplateID"
        ]
    )


def by_template(server: Server, acct: dict[str, Any], to: list[str], tid: int) -> str:
    return send(server, acct, to, Simple=None, Template={"TemplateID": tid, "TemplateData": '{"n": "Ada"}'})


def test_production_account_is_a_new_real_account(server: Server) -> None:
    acct = server.new_account(profile="production")
    state = server.state(acct["name"])
    assert (state["profile"], state["simple_sending"], state["smtp_checks"]) == ("production", False, True)
    assert switches(server, acct["name"]) == {
        **LIMITS_ON,
        "simple_sending": False,
        "smtp_checks": True,
        "profile": "production",
    }
    # template-only: the official SDK gets Tencent's code for a Simple body; nothing is stored
    assert send_error(server, acct, ["a@example.com"]) == "FailedOperation.WithOutPermission"
    tid = template(server, acct)
    mid = by_template(server, acct, ["a@example.com"], tid)
    assert [m["id"] for m in admin_ok(server, "GET", f"/accounts/{acct['name']}/messages")["messages"]] == [
        mid
    ]
    # the admin grants simple sending: one switch, the rest stays production
    out = admin_ok(server, "PATCH", f"/accounts/{acct['name']}/limits", json={"simple_sending": True})
    assert out == {**LIMITS_ON, "simple_sending": True, "smtp_checks": True, "profile": "production"}
    assert send(server, acct, ["b@example.com"]).startswith("qcloudses-30-")


def test_sandbox_is_the_default_and_lenient(server: Server) -> None:
    for acct in (server.new_account(), server.new_account(profile="sandbox")):
        state = server.state(acct["name"])
        assert (state["profile"], state["simple_sending"], state["smtp_checks"]) == ("sandbox", True, False)
        assert not any(v["enabled"] for k, v in switches(server, acct["name"]).items() if k in LIMITS_ON)
        assert send(server, acct, ["a@example.com"]).startswith("qcloudses-30-")
    assert server.state("default")["profile"] == "sandbox"


def test_an_unknown_profile_is_refused_and_creates_nothing(server: Server) -> None:
    count = len(admin_ok(server, "GET", "/accounts"))
    for bad in ("prod", "", "PRODUCTION"):
        r = server.admin("POST", "/accounts", json={"name": "bad-profile", "profile": bad})
        assert r.status_code == 400, (bad, r.text)
        assert r.json()["message"] == f"profile must be one of sandbox, production; got {bad!r}"
    r = server.admin("POST", "/accounts", json={"name": "bad-profile", "profile": 7})
    assert r.status_code in (400, 422) and "profile" in r.text, r.text
    assert len(admin_ok(server, "GET", "/accounts")) == count
    assert server.admin("GET", "/accounts/bad-profile").status_code == 404


def test_production_limits_bite_with_tencents_codes(server: Server) -> None:
    """Worked example, level-1 domain cap 500 a day and 10 mails an hour to one recipient: 10 template
    sends of 50 recipients fill the cap (500); the 11th send of one recipient is ExceedSendLimit. On a
    second production account, 10 SMTP mails to one address pass and the 11th is FrequencyLimit."""
    acct = server.new_account(profile="production")
    tid = template(server, acct)
    for batch in range(10):
        by_template(server, acct, [f"u{batch}-{i}@example.com" for i in range(50)], tid)
    assert (
        api_error(
            server,
            acct,
            "SendEmail",
            FromEmailAddress=acct["sender"],
            Destination=["one-more@example.com"],
            Subject="hi",
            Template={"TemplateID": tid, "TemplateData": "{}"},
        )
        == "FailedOperation.ExceedSendLimit"
    )
    usage = admin_ok(server, "GET", f"/accounts/{acct['name']}/usage")
    assert sum(d["free_units"] + d["paid_units"] for d in usage) == 500

    other = server.new_account(profile="production")
    for _ in range(10):
        smtp_send(server.endpoints.smtp_port, other["sender"], other["smtp_password"],
                  message(other["sender"], ["same@example.com"]))  # fmt: skip
    try:
        smtp_send(server.endpoints.smtp_port, other["sender"], other["smtp_password"],
                  message(other["sender"], ["same@example.com"]))  # fmt: skip
        raise AssertionError("the 11th mail of the hour to one recipient was accepted")
    except Exception as exc:  # noqa: BLE001 - smtplib's SMTPDataError carries the reply
        assert "FailedOperation.FrequencyLimit" in str(exc), exc


def test_each_switch_changes_alone(server: Server) -> None:
    acct = server.new_account(profile="production")
    name = acct["name"]
    admin_ok(server, "PATCH", f"/accounts/{name}/limits", json={"recipient_hourly": {"enabled": False}})
    admin_ok(server, "PATCH", f"/accounts/{name}/limits", json={"smtp_checks": False})
    got = switches(server, name)
    assert got["recipient_hourly"]["enabled"] is False and got["smtp_checks"] is False
    assert got["api_rate"]["enabled"] and got["domain_daily_cap"]["enabled"] and not got["simple_sending"]
    assert got["profile"] == "production"  # the profile is what it was created as, not a switch
    r = server.admin("PATCH", f"/accounts/{name}/limits", json={"profile": "sandbox"})
    assert r.status_code == 400 and "unknown limit 'profile'" in r.text
    assert server.state(name)["profile"] == "production"


def test_default_profile_setting_makes_production_accounts(make_server: Any) -> None:
    """SES_EMULATOR_DEFAULT_PROFILE=production: the default account and every account created without a
    profile are production; an explicit sandbox is still sandbox."""
    srv: Server = make_server("sqlite", default_profile="production")
    assert srv.state("default")["profile"] == "production"
    default = {"name": "default", "sender": "noreply@mail.example.com", "secret_id": srv.emulator.settings.default_secret_id,
               "secret_key": srv.emulator.settings.default_secret_key}  # fmt: skip
    assert send_error(srv, default, ["a@example.com"]) == "FailedOperation.WithOutPermission"
    assert srv.state(srv.new_account()["name"])["profile"] == "production"
    assert srv.state(srv.new_account(profile="sandbox")["name"])["profile"] == "sandbox"
