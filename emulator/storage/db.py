"""Engine creation for SQLite (default, one file in the data directory) and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event, insert, select
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DataError

from emulator.errors import TencentError
from emulator.storage.tables import SCHEMA_VERSION, metadata, schema_info


def unstorable(exc: BaseException | None, dbapi: Any) -> TencentError | None:
    """A value no column can hold (an integer beyond the column's range, a NUL character in PostgreSQL
    text, a lone surrogate) is the caller's bad input, not an internal error: every front-end answers
    it as InvalidParameterValue instead of a 500 / InternalError with a traceback."""
    data_error = getattr(dbapi, "DataError", None) if dbapi is not None else None
    if isinstance(exc, (OverflowError, UnicodeEncodeError, DataError)) or (
        data_error is not None and isinstance(exc, data_error)
    ):
        return TencentError(
            "InvalidParameterValue",
            "A parameter is out of range or holds characters that cannot be stored (e.g. NUL).",
        )
    return None


def _refuse_unstorable_values(engine: Engine) -> None:
    @event.listens_for(engine, "handle_error")
    def _bad_value(ctx: ExceptionContext) -> BaseException | None:
        return unstorable(ctx.sqlalchemy_exception, None) or unstorable(
            ctx.original_exception, engine.dialect.dbapi
        )


def make_engine(url: str) -> Engine:
    engine = _make_engine(url)
    _refuse_unstorable_values(engine)
    return engine


def _make_engine(url: str) -> Engine:
    kwargs: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL + NORMAL: a committed transaction survives a crash of this process (the WAL is
            # written before commit returns); only an OS crash could lose the last commits.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            # No checkpoint inside a commit: the committer would stall on its fsyncs (every 4 MB of
            # WAL by default, i.e. every few large messages). `checkpoint()` runs them off the hot path.
            cur.execute("PRAGMA wal_autocheckpoint=0")
            cur.close()
            # let SQLAlchemy's BEGIN be an immediate write lock where we ask for it
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            immediate = conn.get_execution_options().get("write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
    return create_engine(url, **kwargs)


def writer(engine: Engine) -> Engine:
    """The same engine, marked so SQLite takes its write lock at BEGIN (no lock-upgrade deadlocks)."""
    return engine.execution_options(write=True)


def checkpoint(engine: Engine) -> None:
    """Copy the SQLite WAL into the database without blocking writers (PASSIVE); no-op elsewhere."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")


def create_schema(engine: Engine) -> None:
    """Create missing tables; refuse a database written by a newer schema."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # serialise concurrent first starts of several processes
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(731001)")
        metadata.create_all(conn)
        version = conn.execute(select(schema_info.c.version)).scalar()
        if version is None:
            conn.execute(insert(schema_info).values(id=1, version=SCHEMA_VERSION))
        elif version > SCHEMA_VERSION:
            raise RuntimeError(f"database schema {version} is newer than this emulator ({SCHEMA_VERSION})")
