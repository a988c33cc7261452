"""The official Node SDK (npm `tencentcloud-sdk-nodejs`, pinned in tests/node/package-lock.json) against
a real server: SendEmail, a template action and an error. `make test` / `.ci/run` install it with
`npm ci` when node is on the machine; nothing is downloaded while the tests run."""

from __future__ import annotations

import base64
import json
import shutil
from typing import Any

import pytest

from tests.clients import node_call, node_missing
from tests.conftest import IN_CI, Server


@pytest.fixture(scope="module")
def node_ready() -> None:
    reason = node_missing()
    if reason:
        if IN_CI and shutil.which("node"):
            pytest.fail(reason)
        pytest.skip(reason)


def test_node_sdk_send_email_template_action_and_error(
    node_ready: None, server: Server, account: dict[str, Any]
) -> None:
    created = node_call(
        server,
        account,
        "CreateEmailTemplate",
        TemplateName="node",
        TemplateContent={"Text": base64.b64encode(b"Code {{code}}").decode()},
    )
    assert created["ok"], created
    tid = created["result"]["TemplateID"]
    got = node_call(server, account, "GetEmailTemplate", TemplateID=tid)
    assert got["ok"] and got["result"]["TemplateName"] == "node" and got["result"]["TemplateStatus"] == 0, got
    sent = node_call(
        server,
        account,
        "SendEmail",
        FromEmailAddress=account["sender"],
        Destination=["node-user@example.com"],
        Subject="From Node",
        Template={"TemplateID": tid, "TemplateData": json.dumps({"code": "424242"})},
    )
    assert sent["ok"], sent
    mid = sent["result"]["MessageId"]
    r = server.admin("GET", f"/accounts/{account['name']}/messages/{mid}")
    assert r.status_code == 200 and "424242" in r.json()["text"]
    # an error comes back as the SDK's exception with Tencent's code and a RequestId
    err = node_call(
        server,
        account,
        "SendEmail",
        FromEmailAddress=account["sender"],
        Destination=["x@example.com"],
        Subject="s",
        Template={"TemplateID": 999999, "TemplateData": "{}"},
    )
    assert not err["ok"] and err["code"] == "FailedOperation.InvalidTemplateID" and err["requestId"], err
    # and an issue-6 action with an error of its own
    bl = node_call(
        server, account, "ListBlackEmailAddress", StartDate="bad", EndDate="2026-01-01", Limit=10, Offset=0
    )
    assert not bl["ok"] and bl["code"] == "InvalidParameterValue.WrongDate", bl
