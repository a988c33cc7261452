"""Issue 14: a 250 means on disk. SQLite commits with synchronous=FULL unless told "normal", and the
scheduler's checkpoint keeps the WAL bounded (truncated when idle or oversized) without ever raising or
stalling on a connection that holds the database."""

from __future__ import annotations

import smtplib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, text

from emulator.config import Settings
from emulator.services.core import build_core
from emulator.storage.db import checkpoint, make_engine
from tests.conftest import make_settings

FULL, NORMAL = 2, 1


def synchronous(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one())


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    e = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with e.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
    yield e
    e.dispose()


def wal_size(engine: Engine) -> int:
    return Path(f"{engine.url.database}-wal").stat().st_size


def write(engine: Engine, rows: int = 200) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t (body) VALUES (randomblob(4096))"), [{}] * rows)


def test_make_engine_is_full_unless_told_normal(tmp_path: Path) -> None:
    default = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    normal = make_engine(f"sqlite:///{tmp_path / 'b.db'}", synchronous="normal")
    try:
        assert synchronous(default) == FULL
        assert synchronous(normal) == NORMAL
    finally:
        default.dispose()
        normal.dispose()
    with pytest.raises(ValueError):
        make_engine(f"sqlite:///{tmp_path / 'c.db'}", synchronous="off")


def test_core_follows_the_setting_and_its_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings, _ = make_settings(tmp_path, "sqlite")
    core = build_core(settings)
    try:
        assert synchronous(core.db.engine) == FULL
    finally:
        core.close()
    monkeypatch.setenv("SES_EMULATOR_SQLITE_SYNCHRONOUS", "NORMAL")
    (tmp_path / "normal").mkdir()
    settings, _ = make_settings(tmp_path / "normal", "sqlite")
    assert settings.sqlite_synchronous == "normal"
    core = build_core(settings)
    try:
        assert synchronous(core.db.engine) == NORMAL
    finally:
        core.close()


@pytest.mark.parametrize("value", ["off", "extra", ""])
def test_settings_refuse_other_modes(value: str) -> None:
    with pytest.raises(ValidationError, match="sqlite_synchronous"):
        Settings(sqlite_synchronous=value)


def test_idle_wal_is_truncated_on_the_second_quiet_pass(engine: Engine) -> None:
    write(engine)
    assert wal_size(engine) > 500_000
    checkpoint(engine)  # first look: the WAL just grew, so PASSIVE only
    assert wal_size(engine) > 500_000
    checkpoint(engine)  # no write since: truncate
    assert wal_size(engine) == 0
    write(engine, 1)
    checkpoint(engine)
    assert 0 < wal_size(engine) < 100_000


def test_busy_wal_below_the_limit_stays_but_past_it_is_truncated(engine: Engine) -> None:
    write(engine)
    checkpoint(engine)
    write(engine)  # a write between passes: not idle, and under 64 MiB
    checkpoint(engine)
    grown = wal_size(engine)
    assert grown > 500_000
    write(engine)
    checkpoint(engine, wal_max_bytes=grown // 2)
    assert wal_size(engine) == 0
    write(engine, 5)
    checkpoint(engine, wal_max_bytes=0)  # 0: every pass truncates
    assert wal_size(engine) == 0


@pytest.mark.parametrize("hold", ["write", "read"])
def test_checkpoint_gives_way_to_a_held_transaction(engine: Engine, hold: str) -> None:
    write(engine)
    other = sqlite3.connect(str(engine.url.database), isolation_level=None)
    try:
        if hold == "write":
            other.execute("BEGIN IMMEDIATE")
            other.execute("INSERT INTO t (body) VALUES (x'00')")
        else:
            other.execute("BEGIN")
            other.execute("SELECT count(*) FROM t").fetchone()  # a snapshot that still needs the WAL
            write(engine)
        t0 = time.monotonic()
        checkpoint(engine, wal_max_bytes=0)
        assert time.monotonic() - t0 < 2.0  # a short busy timeout, not the committer's 30 s
        assert wal_size(engine) > 0
        other.execute("COMMIT")
    finally:
        other.close()
    checkpoint(engine, wal_max_bytes=0)
    assert wal_size(engine) == 0
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar_one() in (201, 400)


def test_checkpoint_is_a_no_op_without_a_sqlite_file(tmp_path: Path) -> None:
    memory = make_engine("sqlite://")
    try:
        checkpoint(memory, wal_max_bytes=0)
    finally:
        memory.dispose()
    gone = make_engine(f"sqlite:///{tmp_path / 'never-opened.db'}")
    checkpoint(gone)  # no WAL file yet: nothing to do, and nothing raised
    assert not (tmp_path / "never-opened.db-wal").exists()


def test_the_running_server_truncates_its_idle_wal(make_server: Any) -> None:
    srv = make_server(smtp_auth="any")
    wal = Path(srv.core.settings.data_dir) / "emulator.db-wal"
    with smtplib.SMTP("127.0.0.1", srv.endpoints.smtp_port, timeout=10) as c:
        for i in range(20):
            c.sendmail(
                "noreply@mail.example.com",
                ["to@example.com"],
                f"Subject: {i}\r\n\r\n" + ("x" * 900 + "\r\n") * 5,
            )
    deadline = time.monotonic() + 10  # the scheduler passes every 0.2 s here
    while wal.stat().st_size > 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert wal.stat().st_size == 0
