"""The official billing SDK (tencentcloud-sdk-python-billing, unmodified) pointed at a test server, and the
set-up steps the worked examples share: a frozen account clock, sends through the SES SDK, clock moves,
top-ups and dedicated IPs through the admin API."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from tencentcloud.billing.v20180709 import billing_client, models
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile

from tests.clients import call as ses_call
from tests.clients import sdk as ses_sdk
from tests.conftest import Server

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SERVED = (
    "DescribeAccountBalance",
    "DescribeBillList",
    "DescribeBillSummaryByProduct",
    "DescribeBillDetail",
    "DescribeDosageDetailByDate",
)


def billing(
    server: Server,
    account: dict[str, Any],
    secret_key: str | None = None,
    *,
    req_method: str = "POST",
    sign_method: str = "TC3-HMAC-SHA256",
    language: str = "zh-CN",
) -> billing_client.BillingClient:
    """A BillingClient for the account, its endpoint option pointed at the emulator (no region: the
    billing API does not take one)."""
    hp = HttpProfile(protocol="http", endpoint=server.endpoints.api_endpoint, reqMethod=req_method)
    profile = ClientProfile(signMethod=sign_method, httpProfile=hp, language=language)
    key = account["secret_key"] if secret_key is None else secret_key
    return billing_client.BillingClient(credential.Credential(account["secret_id"], key), "", profile)


def call(client: billing_client.BillingClient, action: str, **params: Any) -> dict[str, Any]:
    """One action through the SDK; the SDK's response model as a plain dict."""
    req = getattr(models, f"{action}Request")()
    req.from_json_string(json.dumps(params))
    resp = getattr(client, action)(req)
    return dict(json.loads(resp.to_json_string()))


def sdk_error(fn: Callable[[], Any]) -> TencentCloudSDKException:
    """Run an SDK call that must fail with an API error (a code and a RequestId), not a transport error."""
    with pytest.raises(TencentCloudSDKException) as info:
        fn()
    exc = info.value
    assert exc.get_code() not in ("ServerNetworkError", "ClientNetworkError"), str(exc)
    assert exc.get_request_id() and UUID_RE.match(exc.get_request_id()), str(exc)
    return exc


# ------------------------------------------------------------------------------------------- set-up


def frozen_account(server: Server, when: str, **body: Any) -> dict[str, Any]:
    """A new account whose clock is frozen at `when` (ISO 8601 with its offset)."""
    a = server.new_account(**body)
    assert server.admin("POST", f"/accounts/{a['name']}/clock/freeze").status_code == 200
    advance_to(server, a, when)
    return a


def advance_to(server: Server, a: dict[str, Any], when: str) -> dict[str, Any]:
    r = server.admin("POST", f"/accounts/{a['name']}/clock/advance", json={"to": when})
    assert r.status_code == 200, r.text
    return dict(r.json())


def advance(server: Server, a: dict[str, Any], duration: str) -> dict[str, Any]:
    r = server.admin("POST", f"/accounts/{a['name']}/clock/advance", json={"duration": duration})
    assert r.status_code == 200, r.text
    return dict(r.json())


def top_up(server: Server, a: dict[str, Any], amount: str) -> dict[str, Any]:
    r = server.admin("POST", f"/accounts/{a['name']}/top-up", json={"amount": amount})
    assert r.status_code == 200, r.text
    return dict(r.json())


def send(server: Server, a: dict[str, Any], recipients: int, tag: str = "r") -> None:
    """`recipients` billable emails through the official SES SDK (SendEmail, 50 recipients a call)."""
    client = ses_sdk(server.endpoints.api_endpoint, a["secret_id"], a["secret_key"])
    for start in range(0, recipients, 50):
        to = [f"{tag}{i}@example.com" for i in range(start, min(start + 50, recipients))]
        ses_call(
            client,
            "SendEmail",
            FromEmailAddress=a["sender"],
            Destination=to,
            Subject="billing",
            Simple={"Text": "aGk="},
        )


def sdk_fields(action: str) -> set[str]:
    """The response fields the official SDK's model declares for an action (RequestId aside)."""
    model = getattr(models, f"{action}Response")()
    return {name[1:] for name in vars(model) if name != "_RequestId"}


def model_fields(name: str) -> set[str]:
    return {field[1:] for field in vars(getattr(models, name)())}
