"""account, clock, bills and ip commands against a real server: text for people, --json for scripts."""

from __future__ import annotations

import json

from tests.cli.conftest import Cli
from tests.conftest import Server


def test_account_create_show_list(cli: Cli) -> None:
    creds = cli.json("account", "create", "cli-acct", "--free-quota", "5")
    assert creds["name"] == "cli-acct" and creds["secret_id"].startswith("AKID") and creds["smtp_password"]
    text = cli("account", "create", "cli-acct2").stdout
    assert "secret_key" in text and "smtp_password" in text
    state = cli.json("account", "show", "cli-acct")
    assert (state["free_quota"], state["free_left"], state["suspended"]) == (5, 5, False)
    assert "5 left" in cli("account", "show", "cli-acct").stdout
    names = [a["name"] for a in cli.json("account", "list")]
    assert {"default", "cli-acct", "cli-acct2"} <= set(names)
    listing = cli("account", "list").stdout.splitlines()
    assert listing[0].split()[:2] == ["ID", "NAME"] and any(" cli-acct " in line for line in listing)


def test_top_up_suspend_resume(cli: Cli, name: str) -> None:
    assert cli.json("account", "top-up", name, "2.50")["balance_micro"] == 2_500_000
    assert cli.json("account", "suspend", name)["suspended_reason"] == "manual"
    assert "suspended (manual" in cli("account", "show", name).stdout
    assert cli.json("account", "resume", name)["suspended"] is False
    cli("account", "top-up", name, "lots", code=1)  # the server refuses the amount: exit 1


def test_clock_show_freeze_advance_set(cli: Cli, name: str) -> None:
    frozen = cli.json("clock", "freeze", "-a", name)
    assert frozen["clock"]["frozen"] is True
    shown = cli("clock", "show", "-a", name).stdout
    assert shown.startswith(f"{name}: ") and "(frozen)" in shown
    before = frozen["clock"]["now_us"]
    after = cli.json("clock", "advance", "2h30m", "-a", name)["clock"]["now_us"]
    assert after - before == 9_000 * 1_000_000
    r = cli("clock", "advance", "3d", "-a", name, "--progress")
    assert r.stderr.count("advancing [") == 3  # one step per day, progress on stderr
    assert cli.json("clock", "set", "2040-01-02T03:04:05", "-a", name)["clock"]["now"] == (
        "2040-01-02T03:04:05+08:00"
    )
    cli("clock", "set", "2030-01-01T00:00:00+08:00", "-a", name, code=1)  # never backwards
    everyone = cli.json("clock", "advance", "1d", "--all")  # every account's clock, one step
    assert next(a for a in everyone if a["name"] == name)["clock"]["now"] == "2040-01-03T03:04:05+08:00"
    assert cli.json("clock", "resume", "-a", name)["clock"]["frozen"] is False


def test_bills_listed_after_settlement(cli: Cli, cli_server: Server) -> None:
    creds = cli.json("account", "create", "--free-quota", "0")
    name = creds["name"]
    cli("clock", "set", "2031-03-01T10:00:00", "-a", name)
    cli(
        "send", "--to", "x@example.com", "--via", "api", "--from", creds["sender"],
        env={"TENCENTCLOUD_SECRET_ID": creds["secret_id"], "TENCENTCLOUD_SECRET_KEY": creds["secret_key"]},
    )  # fmt: skip
    state = cli.json("clock", "set", "2031-03-02T00:00:01", "-a", name)
    assert state["suspended_reason"] == "arrears"
    bills = cli.json("bills", "-a", name, "--status", "unpaid")
    assert [(b["period"], b["units"], b["amount"]) for b in bills] == [("2031-03-01", 1, "0.000280")]
    text = cli("bills", "-a", name).stdout
    assert "2031-03-01" in text and "unpaid" in text
    cli("bills", "-a", name, "--status", "owed", code=2)
    assert cli.json("account", "top-up", name, "0.00028")["suspended"] is False


def test_dedicated_ips(cli: Cli, name: str) -> None:
    stock = cli.json("ip", "stock")["stock_left"]
    assert cli.json("ip", "stock", "--add", "2")["stock_left"] == stock + 2
    ip = cli.json("ip", "apply", "-a", name)
    assert ip["status"] == "enabled" and ip["ip"]
    overview = cli.json("ip", "list", "-a", name)
    assert overview["applications_this_month"] == 1 and overview["ips"][0]["id"] == ip["id"]
    assert "1 of 3 applications" in cli("ip", "list", "-a", name).stdout
    assert cli.json("ip", "disable", str(ip["id"]), "-a", name)["status"] == "disabled"
    assert cli.json("ip", "enable", str(ip["id"]), "-a", name)["status"] == "enabled"
    assert cli.json("ip", "release", str(ip["id"]), "-a", name)["status"] == "released"
    cli("ip", "enable", "999999", "-a", name, code=1)


def test_account_create_with_a_profile(cli: Cli, cli_server: Server) -> None:
    """--profile production: the account's JSON and text say so; the switches are a real account's."""
    creds = cli.json("account", "create", "cli-prod", "--profile", "production")
    state = cli.json("account", "show", creds["name"])
    assert (state["profile"], state["simple_sending"], state["smtp_checks"]) == ("production", False, True)
    text = cli("account", "show", "cli-prod").stdout
    assert "production" in text and "template-only, SMTP message checks on" in text
    limits = cli_server.admin("GET", "/accounts/cli-prod/limits").json()
    assert all(
        limits[k]["enabled"] for k in ("recipient_hourly", "api_rate", "domain_daily_cap", "daily_total")
    )
    assert cli.json("account", "show", cli.json("account", "create")["name"])["profile"] == "sandbox"
    assert "simple sending allowed, SMTP message checks off" in cli("account", "show", "default").stdout
    bad = cli("account", "create", "cli-bad", "--profile", "staging", code=1)
    assert "profile must be one of sandbox, production" in bad.stdout + bad.stderr
    assert cli_server.admin("GET", "/accounts/cli-bad").status_code == 404


def test_fleet_and_global_move_with_progress(cli: Cli) -> None:
    """Issue 18: `account create-many` (1,000 per request) and `clock advance --all` as one background
    move polled to the end: progress on stderr, --json on stdout stays one JSON document."""
    r = cli(
        "account", "create-many", "1203", "--prefix", "clifleet", "--top-up", "1.00", "--progress", "--json"
    )
    made = json.loads(r.stdout)
    assert [c["name"] for c in made[:2]] == ["clifleet-1", "clifleet-2"] and len(made) == 1203
    assert r.stderr.count("creating [") == 2  # two requests: 1,000 then 203
    assert "1,203/1,203 accounts" in r.stderr
    cli("clock", "freeze", "--all")
    r = cli("clock", "advance", "2d", "--all", "--progress", "--json")
    everyone = json.loads(r.stdout)
    assert len({a["clock"]["now_us"] for a in everyone}) == 1  # one instant for all
    assert "advancing [" in r.stderr and "100%" in r.stderr and "accounts" in r.stderr
    cli("account", "create-many", "5", "--prefix", "clifleet", code=1)  # names taken: refused
