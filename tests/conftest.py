"""Fixtures: real servers on free ports over SQLite and PostgreSQL, fresh accounts, real clients.

PostgreSQL: SES_EMULATOR_TEST_PG_URL (default postgresql://postgres@127.0.0.1:5432/test). Each server
gets its own schema. Under CI=true an unreachable PostgreSQL fails the run instead of skipping.

The suite runs in parallel (pytest-xdist, `-n` in pyproject.toml's addopts): every worker has its own
servers, temporary directory and schemas, so nothing here is shared between workers. Tests marked
`slow` are started first, so that the long ones do not end up last on one worker.
"""

from __future__ import annotations

import os
import random
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.bootstrap import Emulator, Endpoints
from emulator.config import Settings
from emulator.domain.clock import WallClock

PG_URL = os.environ.get("SES_EMULATOR_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
    os.environ.pop(var, None)

_pg_checked: dict[str, str | None] = {}


@pytest.hookimpl(trylast=True)  # after pytest's own reordering (fixtures grouped by scope)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first (the sort is stable), so a parallel run does not wait for one at its end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


_ports_handed_out: set[int] = set()
_port_choice = random.Random()  # seeded from os.urandom, and apart from the random state tests use


def free_port() -> int:
    """A free loopback port for a server process that binds it later (and again after a restart).

    Not one of the kernel's ephemeral ports: every port-0 listener of every xdist worker and every
    outgoing connection gets its port from that range, so a port seen free there can be taken before
    the server binds it. These come from below it (32768 on Linux), from a band of 2,000 ports of
    their own for each worker, never the same twice in a worker, picked at random (another run on
    the machine) and checked free by binding.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    low = 10_000 + (int(worker) % 10 if worker.isdigit() else 0) * 2_000
    for _ in range(500):
        port = _port_choice.randrange(low, low + 2_000)
        if port in _ports_handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _ports_handed_out.add(port)
        return port
    raise RuntimeError(f"no free port in {low}-{low + 1999}")


def _pg_unavailable() -> str | None:
    if "r" not in _pg_checked:
        try:
            import psycopg

            with psycopg.connect(PG_URL, connect_timeout=3) as conn:
                conn.execute("select 1")
            _pg_checked["r"] = None
        except Exception as exc:  # noqa: BLE001
            _pg_checked["r"] = f"PostgreSQL not reachable at {PG_URL}: {exc}"
    return _pg_checked["r"]


def require_pg() -> None:
    reason = _pg_unavailable()
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true requires PostgreSQL: {reason}")
        pytest.skip(reason)


class PgSchema:
    """A throw-away schema, so parallel servers and runs never share tables."""

    def __init__(self) -> None:
        import psycopg

        self.name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {self.name}")
        sep = "&" if "?" in PG_URL else "?"
        self.url = f"{PG_URL}{sep}options=-csearch_path%3D{self.name}"

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {self.name} CASCADE")


def make_settings(tmp: Path, backend: str, **overrides: Any) -> tuple[Settings, PgSchema | None]:
    schema = None
    url = None
    if backend == "postgresql":
        require_pg()
        schema = PgSchema()
        url = schema.url
    settings = Settings(
        host="127.0.0.1",
        smtp_port=0,
        smtps_port=0,
        http_port=0,
        data_dir=tmp,
        database_url=url,
        **{"scheduler_interval_s": 1.0, **overrides},
    )
    return settings, schema


class Server:
    """A running emulator plus the clients tests need."""

    def __init__(self, emulator: Emulator, endpoints: Endpoints) -> None:
        self.emulator = emulator
        self.endpoints = endpoints
        self.http = httpx.Client(base_url=endpoints.http_url, timeout=60)

    @property
    def core(self):  # type: ignore[no-untyped-def]
        return self.emulator.core

    def admin(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return self.http.request(method, "/admin" + path, **kw)

    def new_account(self, **body: Any) -> dict[str, Any]:
        r = self.admin("POST", "/accounts", json=body)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def state(self, account: str | int) -> dict[str, Any]:
        r = self.admin("GET", f"/accounts/{account}")
        assert r.status_code == 200, r.text
        return dict(r.json())

    def close(self) -> None:
        self.http.close()


def start_server(
    tmp: Path, backend: str, wall: WallClock | None = None, **overrides: Any
) -> tuple[Server, PgSchema | None]:
    settings, schema = make_settings(tmp, backend, **overrides)
    em = Emulator(settings, wall)
    endpoints = em.start_in_thread()
    return Server(em, endpoints), schema


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One shared server per backend; tests isolate themselves with their own accounts."""
    srv, schema = start_server(tmp_path_factory.mktemp(f"srv-{request.param}"), request.param)
    yield srv
    srv.close()
    srv.emulator.stop_thread()
    if schema:
        schema.drop()


@pytest.fixture
def account(server: Server) -> dict[str, Any]:
    """A fresh account on the shared server, with every credential."""
    return server.new_account()


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Any]:
    """Start extra servers with special settings (stopped at the end of the test)."""
    started: list[tuple[Server, PgSchema | None]] = []

    def _make(backend: str = "sqlite", wall: WallClock | None = None, **overrides: Any) -> Server:
        srv, schema = start_server(tmp_path / f"s{len(started)}", backend, wall, **overrides)
        started.append((srv, schema))
        return srv

    yield _make
    for srv, schema in started:
        srv.close()
        srv.emulator.stop_thread()
        if schema:
            schema.drop()
