"""sub-user and session commands against a real server: the keys and token they print work with the
official SDK, and a policy set from the command line (inline or @file) is enforced."""

from __future__ import annotations

from pathlib import Path

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from tests.cli.conftest import Cli
from tests.clients import call
from tests.conftest import Server
from tests.tencent_api.test_cam import client

SEND_ONLY = '{"version":"2.0","statement":[{"effect":"allow","action":"ses:SendEmail","resource":"*"}]}'


def test_sub_user_commands(cli: Cli, cli_server: Server, name: str, tmp_path: Path) -> None:
    made = cli.json("sub-user", "create", "bot", "--policy", SEND_ONLY, "-a", name)
    key = made["keys"][0]
    assert key["secret_key"] and made["policy"]["statement"][0]["action"] == ["ses:SendEmail"]
    c = client(cli_server, key["secret_id"], key["secret_key"])
    with pytest.raises(TencentCloudSDKException) as err:
        call(c, "ListEmailTemplates", Offset=0, Limit=1)
    assert err.value.get_code() == "AuthFailure.UnauthorizedOperation"
    text = cli("sub-user", "show", "bot", "-a", name).stdout
    assert key["secret_id"] in text and key["secret_key"] not in text  # a secret is printed only once
    policy_file = tmp_path / "p.json"
    policy_file.write_text(
        '{"version":"2.0","statement":[{"effect":"allow","action":"ses:List*","resource":"*"}]}'
    )
    assert cli.json("sub-user", "policy", "bot", f"@{policy_file}", "-a", name)["policy"]["statement"][0][
        "action"
    ] == ["ses:List*"]
    assert call(c, "ListEmailTemplates", Offset=0, Limit=1).TotalCount == 0
    second = cli.json("sub-user", "key", "bot", "-a", name)
    assert len(second["keys"]) == 2
    listing = cli("sub-user", "list", "-a", name).stdout.splitlines()
    assert listing[0].split() == ["NAME", "UIN", "SECRET", "IDS", "POLICY"] and listing[1].startswith("bot ")
    cli.json("sub-user", "delete-key", "bot", key["secret_id"], "-a", name)
    cli("sub-user", "policy", "bot", "not json", "-a", name, code=2)
    cli("sub-user", "create", "bot", "-a", name, code=1)  # exists: the server says 409
    assert "deleted sub-user bot" in cli("sub-user", "delete", "bot", "-a", name).stdout
    assert cli.json("sub-user", "list", "-a", name) == []


def test_session_issue(cli: Cli, cli_server: Server, name: str) -> None:
    s = cli.json("session", "issue", "--duration", "10m", "-a", name)
    cred = s["Credentials"]
    c = client(cli_server, cred["TmpSecretId"], cred["TmpSecretKey"], cred["Token"])
    assert call(c, "ListEmailTemplates", Offset=0, Limit=1).TotalCount == 0
    text = cli("session", "issue", "-a", name).stdout
    assert "TmpSecretId" in text and "Token" in text
    cli("session", "issue", "--duration", "13h", "-a", name, code=1)  # beyond 12 hours
    cli("session", "issue", "--sub-user", "ghost", "-a", name, code=1)
