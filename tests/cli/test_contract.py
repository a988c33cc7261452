"""The CLI's promises to scripts: --help everywhere, exit codes 0/1/2, JSON errors, token and URL from
env or flags, and the installed console script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from emulator import __version__
from emulator.cli import app
from tests.cli.conftest import Cli
from tests.conftest import Server


def _all_commands() -> list[list[str]]:
    root = typer.main.get_command(app)
    found: list[list[str]] = []

    def walk(cmd: Any, path: list[str]) -> None:
        found.append(path)
        if hasattr(cmd, "commands"):  # a group (Typer ships its own click)
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])

    walk(root, [])
    return found


def test_every_command_has_help(cli: Cli) -> None:
    commands = _all_commands()
    names = {" ".join(c) for c in commands}
    for expected in [
        "serve", "healthcheck", "send", "bills", "demo suspension",
        "account create", "account show", "account list", "account top-up", "account suspend", "account resume",
        "clock show", "clock advance", "clock set", "mail list", "mail show", "mail raw", "mail wait",
        "mail delete", "ip apply", "ip list", "ip enable", "ip disable", "ip stock",
    ]:  # fmt: skip
        assert expected in names
    for path in commands:
        out = cli(*path, "--help").stdout
        assert "Usage:" in out and "--help" in out, path


def test_exit_codes(cli: Cli, cli_server: Server) -> None:
    assert cli("--version").stdout.strip() == __version__
    cli("account", "show", "default")  # 0
    cli("account", "show", "no-such-account", code=1)  # the server says 404
    cli("account", "show", code=2)  # missing argument
    cli("account", "frobnicate", code=2)
    cli("clock", "advance", "soon", code=2)  # not a duration: nothing is sent
    cli("clock", "set", "tomorrow", code=2)
    cli("mail", "list", "--source", "fax", code=2)
    Cli("http://127.0.0.1:9")("account", "list", code=1)  # unreachable


def test_json_errors_on_stdout(cli: Cli) -> None:
    err = cli.json("account", "show", "no-such-account", code=1)
    assert err == {
        "error": {"status": 404, "code": "ResourceNotFound", "message": "no account 'no-such-account'"}
    }


def test_token_from_env_or_flag(make_server) -> None:  # type: ignore[no-untyped-def]
    srv = make_server("sqlite", admin_token="s3cret")
    url = srv.endpoints.http_url
    r = Cli(url)("account", "list", code=1)
    assert "Unauthorized" in r.stderr and "SES_EMULATOR_ADMIN_TOKEN" in r.stderr
    Cli(url, token="s3cret")("account", "list")
    Cli(url)("account", "list", "--token", "s3cret")
    Cli("http://127.0.0.1:9")("account", "list", "--url", url, "--token", "s3cret")  # flag beats env
    Cli(url)("healthcheck")  # probes need no token (Docker HEALTHCHECK)


def test_installed_console_script(cli_server: Server) -> None:
    exe = Path(sys.executable).parent / "ses-emulator"
    if not exe.exists():
        pytest.skip("ses-emulator console script not installed in this environment")
    env = {**os.environ, "SES_EMULATOR_URL": cli_server.endpoints.http_url}
    env.pop("SES_EMULATOR_ADMIN_TOKEN", None)
    r = subprocess.run([exe, "healthcheck"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.startswith("ok:"), r
    r = subprocess.run([exe, "clock", "advance"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "Missing argument" in r.stderr, r
    r = subprocess.run([sys.executable, "-m", "emulator", "--version"], capture_output=True, text=True)
    assert r.stdout.strip() == __version__
