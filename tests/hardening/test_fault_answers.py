"""Issue 14 §4: during a database outage or a full disk the admin, mailbox and UI routes of a real
`serve` process answer 503 {"code", "message"} with Retry-After (never a text/plain 500), /readyz turns
not-ready within its bounded probe, and everything recovers by itself once the database is back.

PostgreSQL outage: the server logs in as a role of its own, which is refused logins (NOLOGIN) and has
its backends terminated: to the server, exactly a database that went away. Full disk on SQLite: the
process's file-size limit (RLIMIT_FSIZE) drops to 1 byte, so every write to the database, its WAL
and the log file fails as on a full disk; raising it again is freeing space.
"""

from __future__ import annotations

import resource
import smtplib
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from emulator.observability import PROBE_TIMEOUT_S, PROBE_TTL_S
from tests.clients import insecure_tls
from tests.conftest import PG_URL, PgSchema, require_pg
from tests.hardening.proc import ServerProc

FAULT_READY_S = PROBE_TTL_S + PROBE_TIMEOUT_S + 1.0  # a cached verdict expires, then one bounded probe


def assert_fault(r: httpx.Response, what: str) -> None:
    assert r.status_code == 503, f"{what}: {r.status_code} {r.text[:300]}"
    assert r.headers["content-type"].startswith("application/json"), what
    assert r.headers["retry-after"].isdigit() and int(r.headers["retry-after"]) >= 1, what
    body = r.json()
    assert body["code"] == "ServiceUnavailable", what
    assert body["message"].startswith("the database is unavailable (") and "retry" in body["message"]
    assert "postgresql" not in body["message"] and "@" not in body["message"], "no URL in the answer"


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> float:
    t0 = time.monotonic()
    while not check():
        assert time.monotonic() - t0 < seconds, f"{what} not within {seconds} s"
        time.sleep(0.1)
    return time.monotonic() - t0


def readyz(srv: ServerProc) -> httpx.Response:
    assert srv.http_client is not None
    t0 = time.monotonic()
    r = srv.http_client.get("/readyz")
    assert time.monotonic() - t0 < PROBE_TIMEOUT_S + 1.0, "/readyz must never hang"
    return r


def send_one(srv: ServerProc, acct: dict[str, Any], subject: str) -> None:
    with smtplib.SMTP("127.0.0.1", srv.smtp, timeout=10) as c:
        c.starttls(context=insecure_tls())
        c.login(acct["sender"], acct["smtp_password"])
        msg = f"From: {acct['sender']}\r\nTo: a@example.com\r\nSubject: {subject}\r\n\r\nhi\r\n"
        c.sendmail(acct["sender"], ["a@example.com"], msg.encode())


# --- PostgreSQL outage ------------------------------------------------------------------------------
class PgRole:
    """A login role with every right on a fresh schema; `down()` is a database outage for its users."""

    def __init__(self) -> None:
        import psycopg

        require_pg()
        self.schema = PgSchema()
        self.name = "r_" + uuid.uuid4().hex[:12]
        with psycopg.connect(PG_URL, autocommit=True) as c:
            c.execute(f"CREATE ROLE {self.name} LOGIN")
            c.execute(f"GRANT ALL ON SCHEMA {self.schema.name} TO {self.name}")
        url = make_url(self.schema.url).set(username=self.name, password=None)
        self.url = url.render_as_string(hide_password=False)

    def _admin(self, *sql: str) -> None:
        import psycopg

        with psycopg.connect(PG_URL, autocommit=True) as c:
            for s in sql:
                c.execute(s)

    def down(self) -> None:
        import psycopg

        self._admin(f"ALTER ROLE {self.name} NOLOGIN")
        with psycopg.connect(PG_URL, autocommit=True) as c:
            for _ in range(5):  # a login that passed its check just before the ALTER is ended too
                c.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [self.name]
                )
                time.sleep(0.05)

    def up(self) -> None:
        self._admin(f"ALTER ROLE {self.name} LOGIN")

    def drop(self) -> None:
        self.schema.drop()
        self._admin(f"DROP OWNED BY {self.name}", f"DROP ROLE {self.name}")


@pytest.fixture
def pg_server(tmp_path: Path) -> Iterator[tuple[ServerProc, PgRole]]:
    role = PgRole()
    srv = ServerProc(tmp_path / "data", role.url)
    try:
        yield srv.start(), role
    finally:
        srv.stop()
        role.up()
        role.drop()


def test_postgresql_outage_answers_503_json_and_recovers(pg_server: tuple[ServerProc, PgRole]) -> None:
    srv, role = pg_server
    acct = srv.admin("POST", "/accounts", json={}).json()
    name = acct["name"]
    send_one(srv, acct, "before the outage")
    mail = f"/accounts/{name}/messages"
    wait_for(lambda: srv.admin("GET", mail).json()["total"] == 1, 10, "the message stored")
    mid = srv.admin("GET", mail).json()["messages"][0]["id"]
    preview = srv.admin("GET", f"{mail}/{mid}/preview").json()["url"]
    assert srv.http_client is not None
    ui = srv.http_client
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/admin/accounts", {}),
        ("GET", f"/admin/accounts/{name}", {}),
        ("GET", f"/admin{mail}", {}),
        ("GET", f"/admin{mail}/{mid}", {}),
        ("GET", f"/admin{mail}/{mid}/preview", {}),
        ("GET", preview, {}),
        ("GET", f"/admin{mail}/stream", {}),
        ("POST", "/admin/accounts", {"json": {}}),
        ("POST", f"/admin/accounts/{name}/top-up", {"json": {"amount": "1"}}),
        ("POST", f"/admin/accounts/{name}/clock/advance", {"json": {"duration": "1d"}}),
        ("DELETE", f"/admin{mail}/{mid}", {}),
        ("DELETE", f"/admin{mail}", {}),
    ]
    with ui.stream("GET", f"/admin{mail}/stream", timeout=15) as live:  # opened before the outage
        assert live.status_code == 200
        role.down()
        try:
            for method, path, kw in calls:
                assert_fault(ui.request(method, path, **kw), f"{method} {path}")
            seen = b"".join(live.iter_bytes())  # the open stream ends cleanly, with an SSE error event
            assert b"event: error\n" in seen and b'"code":"ServiceUnavailable"' in seen, seen[-500:]
            r = readyz(srv)
            assert r.status_code == 503 and r.json()["status"] == "unavailable", r.text
            # the Tencent API answers in its own envelope: HTTP 200, Error.Code InternalError
            assert srv.api(acct, "ListEmailIdentities")["Error"]["Code"] == "InternalError"
        finally:
            role.up()
    wait_for(lambda: readyz(srv).status_code == 200, FAULT_READY_S + 5, "/readyz ready again")
    assert srv.admin("GET", "/accounts").status_code == 200
    assert srv.admin("GET", mail).json()["total"] == 1
    assert ui.get(preview).status_code == 200
    assert srv.admin("POST", f"/accounts/{name}/top-up", json={"amount": "1"}).status_code == 200
    assert srv.admin("POST", "/accounts", json={}).status_code == 201
    with ui.stream("GET", f"/admin{mail}/stream", timeout=15) as again:
        assert again.status_code == 200
    assert srv.admin("DELETE", f"{mail}/{mid}").status_code == 200
    assert srv.admin("GET", mail).json()["total"] == 0


# --- SQLite: full disk ------------------------------------------------------------------------------
def disk_full(srv: ServerProc, full: bool) -> None:
    assert srv.proc is not None
    _, hard = resource.prlimit(srv.proc.pid, resource.RLIMIT_FSIZE)
    resource.prlimit(srv.proc.pid, resource.RLIMIT_FSIZE, (1 if full else hard, hard))


def test_sqlite_full_disk_turns_readyz_not_ready_and_writes_503(tmp_path: Path) -> None:
    srv = ServerProc(tmp_path / "data").start()
    try:
        name = srv.admin("POST", "/accounts", json={}).json()["name"]
        assert readyz(srv).status_code == 200
        disk_full(srv, True)
        try:
            took = wait_for(lambda: readyz(srv).status_code == 503, FAULT_READY_S, "/readyz not ready")
            r = readyz(srv)
            assert r.status_code == 503 and r.headers["retry-after"].isdigit(), r.text
            assert r.json()["database"] in ("the disk or database is full", "disk I/O error"), r.text
            print(f"\n[disk full] /readyz not ready after {took:.2f} s: {r.json()['database']}")
            for _ in range(20):  # polled hard: cached, never a pile of probes
                assert readyz(srv).status_code == 503
            assert_fault(srv.admin("POST", "/accounts", json={}), "POST /accounts")
            assert_fault(srv.admin("POST", f"/accounts/{name}/top-up", json={"amount": "1"}), "top-up")
            assert_fault(srv.admin("POST", f"/accounts/{name}/suspend"), "suspend")
            assert srv.admin("GET", f"/accounts/{name}").status_code == 200  # reads still serve
        finally:
            disk_full(srv, False)
        took = wait_for(lambda: readyz(srv).status_code == 200, FAULT_READY_S, "/readyz ready again")
        print(f"[disk full] ready again {took:.2f} s after space came back")
        assert srv.admin("POST", "/accounts", json={}).status_code == 201
        assert srv.admin("POST", f"/accounts/{name}/top-up", json={"amount": "1"}).status_code == 200
        assert srv.proc is not None and srv.proc.poll() is None, "the server survived"
    finally:
        srv.stop()
