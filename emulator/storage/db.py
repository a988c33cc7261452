"""Engine creation for SQLite (default, one file in the data directory) and PostgreSQL."""

from __future__ import annotations

import logging
import os
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DataError

from emulator.errors import InvalidParameterValue, TencentError
from emulator.storage import mail_codec, revision
from emulator.storage.write_turn import WriteTurn

log = logging.getLogger(__name__)
BUSY_TIMEOUT_MS = 30_000
# How long a truncating checkpoint may wait for readers while it holds the write lock (the committer
# waits behind it meanwhile): short, then it gives up and the PASSIVE pass stands.
TRUNCATE_BUSY_MS = 50


def unstorable(exc: BaseException | None, dbapi: Any) -> TencentError | None:
    """A value no column can hold (an integer beyond the column's range, a NUL character in PostgreSQL
    text, a lone surrogate) is the caller's bad input, not an internal error: every front-end answers
    it as InvalidParameterValue instead of a 500 / InternalError with a traceback."""
    data_error = getattr(dbapi, "DataError", None) if dbapi is not None else None
    if isinstance(exc, (OverflowError, UnicodeEncodeError, DataError)) or (
        data_error is not None and isinstance(exc, data_error)
    ):
        return InvalidParameterValue(
            "A parameter is out of range or holds characters that cannot be stored (e.g. NUL).",
        )
    return None


def _refuse_unstorable_values(engine: Engine) -> None:
    @event.listens_for(engine, "handle_error")
    def _bad_value(ctx: ExceptionContext) -> BaseException | None:
        return unstorable(ctx.sqlalchemy_exception, None) or unstorable(
            ctx.original_exception, engine.dialect.dbapi
        )


def make_engine(url: str, *, synchronous: str = "full") -> Engine:
    """SQLite commits with `synchronous=FULL` by default: like Postfix's fsync of its queue file, the WAL
    is on disk before a 250 / MessageId is answered, so not even a power loss loses acknowledged mail
    (group commit spreads the fsync over many messages). "normal" survives a crash of this process but
    not of the OS. PostgreSQL ignores `synchronous`: durability is the server's `synchronous_commit`
    (on by default: the commit's WAL is flushed before COMMIT returns)."""
    if synchronous not in ("full", "normal"):
        raise ValueError(f"synchronous must be 'full' or 'normal', not {synchronous!r}")
    engine = _make_engine(url, synchronous.upper())
    _refuse_unstorable_values(engine)
    return engine


def _make_engine(url: str, synchronous: str) -> Engine:
    kwargs: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            # No checkpoint inside a commit: the committer would stall on its fsyncs (every 4 MB of
            # WAL by default, i.e. every few large messages). `checkpoint()` runs them off the hot path.
            cur.execute("PRAGMA wal_autocheckpoint=0")
            cur.close()
            # messages.search_text as SQL reads it (zstd BLOB or plain TEXT: storage.mail_codec); the
            # search index's triggers and the `text` filter call it
            dbapi_conn.create_function("ses_text", 1, mail_codec.unpack_text, deterministic=True)
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


Tx = Connection
"""A connection inside a transaction, as services hand it to repositories (never used for SQL above
storage)."""


class Database:
    """One database's handles, built once by the composition root: reads, writes (SQLite takes its write
    lock at BEGIN) and the committer's send-batch writes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.writer = writer(engine)
        self.send_writer = self.writer.execution_options(keeps_caches=True)
        self.turn = WriteTurn.of(engine)  # SQLite: the processes' writers take turns (storage.write_turn)

    def read(self) -> Connection:
        """A connection for reads (use as a context manager)."""
        return self.engine.connect()

    def write(self) -> AbstractContextManager[Connection]:
        """One write transaction: commits on success, rolls back on an exception."""
        return self._in_turn(self.writer)

    def write_counters(self) -> AbstractContextManager[Connection]:
        """A write transaction that only counts (request-rate hits): look-up caches are kept."""
        return self._in_turn(self.send_writer)

    @contextmanager
    def _in_turn(self, engine: Engine) -> Iterator[Connection]:
        with self.turn(), engine.begin() as conn:
            yield conn

    def after_write_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` after every committed write transaction of this process except the committer's
        send batches and counter writes (which never change what look-up caches hold)."""

        @event.listens_for(self.engine, "commit")
        def _on_commit(conn: Any) -> None:
            options = conn.get_execution_options()
            if options.get("write") and not options.get("keeps_caches"):
                callback()

    def dispose(self) -> None:
        self.engine.dispose()
        self.turn.close()


# WAL (size, mtime) seen after each engine's last checkpoint pass: unchanged means no write since.
_last_wal: weakref.WeakKeyDictionary[Engine, tuple[int, int]] = weakref.WeakKeyDictionary()


def checkpoint(engine: Engine, wal_max_bytes: int = 64 * 1024 * 1024) -> None:
    """Copy the SQLite WAL into the database (PASSIVE: writers go on); then, when no write came since the
    last pass or the WAL file is past `wal_max_bytes` (0: always), truncate it so it stays bounded. The
    truncation waits at most TRUNCATE_BUSY_MS for readers; if busy it is left for a later pass. Never
    raises: a failed checkpoint must not end the scheduler. No-op on PostgreSQL and in-memory SQLite."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return
    wal = f"{engine.url.database}-wal"
    try:
        before = _wal_stat(wal)
        if before is None or before[0] == 0:
            return
        idle = _last_wal.get(engine) == before
        with engine.connect() as conn:
            raw: Any = conn.connection.dbapi_connection
            raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            if idle or before[0] > wal_max_bytes:
                _truncate(raw)
        after = _wal_stat(wal)
        if after is not None:
            _last_wal[engine] = after
    except Exception:  # noqa: BLE001 - the next pass tries again
        log.warning("WAL checkpoint failed", exc_info=True)


def _wal_stat(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_size, st.st_mtime_ns


def _truncate(raw: Any) -> None:
    raw.execute(f"PRAGMA busy_timeout={TRUNCATE_BUSY_MS}")
    try:
        busy = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        if busy:
            log.debug("WAL truncation busy (a reader or writer is active); PASSIVE pass stands")
    except Exception as exc:  # noqa: BLE001 - "database is locked": same as busy
        log.debug("WAL truncation skipped: %s", exc)
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


# Alembic, imported only when a migration may be due (create_schema), logs its plugins' set-up at INFO
# as it loads: after the emulator's logging is configured, those lines would reach the start-up output.
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def create_schema(engine: Engine) -> None:
    """Run the Alembic migrations the database lacks (a fresh one, or one from before the migrations,
    goes to the newest revision); refuse one written by a newer emulator. Under one write transaction:
    concurrent first starts of several processes serialise on it (SQLite's BEGIN IMMEDIATE) or on an
    advisory lock (PostgreSQL), and the later ones find the work done."""
    with writer(engine).begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(731001)")
        if revision.at_head(conn):
            return  # a restart on a current database: Alembic is not even imported
        from emulator.storage import migrate

        migrate.upgrade(conn)
