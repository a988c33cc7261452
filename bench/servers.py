"""Starting the three servers under test (emulator, aiosmtpd sink, FastAPI floor) and preparing the
emulator's benchmark account: a big top-up so paid units never suspend it, and an approved template."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.procs import Pinning, ServerProc, emulator_command, free_ports, pinned
from emulator.client import TencentClient

SENDER = "bench@bench.example.com"
ACCOUNT = "bench"
TOP_UP = "1000000.00"  # USD: billions of paid units, so daily settlement never suspends the account
SERVER_ENV = {"SES_EMULATOR_SMTP_AUTH": "any", "SES_EMULATOR_SIGNATURE_CHECK": "strict"}
FLOOR_ENV = {"PYTHONPATH": str(Path(__file__).resolve().parents[1])}


def template_text() -> str:
    """About 2 KB of text with two variables, so a SendEmail renders a ~2 KB message."""
    para = "Hello {{name}}, this is benchmark message {{n}}. " + "Lorem ipsum dolor sit amet. " * 3
    return "\n".join([para] * 16)[:2000]


class PgSchema:
    """A throw-away PostgreSQL schema for one emulator instance."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.base = url
        self.name = "bench_" + uuid.uuid4().hex[:10]
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {self.name}")
        sep = "&" if "?" in url else "?"
        self.url = f"{url}{sep}options=-csearch_path%3D{self.name}"

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {self.name} CASCADE")


@dataclass
class Emulator:
    proc: ServerProc
    smtp_port: int
    http_port: int
    schema: PgSchema | None
    data_dir: Path
    creds: dict[str, Any] | None = None
    template_id: int = 0

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def admin(self, method: str, path: str, **kw: Any) -> httpx.Response:
        with httpx.Client(base_url=self.http_url, timeout=600, trust_env=False) as c:
            r = c.request(method, "/admin" + path, **kw)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} /admin{path}: {r.status_code} {r.text[:300]}")
        return r

    def prepare_account(self) -> None:
        self.creds = self.admin("POST", "/accounts", json={"name": ACCOUNT, "sender": SENDER}).json()
        self.admin("POST", f"/accounts/{ACCOUNT}/top-up", json={"amount": TOP_UP, "note": "benchmark"})
        api = TencentClient(self.http_url, self.creds["secret_id"], self.creds["secret_key"])
        b64 = base64.b64encode(template_text().encode()).decode()
        try:
            self.template_id = int(
                api.call(
                    "CreateEmailTemplate",
                    TemplateName="bench",
                    TemplateContent={"Text": b64},
                )["TemplateID"]
            )
        finally:
            api.close()

    def serial_section(self) -> dict[str, float]:
        """The committer's counters from /metrics (one process's: with several, the one that answers):
        messages, transactions, seconds holding the write lock (before COMMIT and in it), and the
        committer's CPU seconds in them (0 from an emulator older than that counter)."""
        with httpx.Client(base_url=self.http_url, timeout=60, trust_env=False) as c:
            text = c.get("/metrics").text
        names = {
            "ses_emulator_send_transaction_messages_total": "messages",
            "ses_emulator_send_transactions_total": "transactions",
            'ses_emulator_send_transaction_seconds_total{phase="statements"}': "statements_s",
            'ses_emulator_send_transaction_seconds_total{phase="commit"}': "commit_s",
            "ses_emulator_send_transaction_cpu_seconds_total": "cpu_s",
        }
        out = dict.fromkeys(names.values(), 0.0)
        for line in text.splitlines():
            name, _, value = line.rpartition(" ")
            if name in names:
                out[names[name]] = float(value)
        return out

    def clear_mailbox(self) -> None:
        self.admin("DELETE", f"/accounts/{ACCOUNT}/messages")

    def state(self) -> dict[str, Any]:
        return dict(self.admin("GET", f"/accounts/{ACCOUNT}").json())

    def file_sizes(self) -> dict[str, int] | None:
        """Bytes of the SQLite database file and its WAL (None on PostgreSQL)."""
        if self.schema is not None:
            return None
        db = self.data_dir / "emulator.db"
        wal = db.with_name(db.name + "-wal")
        return {
            "db_bytes": db.stat().st_size if db.exists() else 0,
            "wal_bytes": wal.stat().st_size if wal.exists() else 0,
        }

    def stop(self) -> None:
        self.proc.stop()
        if self.schema is not None:
            self.schema.drop()


def start_emulator(
    workdir: Path,
    pin: Pinning,
    database_url: str | None,
    workers: int | None,
    tag: str,
    synchronous: str = "full",
    code_dir: Path | None = None,
) -> Emulator:
    """`code_dir`: run that checkout's emulator instead of this one, for an A/B against older code (see
    code_place)."""
    if code_dir is not None:
        found = code_place(code_dir)
        if not found.is_relative_to(code_dir.resolve()):
            raise RuntimeError(f"the baseline's emulator would be imported from {found}, not {code_dir}")
    smtp, smtps, http = free_ports(3)
    data = (workdir / f"emulator-{tag}").resolve()
    data.mkdir(parents=True, exist_ok=True)
    schema = PgSchema(database_url) if database_url else None
    cmd = [
        *emulator_command(),
        "serve",
        "--host", "127.0.0.1",
        "--smtp-port", str(smtp),
        "--smtps-port", str(smtps),
        "--http-port", str(http),
        "--data-dir", str(data),
        "--smtp-auth", "any",
    ]  # fmt: skip
    if schema is not None:
        cmd += ["--database-url", schema.url]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    proc = ServerProc(
        f"emulator-{tag}",
        pinned(cmd, pin),
        {"smtp": smtp, "http": http},
        workdir / f"emulator-{tag}.log",
        env={
            **SERVER_ENV,
            "SES_EMULATOR_SQLITE_SYNCHRONOUS": synchronous,
            **({"PYTHONPATH": str(code_dir)} if code_dir is not None else {}),
        },
        cwd=code_dir,
    )
    try:
        proc.start()
    except Exception:
        if schema is not None:
            schema.drop()
        raise
    em = Emulator(proc, smtp, http, schema, data)
    em.prepare_account()
    return em


def code_place(code_dir: Path) -> Path:
    """Where `python -m emulator` imports the package from when run as the baseline's server is: in
    `code_dir`, with it on PYTHONPATH. Its working directory matters: `-m` puts that first on sys.path,
    ahead of PYTHONPATH, so a baseline started from this checkout ran this checkout's code (every A/B
    before 2026-12-08 compared this code with itself)."""
    out = subprocess.run(
        [sys.executable, "-c", "import emulator; print(emulator.__file__)"],
        cwd=code_dir,
        env={**os.environ, "PYTHONPATH": str(code_dir)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return Path(out.stdout.strip()).resolve()


def start_smtp_sink(workdir: Path, pin: Pinning) -> ServerProc:
    (port,) = free_ports(1)
    cmd = [sys.executable, "-m", "bench.floors.smtp_sink", "--port", str(port)]
    return ServerProc(
        "smtp-sink", pinned(cmd, pin), {"smtp": port}, workdir / "smtp-sink.log", FLOOR_ENV
    ).start()


def start_http_floor(workdir: Path, pin: Pinning) -> ServerProc:
    (port,) = free_ports(1)
    cmd = [sys.executable, "-m", "bench.floors.http_floor", "--port", str(port)]
    return ServerProc(
        "http-floor", pinned(cmd, pin), {"http": port}, workdir / "http-floor.log", FLOOR_ENV
    ).start()
