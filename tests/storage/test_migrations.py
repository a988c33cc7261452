"""The schema's models and its Alembic migrations, on real SQLite files and real PostgreSQL schemas.

The fixtures under fixtures/ were written from the last release before the models and migrations:
its DDL for both dialects and the Python-side column attributes DDL does not show (ddl_*.sql,
columns.json), plus rows as that release stored them (pre_alembic_rows.sql)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateIndex, CreateTable

from emulator.bootstrap import Emulator
from emulator.storage import migrate, revision, search_index
from emulator.storage.db import create_schema, make_engine
from emulator.storage.schema import metadata
from tests.conftest import PgSchema, Server, make_settings, require_pg
from tests.hardening.proc import ServerProc

FIXTURES = Path(__file__).with_name("fixtures")
BACKENDS = ["sqlite", "postgresql"]
# what a database from before api_tables and clock_moves lacks: create_all never added to old tables
LATER_TABLES = {
    "clock_moves", "fault_rules", "platform_blacklist", "unsubscribed", "custom_blacklist",
    "global_settings", "unsubscribe_configs", "receivers", "receiver_details", "send_tasks",
    "task_messages", "callback_urls", "callback_events", "callback_attempts",
}  # fmt: skip
LATER_INDEXES = {"ix_recipients_address", "ix_messages_account_time"}
# tables created by revisions after the baseline: the frozen DDL is the last pre-Alembic release's
AFTER_BASELINE = {"notice_settings", "notices"}  # 0002
AFTER_BASELINE |= {"domain_reputation", "reputation_history"}  # 0004
AFTER_BASELINE |= {"rate_hits"}  # 0008
AFTER_BASELINE |= {"cam_sub_users", "cam_keys", "cam_sessions"}  # 0005
AFTER_BASELINE |= {"access_tokens", "access_token_accounts"}  # 0006
# columns added to baseline tables by later revisions: left out of the frozen DDL and attributes likewise
AFTER_BASELINE_COLUMNS = {"accounts": {"profile", "smtp_checks"}}  # 0003


def _without_later_columns(table_name: str, ddl: str) -> str:
    later = AFTER_BASELINE_COLUMNS.get(table_name, set())
    return "\n".join(ln for ln in ddl.split("\n") if ln.strip().split(" ")[0] not in later)


def models_ddl(dialect: Any) -> str:
    out = []
    for table in metadata.sorted_tables:  # dependency order: the fixture is also a runnable script
        if table.name in AFTER_BASELINE:
            continue
        ddl = str(CreateTable(table).compile(dialect=dialect)).strip()
        out.append(_without_later_columns(table.name, ddl) + ";")
        for ix in sorted(table.indexes, key=lambda i: i.name or ""):
            out.append(str(CreateIndex(ix).compile(dialect=dialect)).strip() + ";")
    return "\n\n".join(out) + "\n"


@pytest.mark.parametrize("name", ["sqlite", "postgresql"])
def test_models_emit_the_frozen_ddl(name: str) -> None:
    dialect = {"sqlite": sqlite.dialect(), "postgresql": postgresql.dialect()}[name]
    assert models_ddl(dialect) == (FIXTURES / f"ddl_{name}.sql").read_text()


def test_models_keep_the_python_side_column_attributes() -> None:
    """Defaults, autoincrement and column order matter to Core inserts, not only to DDL."""
    frozen = json.loads((FIXTURES / "columns.json").read_text())
    tables = [t for t in metadata.tables.values() if t.name not in AFTER_BASELINE]

    def baseline_columns(t: Any) -> list[Any]:
        return [c for c in t.columns if c.name not in AFTER_BASELINE_COLUMNS.get(t.name, set())]

    assert {t.name: [c.name for c in baseline_columns(t)] for t in tables} == frozen["column_order"]
    for table in tables:
        for col in baseline_columns(table):
            d = col.default
            assert {
                "type": repr(col.type), "nullable": col.nullable, "primary_key": col.primary_key,
                "autoincrement": str(col.autoincrement), "unique": bool(col.unique), "index": bool(col.index),
                "default": None if d is None else repr(getattr(d, "arg", d)),
                "server_default": None if col.server_default is None else repr(col.server_default),
                "foreign_keys": sorted(f"{fk.target_fullname} ondelete={fk.ondelete}" for fk in col.foreign_keys),
            } == frozen["columns"][table.name][col.name], f"{table.name}.{col.name}"  # fmt: skip


def test_migration_files_are_package_data() -> None:
    """`pip install .` ships *.py of packages by itself; the revision template needs package-data."""
    config = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert "script.py.mako" in config["tool"]["setuptools"]["package-data"]["emulator.storage.migrations"]
    assert (migrate.MIGRATIONS / "versions" / "__init__.py").exists()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'emulator.db'}"
        return
    require_pg()
    schema = PgSchema()
    try:
        yield schema.url
    finally:
        schema.drop()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def assert_at_head(engine: Engine) -> None:
    with engine.connect() as conn:
        opts = {"include_name": search_index.include_name}  # migration 0007's FTS5 tables / trigram indexes
        assert compare_metadata(MigrationContext.configure(conn, opts=opts), metadata) == []
        revisions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        assert revisions == [migrate.head()]
        assert conn.execute(text("SELECT id, version FROM schema_info")).all() == [(1, 1)]


def test_fresh_database_reaches_head_and_matches_the_models(engine: Engine) -> None:
    create_schema(engine)
    assert_at_head(engine)
    create_schema(engine)  # a restart: nothing to do


def test_the_head_without_alembic_is_alembics_head() -> None:
    """storage.revision reads the head from the numbered files; Alembic from the revision graph (one
    line of revisions: a branch would have two heads, and get_current_head would raise)."""
    assert revision.head() == migrate.head()


RESTART = """
import sys
from emulator.storage.db import create_schema, make_engine
engine = make_engine(sys.argv[1])
create_schema(engine)
engine.dispose()
print(sorted(m for m in sys.modules if m.split(".")[0] in ("alembic", "mako")))
"""


def test_a_restart_on_a_current_database_does_not_import_alembic(engine: Engine, db_url: str) -> None:
    """About 0.16 s of every start (Alembic, mako, pygments) where nothing is to migrate; a database
    behind the head still gets Alembic (test_database_at_the_previous_revision_is_upgraded_with_its_rows)."""
    run = [sys.executable, "-c", RESTART, db_url]
    fresh = subprocess.run(run, capture_output=True, text=True, timeout=60, check=True)
    assert "alembic" in fresh.stdout  # a fresh database: the migrations ran
    assert_at_head(engine)
    again = subprocess.run(run, capture_output=True, text=True, timeout=60, check=True)
    assert again.stdout.strip() == "[]", again.stdout
    assert_at_head(engine)


def legacy_statements(dialect: str, *, older: bool) -> list[str]:
    """The last pre-Alembic release's schema (older: before api_tables and clock_moves) and rows."""
    ddl = (FIXTURES / f"ddl_{dialect}.sql").read_text().split(";\n\n")
    rows = (FIXTURES / "pre_alembic_rows.sql").read_text()
    rows = "\n".join(line for line in rows.splitlines() if not line.startswith("--"))
    if dialect == "postgresql":
        rows = re.sub(r"X'([0-9a-f]*)'", r"decode('\1', 'hex')", rows)
    stmts = [s.strip().rstrip(";") for s in ddl + rows.split(";\n")]
    if older:
        names = LATER_TABLES | LATER_INDEXES
        stmts = [s for s in stmts if not any(re.search(rf"\b{n}\b", s.split("(")[0]) for n in names)]
    return [s for s in stmts if s]


def snapshot(engine: Engine) -> dict[str, list[Any]]:
    """The legacy account's rows (the server adds a default account of its own)."""
    with engine.connect() as conn:
        rows = {"accounts": list(conn.execute(text("SELECT * FROM accounts WHERE id = 1")))}
        for t in ("messages", "message_recipients", "usage_daily", "bills", "ledger"):
            rows[t] = list(conn.execute(text(f"SELECT * FROM {t} WHERE account_id = 1 ORDER BY 1, 2")))
        return {
            t: [
                tuple(v for k, v in r._mapping.items() if k not in AFTER_BASELINE_COLUMNS.get(t, set()))
                for r in rs
            ]
            for t, rs in rows.items()
        }


@pytest.mark.parametrize("older", [False, True], ids=["last-release", "before-api-tables"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_pre_alembic_database_is_upgraded_with_its_rows(backend: str, older: bool, tmp_path: Path) -> None:
    settings, schema = make_settings(tmp_path, backend)
    engine = make_engine(settings.resolved_database_url())
    try:
        with engine.begin() as conn:
            for stmt in legacy_statements(backend, older=older):
                conn.exec_driver_sql(stmt)
        assert not inspect(engine).has_table("alembic_version")
        assert inspect(engine).has_table("clock_moves") is not older
        before = snapshot(engine)
        assert before["messages"][0][11] == b"Hello"

        em = Emulator(settings)
        srv = Server(em, em.start_in_thread())
        try:
            assert srv.admin("GET", "/accounts/legacy/messages").json()
            acct = srv.state("legacy")
            assert (acct["free_used"], acct["balance_micro"]) == (1, 999_700)
            # 0003: an account from before profiles is what it always was (its rows kept: see snapshot)
            assert (acct["profile"], acct["simple_sending"], acct["smtp_checks"]) == ("sandbox", True, False)
            bills = srv.admin("GET", "/accounts/legacy/bills").json()
            assert [(b["amount_micro"], b["status"]) for b in bills] == [(300, "paid")]
        finally:
            srv.close()
            em.stop_thread()
        assert snapshot(engine) == before
        assert_at_head(engine)
    finally:
        engine.dispose()
        if schema:
            schema.drop()


def test_database_from_a_newer_emulator_is_refused(engine: Engine) -> None:
    create_schema(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(RuntimeError, match=r"revision '9999', unknown to this emulator .*newer emulator"):
        create_schema(engine)


def test_newer_schema_info_version_is_refused(engine: Engine) -> None:
    create_schema(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE schema_info SET version = 99"))
    with pytest.raises(RuntimeError, match="database schema 99 is newer than this emulator"):
        create_schema(engine)


@pytest.mark.parametrize("backend", BACKENDS)
def test_servers_starting_at_once_on_one_database_both_succeed(backend: str, tmp_path: Path) -> None:
    """Concurrent first starts: one runs the migrations, the others wait for it (PostgreSQL's advisory
    lock, SQLite's BEGIN IMMEDIATE) and then find the database at head."""
    url = None
    schema = None
    if backend == "postgresql":
        require_pg()
        schema = PgSchema()
        url = schema.url
    else:
        url = f"sqlite:///{tmp_path / 'shared.db'}"
    procs = [ServerProc(tmp_path / f"d{i}", url) for i in range(3)]
    errors: list[BaseException] = []

    def start(p: ServerProc) -> None:
        try:
            p.start()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(p,)) for p in procs]
    try:
        for p in procs:
            p.data_dir.mkdir()
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
        assert not errors, errors
        for p in procs:
            assert p.admin("GET", "/accounts").status_code == 200
        engine = make_engine(url)
        try:
            assert_at_head(engine)
        finally:
            engine.dispose()
    finally:
        for p in procs:
            p.stop()
        if schema:
            schema.drop()


# Each process connects, says it is ready and waits; once all are ready, all are told to go at once and
# run create_schema: the migrations race for real (without the lock most of these processes fail on
# "relation already exists"), however long each one took to start.
RACER = """
import sys
from emulator.storage.db import create_schema, make_engine
engine = make_engine(sys.argv[1])
engine.connect().close()
print("ready", flush=True)
sys.stdin.readline()
create_schema(engine)
"""


def test_processes_migrating_at_the_same_instant_all_succeed(db_url: str) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, db_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline() == b"ready\n", p.communicate(timeout=60)[1]
        for p in procs:
            assert p.stdin is not None
            p.stdin.write(b"go\n")
            p.stdin.flush()
        errors = [p.communicate(timeout=60)[1].decode() for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    failures = [err for p, err in zip(procs, errors, strict=True) if p.returncode != 0]
    assert not failures, failures[0]
    engine = make_engine(db_url)
    try:
        assert_at_head(engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_database_at_the_previous_revision_is_upgraded_with_its_rows(backend: str, tmp_path: Path) -> None:
    """0001 -> 0002 (notices): a database written at 0001 holding an account upgrades at start-up, its
    rows untouched, and that account then gets notices: its settings answer the documented default
    address (it has no sender: owner@ses-emulator.local) and a threshold above its balance of
    0.999700 USD sends the low-balance warning at once, into its mailbox."""
    from alembic import command

    settings, schema = make_settings(tmp_path, backend)
    engine = make_engine(settings.resolved_database_url())
    try:
        with engine.begin() as conn:
            command.upgrade(migrate.config(conn), "0001")
            for stmt in legacy_statements(backend, older=False):
                if stmt.startswith("INSERT") and "schema_info" not in stmt:  # 0001 wrote schema_info
                    conn.exec_driver_sql(stmt)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == ["0001"]
        assert not inspect(engine).has_table("notices")
        before = snapshot(engine)

        em = Emulator(settings)
        srv = Server(em, em.start_in_thread())
        try:
            got = srv.admin("GET", "/accounts/legacy/notices/settings").json()
            assert (got["address"], got["address_is_default"], got["low_balance_threshold"]) == (
                "owner@ses-emulator.local",
                True,
                None,
            )
            r = srv.admin("PUT", "/accounts/legacy/notices/settings", json={"low_balance_threshold": "1.00"})
            assert r.status_code == 200, r.text
            assert r.json()["low_balance_below"] is True
            [notice] = srv.admin("GET", "/accounts/legacy/notices").json()
            assert (notice["kind"], notice["balance_micro"], notice["threshold_micro"]) == (
                "low_balance",
                999_700,
                1_000_000,
            )
            mail = srv.admin("GET", "/accounts/legacy/messages?source=notice").json()["messages"]
            assert [m["id"] for m in mail] == [notice["message_id"]]
        finally:
            srv.close()
            em.stop_thread()
        after = snapshot(engine)
        after["messages"] = [m for m in after["messages"] if m[3] != "notice"]
        assert after == before
        assert_at_head(engine)
    finally:
        engine.dispose()
        if schema:
            schema.drop()
