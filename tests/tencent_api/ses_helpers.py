"""Helpers for the issue-6 API tests: an SDK client per account, sends, statuses, errors."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from tests.clients import call, sdk
from tests.conftest import Server


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def client(server: Server, account: dict[str, Any]) -> Any:
    return sdk(server.endpoints.api_endpoint, account["secret_id"], account["secret_key"])


def api(server: Server, account: dict[str, Any], action: str, **params: Any) -> dict[str, Any]:
    """Call an action with the official SDK; the answer as a plain dict (RequestId dropped)."""
    resp = call(client(server, account), action, **params)
    out = dict(json.loads(resp.to_json_string()))
    out.pop("RequestId", None)
    return out


def api_error(server: Server, account: dict[str, Any], action: str, **params: Any) -> str:
    """Call an action that must fail with a Tencent error; its code."""
    with pytest.raises(TencentCloudSDKException) as info:
        call(client(server, account), action, **params)
    code = str(info.value.get_code())
    assert code not in ("ServerNetworkError", "ClientNetworkError"), str(info.value)
    assert info.value.get_request_id(), str(info.value)
    return code


def send(server: Server, account: dict[str, Any], to: list[str], subject: str = "hi", **over: Any) -> str:
    params: dict[str, Any] = {
        "FromEmailAddress": account["sender"],
        "Destination": to,
        "Subject": subject,
        "Simple": {
            "Html": b64('<p>Hello <a href="https://example.com/welcome">there</a></p>'),
            "Text": b64("Hello"),
        },
    }
    params.update(over)
    return str(api(server, account, "SendEmail", **params)["MessageId"])


def send_error(server: Server, account: dict[str, Any], to: list[str]) -> str:
    return api_error(
        server,
        account,
        "SendEmail",
        FromEmailAddress=account["sender"],
        Destination=to,
        Subject="hi",
        Simple={"Text": b64("Hello")},
    )


def today(server: Server, account: dict[str, Any]) -> str:
    return str(server.state(account["name"])["clock"]["now"])[:10]


def statuses(
    server: Server, account: dict[str, Any], message_id: str | None = None
) -> dict[str, dict[str, Any]]:
    """GetSendEmailStatus rows of today, by recipient."""
    params: dict[str, Any] = {"RequestDate": today(server, account), "Offset": 0, "Limit": 100}
    if message_id:
        params["MessageId"] = message_id
    rows = api(server, account, "GetSendEmailStatus", **params)["EmailStatusList"]
    return {r["ToEmailAddress"]: r for r in rows}


def admin_ok(server: Server, method: str, path: str, status: int = 200, **kw: Any) -> Any:
    r = server.admin(method, path, **kw)
    assert r.status_code == status, r.text
    return r.json() if r.content else None


def eventually(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
