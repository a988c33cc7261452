"""`python -m emulator serve` as a real subprocess that tests can SIGKILL and restart on the same database.

Output goes to a file (a full pipe would stall the server); ports are fixed at construction so a restart
serves where the clients already point.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from emulator.client import sign_headers
from tests.conftest import PgSchema, free_port, require_pg


class ServerProc:
    def __init__(
        self, data_dir: Path, database_url: str | None = None, env: dict[str, str] | None = None
    ) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.env = {**os.environ, "SES_EMULATOR_SCHEDULER_INTERVAL_S": "0.2", **(env or {})}
        self.http, self.smtp, self.smtps = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.http}"
        self.endpoint = f"127.0.0.1:{self.http}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir.with_name(data_dir.name + ".log")
        self.starts = 0
        self.http_client: httpx.Client | None = None

    def args(self, *extra: str) -> list[str]:
        db = ["--database-url", self.database_url] if self.database_url else []
        return [
            sys.executable, "-m", "emulator", "serve", "--data-dir", str(self.data_dir), *db,
            "--http-port", str(self.http), "--smtp-port", str(self.smtp), "--smtps-port", str(self.smtps),
            *extra,
        ]  # fmt: skip

    def start(self, *extra: str, timeout: float = 60) -> ServerProc:
        self.starts += 1
        log = self.log_path.open("ab")
        log.write(f"\n=== start {self.starts} ===\n".encode())
        log.flush()
        self.proc = subprocess.Popen(self.args(*extra), stdout=log, stderr=subprocess.STDOUT, env=self.env)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.output()}")
            try:  # a bare connect is cheap; HTTP is listened on last, once everything else runs
                socket.create_connection(("127.0.0.1", self.http), timeout=1).close()
            except OSError:
                time.sleep(0.05)
                continue
            if self.http_client is not None:
                self.http_client.close()
            # one client per run: creating one per request costs an SSL context each time
            self.http_client = httpx.Client(base_url=self.url, timeout=60, verify=False)
            assert self.http_client.get("/healthz").status_code == 200
            return self
        self.kill()
        raise RuntimeError(f"server did not start:\n{self.output()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, exactly like a crash or a power cut."""
        if self.http_client is not None:
            self.http_client.close()
            self.http_client = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def admin(self, method: str, path: str, **kw: Any) -> httpx.Response:
        assert self.http_client is not None, "not started"
        return self.http_client.request(method, "/admin" + path, **kw)

    def api(self, acct: dict[str, Any], action: str, **params: Any) -> dict[str, Any]:
        """A TC3-signed Tencent API call as `acct`; returns the Response object (errors included)."""
        assert self.http_client is not None, "not started"
        body = json.dumps(params).encode()
        headers = sign_headers(
            self.endpoint, action, body, acct["secret_id"], acct["secret_key"], "ap-guangzhou"
        )
        data: dict[str, Any] = self.http_client.post("/", content=body, headers=headers).json()["Response"]
        return data


def database(backend: str) -> tuple[str | None, PgSchema | None]:
    """(database URL or None for SQLite in the data dir, the schema to drop afterwards)."""
    if backend == "sqlite":
        return None, None
    require_pg()
    schema = PgSchema()
    return schema.url, schema


class Db:
    """Straight to the server's database: counts rows to time a kill to the server's progress, and moves
    time for an account while no server runs (what a machine off for days does to a running clock)."""

    def __init__(self, srv: ServerProc) -> None:
        self.srv = srv
        self._conn: Any = None

    def _connect(self) -> Any:
        if self._conn is None:
            if self.srv.database_url:
                import psycopg

                self._conn = psycopg.connect(self.srv.database_url, autocommit=True)
            else:
                import sqlite3

                db = self.srv.data_dir / "emulator.db"
                self._conn = sqlite3.connect(str(db), isolation_level=None)
        return self._conn

    def count(self, table: str) -> int:
        return int(self._connect().execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def shift_clock(self, account: str, days: int) -> None:
        mark = "%s" if self.srv.database_url else "?"
        self._connect().execute(
            f"UPDATE accounts SET clock_offset_us = clock_offset_us + {mark} WHERE name = {mark}",
            (days * 86_400_000_000, account),
        )

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
