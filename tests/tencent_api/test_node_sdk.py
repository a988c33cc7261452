"""The official Node SDK (npm `tencentcloud-sdk-nodejs`, pinned in tests/node/package-lock.json) against
a real server: SendEmail, a template action and an error. `make test` / `.ci/run` install it with
`npm ci` when node is on the machine; nothing is downloaded while the tests run."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI, Server

NODE_DIR = Path(__file__).resolve().parent.parent / "node"


def _skip_reason() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed: the Node SDK tests need it"
    if not (NODE_DIR / "node_modules" / "tencentcloud-sdk-nodejs").is_dir():
        return "tests/node/node_modules is missing: run `cd tests/node && npm ci` (make test does)"
    return None


@pytest.fixture(scope="module")
def node_ready() -> None:
    reason = _skip_reason()
    if reason:
        if IN_CI and shutil.which("node"):
            pytest.fail(reason)
        pytest.skip(reason)


def node_call(server: Server, account: dict[str, Any], action: str, **params: Any) -> dict[str, Any]:
    spec = {
        "endpoint": server.endpoints.api_endpoint,
        "secretId": account["secret_id"],
        "secretKey": account["secret_key"],
        "action": action,
        "params": params,
    }
    out = subprocess.run(
        ["node", "run.js", json.dumps(spec)],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


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
