"""token create, list and revoke against a real server with an admin token: the token is printed once,
works for its account only, is listed without its secret and refused after revoke."""

from __future__ import annotations

from typing import Any

from tests.cli.conftest import Cli
from tests.conftest import Server

ADMIN = "cli-admin-token-91c2"


def test_token_create_list_revoke(make_server: Any) -> None:
    srv: Server = make_server("sqlite", admin_token=ADMIN)
    admin = Cli(srv.endpoints.http_url, ADMIN)
    admin.json("account", "create", "cli-a")
    admin.json("account", "create", "cli-b")
    issued = admin.json("token", "create", "-a", "cli-a", "--access", "full", "--name", "ci")
    assert issued["accounts"] == ["cli-a"] and issued["access"] == "full" and issued["name"] == "ci"
    secret = issued["token"]
    text = admin("token", "create", "--account", "cli-a", "--account", "cli-b")  # read by default
    assert "only its hash" in text.stderr and "read" in text.stdout and "cli-a, cli-b" in text.stdout
    scoped = Cli(srv.endpoints.http_url, secret)
    assert [a["name"] for a in scoped.json("account", "list")] == ["cli-a"]
    assert scoped.json("account", "top-up", "cli-a", "1.50")["balance_micro"] == 1_500_000
    refused = scoped.json("account", "show", "cli-b", code=1)
    assert refused["error"]["status"] == 403 and refused["error"]["code"] == "Forbidden"
    scoped("token", "list", code=1)  # the admin token's
    listing = admin("token", "list").stdout
    assert listing.splitlines()[0].split() == ["ID", "TOKEN", "ACCESS", "ACCOUNTS", "STATE", "NAME"]
    assert secret not in listing and secret[:11] + "…" in listing and "in force" in listing
    assert secret not in str(admin.json("token", "list"))
    assert f"token {issued['id']} revoked" in admin("token", "revoke", str(issued["id"])).stdout
    assert scoped.json("account", "show", "cli-a", code=1)["error"]["status"] == 401
    admin("token", "create", "-a", "cli-a", "--access", "write", code=2)  # nothing sent
    admin("token", "create", "-a", "no-such-account", code=1)  # the server says 404
    admin("token", "revoke", "424242", code=1)
    assert len(admin.json("token", "list")) == 2
