"""send, mail list|show|raw|wait|delete, healthcheck — real SMTP and API sends through the CLI."""

from __future__ import annotations

import base64
import threading
import time
from pathlib import Path

from emulator.client import TencentClient
from tests.cli.conftest import Cli
from tests.conftest import Server


def _as(creds: dict[str, str]) -> dict[str, str | None]:
    return {
        "TENCENTCLOUD_SECRET_ID": creds["secret_id"],
        "TENCENTCLOUD_SECRET_KEY": creds["secret_key"],
        "SES_EMULATOR_SMTP_PASSWORD": creds["smtp_password"],
        "SES_EMULATOR_ACCOUNT": creds["name"],
    }


def test_send_every_way_then_read_it_back(cli: Cli, tmp_path: Path) -> None:
    creds = cli.json("account", "create")
    env = _as(creds)
    ids = {}
    for via in ("smtp", "smtps", "api"):
        out = cli.json("send", "--via", via, "--to", f"{via}@example.com", "--from", creds["sender"],
                       "--subject", f"via {via}", env=env)  # fmt: skip
        ids[via] = out["message_ids"][0]
    listing = cli.json("mail", "list", env=env)
    assert listing["total"] == 3
    assert {m["id"]: m["source"] for m in listing["messages"]} == {
        ids["smtp"]: "smtp", ids["smtps"]: "smtp", ids["api"]: "api"
    }  # fmt: skip
    assert [m["subject"] for m in cli.json("mail", "list", "--source", "api", env=env)["messages"]] == [
        "via api"
    ]
    text = cli("mail", "list", "--to", "smtps@", env=env).stdout
    assert "via smtps" in text and "1 of 1 message(s)" in text
    shown = cli("mail", "show", ids["smtp"], env=env).stdout
    assert "Subject       via smtp" in shown and "Hello from ses-emulator." in shown
    assert cli.json("mail", "show", ids["api"], env=env)["delivery"][0]["address"] == "api@example.com"
    raw = cli("mail", "raw", ids["smtp"], env=env).stdout_bytes
    assert b"Subject: via smtp" in raw
    cli("mail", "raw", ids["smtp"], "-o", str(tmp_path / "m.eml"), env=env)
    assert (tmp_path / "m.eml").read_bytes() == raw
    assert cli.json("mail", "delete", ids["smtp"], env=env) == {"deleted": 1}
    assert "deleted 2 message(s)" in cli("mail", "delete", "--all", env=env).stdout
    assert cli.json("mail", "list", env=env)["total"] == 0


def test_send_count_with_progress(cli: Cli) -> None:
    creds = cli.json("account", "create")
    r = cli("send", "--via", "api", "--to", "n@example.com", "--from", creds["sender"], "--count", "3",
            "--progress", env=_as(creds))  # fmt: skip
    assert r.stdout.count("sent qcloudses-") == 3 and "3/3" in r.stderr
    assert cli.json("account", "show", creds["name"])["free_used"] == 3


def test_send_refusals_exit_1_with_the_reason(cli: Cli) -> None:
    creds = cli.json("account", "create")
    env = _as(creds)
    cli("account", "suspend", creds["name"])
    r = cli("send", "--via", "api", "--to", "n@example.com", "--from", creds["sender"], env=env, code=1)
    assert "FailedOperation.InsufficientBalance" in r.stderr
    r = cli("send", "--to", "n@example.com", "--from", creds["sender"], env=env, code=1)
    assert "SMTP554" in r.stderr and "InsufficientBalance" in r.stderr
    r = cli("send", "--to", "n@example.com", env={**env, "SES_EMULATOR_SMTP_PASSWORD": "wrong"}, code=1)
    assert "535" in r.stderr
    cli("send", "--to", "n@example.com", "--via", "pigeon", code=2)


def test_wait_returns_when_mail_arrives_and_times_out_with_exit_1(cli: Cli, cli_server: Server) -> None:
    creds = cli.json("account", "create")
    env = _as(creds)

    def later() -> None:  # not through CliRunner: it swaps sys.stdout and os.environ process-wide
        time.sleep(0.5)
        client = TencentClient(cli_server.endpoints.http_url, creds["secret_id"], creds["secret_key"])
        simple = {"Text": base64.b64encode(b"late").decode()}
        client.call("SendEmail", FromEmailAddress=creds["sender"], Destination=["late@example.com"],
                    Subject="late", Simple=simple)  # fmt: skip
        client.close()

    t = threading.Thread(target=later)
    t0 = time.monotonic()
    t.start()
    got = cli.json("mail", "wait", "--to", "late@", "--timeout", "20", env=env)
    t.join()
    assert got["recipients"] == ["late@example.com"] and time.monotonic() - t0 < 10
    r = cli("mail", "wait", "--to", "never@", "--timeout", "1.5", "--progress", env=env, code=1)
    assert "Timeout" in r.stderr and "waiting [" in r.stderr
    err = cli.json("mail", "wait", "--to", "never@", "--timeout", "0", code=1)
    assert err["error"]["code"] == "Timeout"


def test_healthcheck(cli: Cli, cli_server: Server) -> None:
    r = cli("healthcheck")
    assert r.stdout.startswith("ok: ") and "database sqlite" in r.stdout
    report = cli.json("healthcheck")
    assert report["ok"] is True and report["readyz"]["status"] == "ok"
    bad = Cli("http://127.0.0.1:9")  # nothing listens on the discard port
    assert "unhealthy" in bad("healthcheck", code=1).stderr
