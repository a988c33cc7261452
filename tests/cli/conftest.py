"""A SQLite server for the CLI tests (the CLI is a client: one backend is enough) and a runner whose
environment points at it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from emulator.cli import app
from tests.conftest import Server, start_server


@pytest.fixture(scope="module")
def cli_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv, _ = start_server(tmp_path_factory.mktemp("cli"), "sqlite")
    yield srv
    srv.close()
    srv.emulator.stop_thread()


class Cli:
    def __init__(self, url: str, token: str | None = None) -> None:
        self.env = {"SES_EMULATOR_URL": url, "SES_EMULATOR_ADMIN_TOKEN": token, "SES_EMULATOR_ACCOUNT": None}
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0, env: dict[str, str | None] | None = None) -> Any:
        result = self.runner.invoke(app, list(args), env={**self.env, **(env or {})})
        assert result.exit_code == code, (
            f"exit {result.exit_code} != {code}\nstdout: {result.stdout}\nstderr: {result.stderr}\n"
            f"{result.exception!r}"
        )
        return result

    def json(self, *args: str, code: int = 0, env: dict[str, str | None] | None = None) -> Any:
        return json.loads(self(*args, "--json", code=code, env=env).stdout)


@pytest.fixture
def cli(cli_server: Server) -> Cli:
    return Cli(cli_server.endpoints.http_url)


@pytest.fixture
def name(cli: Cli) -> str:
    """A fresh account made through the CLI itself."""
    return str(cli.json("account", "create")["name"])
