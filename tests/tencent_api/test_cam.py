"""CAM sub-users and temporary credentials through the official Python SDK (and one Node SDK call), on
SQLite and PostgreSQL: a sub-user's key does what its policy allows, a call outside it answers
AuthFailure.UnauthorizedOperation and changes nothing, deny wins, the Billing API is covered too; the
SDKs' Credential(id, key, token) works with a token from the admin API, and a wrong, missing or
expired token answers AuthFailure.TokenFailure."""

from __future__ import annotations

import base64
import shutil
import time
from typing import Any

import pytest
from tencentcloud.billing.v20180709 import billing_client
from tencentcloud.billing.v20180709 import models as billing_models
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.ses.v20201002 import ses_client

from tests.clients import call, node_call, node_missing
from tests.conftest import IN_CI, Server

SEND_ONLY = {
    "version": "2.0",
    "statement": [{"effect": "allow", "action": ["ses:SendEmail"], "resource": ["*"]}],
}


def client(
    server: Server, secret_id: str, secret_key: str, token: str | None = None, **profile: Any
) -> ses_client.SesClient:
    hp = HttpProfile(
        protocol="http", endpoint=server.endpoints.api_endpoint, reqMethod=profile.pop("reqMethod", "POST")
    )
    cred = credential.Credential(secret_id, secret_key, token)
    return ses_client.SesClient(cred, "ap-guangzhou", ClientProfile(httpProfile=hp, **profile))


def billing(server: Server, secret_id: str, secret_key: str) -> billing_client.BillingClient:
    hp = HttpProfile(protocol="http", endpoint=server.endpoints.api_endpoint)
    return billing_client.BillingClient(
        credential.Credential(secret_id, secret_key), "", ClientProfile(httpProfile=hp)
    )


def error(fn: Any) -> TencentCloudSDKException:
    with pytest.raises(TencentCloudSDKException) as info:
        fn()
    assert info.value.get_request_id(), str(info.value)
    return info.value


def sub_user(server: Server, account: dict[str, Any], name: str, policy: Any = None) -> dict[str, Any]:
    r = server.admin("POST", f"/accounts/{account['name']}/sub-users", json={"name": name, "policy": policy})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    key = body["keys"][0]
    return {**body, "secret_id": key["secret_id"], "secret_key": key["secret_key"]}


def session(server: Server, account: dict[str, Any], **body: Any) -> dict[str, Any]:
    r = server.admin("POST", f"/accounts/{account['name']}/sessions", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def send(c: ses_client.SesClient, account: dict[str, Any], to: str = "r@example.com") -> str:
    simple = {"Text": base64.b64encode(b"hello").decode()}
    resp = call(
        c, "SendEmail", FromEmailAddress=account["sender"], Destination=[to], Subject="s", Simple=simple
    )
    return str(resp.MessageId)


def template_count(server: Server, account: dict[str, Any]) -> int:
    root = client(server, account["secret_id"], account["secret_key"])
    return int(call(root, "ListEmailTemplates", Offset=0, Limit=100).TotalCount)


def test_sub_user_does_what_its_policy_allows_and_nothing_else(
    server: Server, account: dict[str, Any]
) -> None:
    u = sub_user(server, account, "sender-bot", SEND_ONLY)
    assert u["policy"] == SEND_ONLY and u["uin"].isdigit() and u["keys"][0]["secret_key"]
    c = client(server, u["secret_id"], u["secret_key"])
    mid = send(c, account)
    assert (
        server.admin("GET", f"/accounts/{account['name']}/messages/{mid}").status_code == 200
    )  # in the account
    exc = error(lambda: call(c, "ListEmailTemplates", Offset=0, Limit=10))
    assert exc.get_code() == "AuthFailure.UnauthorizedOperation"
    assert "(ses:ListEmailTemplates)" in exc.get_message() and "操作未授权" in exc.get_message()
    before = template_count(server, account)
    content = {"Text": base64.b64encode(b"x").decode()}
    exc = error(lambda: call(c, "CreateEmailTemplate", TemplateName="t", TemplateContent=content))
    assert exc.get_code() == "AuthFailure.UnauthorizedOperation"
    assert template_count(server, account) == before  # the refusal changed nothing
    en = client(server, u["secret_id"], u["secret_key"], language="en-US")
    msg = error(lambda: call(en, "GetEmailTemplate", TemplateID=1)).get_message()
    assert msg.startswith("You are not authorized to perform this operation. Check your CAM policies")
    # the Billing API is covered too: a SES-only policy does not reach it
    b = billing(server, u["secret_id"], u["secret_key"])
    exc = error(lambda: b.DescribeAccountBalance(billing_models.DescribeAccountBalanceRequest()))
    assert (
        exc.get_code() == "AuthFailure.UnauthorizedOperation"
        and "(billing:DescribeAccountBalance)" in exc.get_message()
    )


def test_deny_wins_no_policy_denies_and_changes_apply_at_once(
    server: Server, account: dict[str, Any]
) -> None:
    u = sub_user(server, account, "nobody")
    assert u["policy"] is None
    c = client(server, u["secret_id"], u["secret_key"])
    for action, params in (("SendEmail", None), ("ListEmailIdentities", {})):
        fn = (lambda: send(c, account)) if params is None else (lambda a=action: call(c, a))
        assert error(fn).get_code() == "AuthFailure.UnauthorizedOperation"
    policy = {
        "version": "2.0",
        "statement": [
            {"effect": "allow", "action": "ses:*", "resource": "*"},
            {"effect": "deny", "action": ["ses:Delete*"], "resource": ["qcs::ses:::*"]},
            {"effect": "allow", "action": "billing:Describe*", "resource": "*"},
        ],
    }
    r = server.admin("PUT", f"/accounts/{account['name']}/sub-users/nobody/policy", json={"policy": policy})
    assert r.status_code == 200 and r.json()["policy"]["statement"][1]["effect"] == "deny", r.text
    tid = call(c, "CreateEmailTemplate", TemplateName="kept", TemplateContent={"Text": "eA=="}).TemplateID
    exc = error(lambda: call(c, "DeleteEmailTemplate", TemplateID=tid))
    assert exc.get_code() == "AuthFailure.UnauthorizedOperation"  # allowed by ses:*, denied by ses:Delete*
    assert call(c, "GetEmailTemplate", TemplateID=tid).TemplateName == "kept"  # still there
    balance = billing(server, u["secret_id"], u["secret_key"]).DescribeAccountBalance(
        billing_models.DescribeAccountBalanceRequest()
    )
    assert balance.Balance == 0
    # removing the sub-user stops its key at once
    assert server.admin("DELETE", f"/accounts/{account['name']}/sub-users/nobody").status_code == 204
    assert (
        error(lambda: call(c, "ListEmailTemplates", Offset=0, Limit=1)).get_code()
        == "AuthFailure.SecretIdNotFound"
    )


def test_sub_user_keys_and_admin_errors(server: Server, account: dict[str, Any]) -> None:
    base = f"/accounts/{account['name']}/sub-users"
    u = sub_user(server, account, "ops", SEND_ONLY)
    second = server.admin("POST", f"{base}/ops/keys")
    assert second.status_code == 201 and len(second.json()["keys"]) == 2
    new_key = next(k for k in second.json()["keys"] if k["secret_key"])
    assert [k["secret_key"] for k in second.json()["keys"]].count(None) == 1  # old secrets never shown again
    send(client(server, new_key["secret_id"], new_key["secret_key"]), account)
    third = server.admin("POST", f"{base}/ops/keys")
    assert third.status_code == 429 and third.json()["code"] == "LimitExceeded", third.text
    listed = server.admin("GET", base).json()
    assert [x["name"] for x in listed] == ["ops"] and all(k["secret_key"] is None for k in listed[0]["keys"])
    gone = server.admin("DELETE", f"{base}/ops/keys/{u['secret_id']}")
    assert gone.status_code == 200 and len(gone.json()["keys"]) == 1
    c = client(server, u["secret_id"], u["secret_key"])
    assert error(lambda: send(c, account)).get_code() == "AuthFailure.SecretIdNotFound"
    assert server.admin("POST", base, json={"name": "ops"}).status_code == 409
    bad = server.admin("POST", base, json={"name": "x", "policy": {"version": "2.0", "statement": []}})
    assert bad.status_code == 400 and "invalid CAM policy" in bad.json()["message"], bad.text
    assert server.admin("POST", base, json={"name": "bad name!"}).status_code == 400
    assert server.admin("GET", f"{base}/missing").status_code == 404
    assert server.admin("GET", base).json()[0]["name"] == "ops"  # the refused creations made nothing


def test_temporary_credentials_with_the_python_sdk(server: Server, account: dict[str, Any]) -> None:
    s = session(server, account, duration_seconds=600)
    cred = s["Credentials"]
    assert s["ExpiredTime"] - time.time() == pytest.approx(600, abs=30) and s["Expiration"].endswith("Z")
    for profile in ({}, {"reqMethod": "GET"}, {"signMethod": "HmacSHA256"}):  # X-TC-Token, and v1's Token
        c = client(server, cred["TmpSecretId"], cred["TmpSecretKey"], cred["Token"], **profile)
        assert call(c, "ListEmailTemplates", Offset=0, Limit=1).RequestId
    send(client(server, cred["TmpSecretId"], cred["TmpSecretKey"], cred["Token"]), account)
    for token in (cred["Token"] + "x", None):
        c = client(server, cred["TmpSecretId"], cred["TmpSecretKey"], token, language="en-US")
        exc = error(lambda c=c: call(c, "ListEmailTemplates", Offset=0, Limit=1))
        assert exc.get_code() == "AuthFailure.TokenFailure"
        assert exc.get_message().startswith(
            "Token verification failed, please check if your Token is correct"
        )
    # a permanent key ignores a token (the emulator's long-standing behaviour; see docs/cam.md)
    c = client(server, account["secret_id"], account["secret_key"], "not-a-session-token")
    assert call(c, "ListEmailTemplates", Offset=0, Limit=1).RequestId
    # the right token but the wrong key: the signature fails first
    c = client(server, cred["TmpSecretId"], account["secret_key"], cred["Token"])
    assert (
        error(lambda: call(c, "ListEmailTemplates", Offset=0, Limit=1)).get_code()
        == "AuthFailure.SignatureFailure"
    )


def test_expired_token_is_refused_on_the_wall_clock(server: Server, account: dict[str, Any]) -> None:
    short = session(server, account, duration_seconds=1)["Credentials"]
    c = client(server, short["TmpSecretId"], short["TmpSecretKey"], short["Token"])
    # moving the account's clock does not expire a token ...
    assert (
        server.admin(
            "POST", f"/accounts/{account['name']}/clock/advance", json={"duration": "30d"}
        ).status_code
        == 200
    )
    assert call(c, "ListEmailTemplates", Offset=0, Limit=1).RequestId
    time.sleep(1.2)  # ... real time does
    before = len(server.admin("GET", f"/accounts/{account['name']}/messages").json()["messages"])
    exc = error(lambda: send(c, account))
    assert exc.get_code() == "AuthFailure.TokenFailure" and "expired" in exc.get_message()
    assert len(server.admin("GET", f"/accounts/{account['name']}/messages").json()["messages"]) == before


def test_session_of_a_sub_user_keeps_its_policy_and_a_session_policy_narrows(
    server: Server, account: dict[str, Any]
) -> None:
    everything = {"version": "2.0", "statement": [{"effect": "allow", "action": "ses:*", "resource": "*"}]}
    sub_user(server, account, "app", everything)
    s = session(server, account, sub_user="app", policy=SEND_ONLY)["Credentials"]
    c = client(server, s["TmpSecretId"], s["TmpSecretKey"], s["Token"])
    send(c, account)
    assert error(lambda: call(c, "ListEmailTemplates", Offset=0, Limit=1)).get_code() == (
        "AuthFailure.UnauthorizedOperation"
    )
    missing = server.admin("POST", f"/accounts/{account['name']}/sessions", json={"sub_user": "ghost"})
    assert missing.status_code == 404
    too_long = server.admin("POST", f"/accounts/{account['name']}/sessions", json={"duration_seconds": 43201})
    assert too_long.status_code == 400


def test_node_sdk_with_a_token(server: Server, account: dict[str, Any]) -> None:
    reason = node_missing()
    if reason:
        if IN_CI and shutil.which("node"):
            pytest.fail(reason)
        pytest.skip(reason)
    cred = session(server, account)["Credentials"]
    who = {"secret_id": cred["TmpSecretId"], "secret_key": cred["TmpSecretKey"]}
    ok = node_call(server, who, "ListEmailTemplates", spec={"token": cred["Token"]}, Offset=0, Limit=1)
    assert ok["ok"], ok
    bad = node_call(server, who, "ListEmailTemplates", spec={"token": "wrong"}, Offset=0, Limit=1)
    assert not bad["ok"] and bad["code"] == "AuthFailure.TokenFailure", bad


def test_relaxed_signatures_still_apply_a_sub_users_policy(make_server: Any) -> None:
    srv = make_server("sqlite", signature_check="relaxed")
    acct = srv.new_account()
    u = sub_user(srv, acct, "bot", SEND_ONLY)
    c = client(srv, u["secret_id"], "any-key-at-all-is-accepted", "any-token")  # neither is checked
    send(c, acct)
    exc = error(lambda: call(c, "ListEmailTemplates", Offset=0, Limit=1))
    assert exc.get_code() == "AuthFailure.UnauthorizedOperation"
