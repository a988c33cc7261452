"""smtplib against a live server: plain, STARTTLS, implicit TLS, AUTH PLAIN/LOGIN, refusals."""

from __future__ import annotations

import json
import smtplib
from typing import Any

import pytest

from tests.clients import insecure_tls, message, smtp_send


def _messages(server: Any, account: dict[str, Any]) -> list[dict[str, Any]]:
    r = server.admin("GET", f"/accounts/{account['name']}/messages")
    assert r.status_code == 200
    return list(r.json()["messages"])


@pytest.mark.parametrize("mode", ["starttls", "implicit"])
@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_authenticated_send_over_tls(server: Any, account: dict[str, Any], mode: str, mechanism: str) -> None:
    port = server.endpoints.smtp_port if mode == "starttls" else server.endpoints.smtps_port
    client: smtplib.SMTP
    if mode == "implicit":
        client = smtplib.SMTP_SSL("127.0.0.1", port, context=insecure_tls(), timeout=30)
    else:
        client = smtplib.SMTP("127.0.0.1", port, timeout=30)
    with client:
        if mode == "starttls":
            client.starttls(context=insecure_tls())
        client.ehlo()
        assert mechanism in client.esmtp_features["auth"]
        client.user, client.password = account["sender"], account["smtp_password"]
        code, _ = client.auth(mechanism, getattr(client, f"auth_{mechanism.lower()}"))
        assert code == 235
        msg = message(account["sender"], ["a@example.com", "b@example.com"], subject=f"{mode} {mechanism}")
        assert client.send_message(msg) == {}
    stored = _messages(server, account)
    assert [m["subject"] for m in stored] == [f"{mode} {mechanism}"]
    assert stored[0]["source"] == "smtp"
    assert server.state(account["name"])["free_left"] == 998


def test_size_is_advertised(server: Any) -> None:
    with smtplib.SMTP("127.0.0.1", server.endpoints.smtp_port, timeout=30) as c:
        c.ehlo()
        assert int(c.esmtp_features["size"]) == 4 * 1024 * 1024
        assert "starttls" in c.esmtp_features


def test_bad_password_is_535_and_nothing_stored(server: Any, account: dict[str, Any]) -> None:
    with pytest.raises(smtplib.SMTPAuthenticationError) as err:
        smtp_send(
            server.endpoints.smtp_port,
            account["sender"],
            "Wrong1234Password",
            message(account["sender"], ["x@example.com"]),
        )
    assert err.value.smtp_code == 535
    assert _messages(server, account) == []


def test_auth_required_by_default(server: Any, account: dict[str, Any]) -> None:
    with pytest.raises(smtplib.SMTPSenderRefused) as err:
        smtp_send(server.endpoints.smtp_port, None, None, message(account["sender"], ["x@example.com"]))
    assert err.value.smtp_code == 530


def test_auth_not_offered_without_tls(server: Any) -> None:
    with smtplib.SMTP("127.0.0.1", server.endpoints.smtp_port, timeout=30) as c:
        c.ehlo()
        assert "auth" not in c.esmtp_features


def test_other_accounts_password_cannot_send_as_this_sender(server: Any, account: dict[str, Any]) -> None:
    other = server.new_account(sender="ops@other.example.org")
    with pytest.raises(smtplib.SMTPSenderRefused) as err:
        smtp_send(
            server.endpoints.smtp_port,
            other["sender"],
            other["smtp_password"],
            message(account["sender"], ["x@example.com"]),
        )
    assert err.value.smtp_code == 554
    assert "FailedOperation.NotAuthenticatedSender" in err.value.smtp_error.decode()
    assert _messages(server, account) == [] and _messages(server, other) == []


def test_too_many_recipients_in_tencent_form(server: Any, account: dict[str, Any]) -> None:
    rcpts = [f"r{i}@example.com" for i in range(51)]
    refused = smtp_send(
        server.endpoints.smtp_port,
        account["sender"],
        account["smtp_password"],
        message(account["sender"], rcpts[:1]),
        rcpts=rcpts,
    )
    assert list(refused) == [rcpts[50]]
    code, text = refused[rcpts[50]]
    assert code == 554
    reply = text.decode()
    assert reply.startswith("5.0.0 Error: transaction failed, blame it on the weather: ##SES-response-json: ")
    body = json.loads(reply.split("##SES-response-json: ", 1)[1])
    assert body["Response"]["QcloudError"]["Error"]["Code"] == "FailedOperation.TooManyRecipients"
    assert server.state(account["name"])["free_left"] == 950


def test_oversized_message_refused_and_not_metered(server: Any, account: dict[str, Any]) -> None:
    msg = message(account["sender"], ["x@example.com"], body="x" * 100 + ("y" * 998 + "\n") * 4300)
    with pytest.raises(smtplib.SMTPException):
        smtp_send(server.endpoints.smtp_port, account["sender"], account["smtp_password"], msg)
    assert _messages(server, account) == []
    assert server.state(account["name"])["free_left"] == 1000


def test_distinct_recipients_metered_once(server: Any, account: dict[str, Any]) -> None:
    rcpts = ["same@example.com", "SAME@example.com", "other@example.com"]
    smtp_send(
        server.endpoints.smtp_port,
        account["sender"],
        account["smtp_password"],
        message(account["sender"], ["same@example.com"]),
        rcpts=rcpts,
    )
    assert server.state(account["name"])["free_left"] == 998


def test_any_credentials_mode_routes_by_envelope_sender(make_server: Any) -> None:
    srv = make_server("sqlite", smtp_auth="any")
    acct = srv.new_account(sender="app@shop.example.net")
    smtp_send(
        srv.endpoints.smtp_port, None, None, message("app@shop.example.net", ["x@example.com"]), mode="plain"
    )
    smtp_send(
        srv.endpoints.smtp_port,
        None,
        None,
        message("stranger@nowhere.example", ["y@example.com"]),
        mode="plain",
    )
    mine = srv.admin("GET", f"/accounts/{acct['name']}/messages").json()
    default = srv.admin("GET", "/accounts/default/messages").json()
    assert [m["recipients"] for m in mine["messages"]] == [["x@example.com"]]
    assert [m["recipients"] for m in default["messages"]] == [["y@example.com"]]
