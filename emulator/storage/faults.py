"""Which database errors are temporary faults (down, unreachable, connection lost, locked, read-only, out
of disk): the one rule every front-end uses to answer "retry later" in its own form (admin/UI: 503 in
emulator.http_faults; /readyz: not ready) instead of reporting a bug."""

from __future__ import annotations

import errno
import os
import sqlite3
import sys
from collections.abc import Iterator
from typing import Any

from sqlalchemy import exc as sa_exc

# SQLite primary result codes that a retry can outlive (the disk frees up, the lock is released).
_SQLITE = {
    "FULL": "the disk or database is full",
    "IOERR": "disk I/O error",
    "BUSY": "the database is locked",
    "LOCKED": "the database is locked",
    "CANTOPEN": "the database file cannot be opened",
    "READONLY": "the database is read-only",
    "NOMEM": "out of memory",
    "PROTOCOL": "a file-locking race",
}
_OS_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS})
_PG_TEMPORARY_STATES = frozenset({"25006"})  # read_only_sql_transaction: a standby, mid-failover


def database_fault(exc: BaseException) -> str | None:
    """A short reason (no URL, no SQL, no parameters) when `exc`, or an exception it wraps, is a
    temporary fault of the database or its disk; None for anything else."""
    for e in _chain(exc):
        reason = _reason(e)
        if reason is not None:
            return reason
    return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    todo, seen = [exc], set[int]()
    while todo and len(seen) < 16:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        if isinstance(e, BaseExceptionGroup):
            todo.extend(e.exceptions)
        if e.__cause__ is not None:  # explicit wrapping only: a bug raised while handling a fault is a bug
            todo.append(e.__cause__)


def _reason(e: BaseException) -> str | None:
    if isinstance(e, sa_exc.TimeoutError):
        return "no database connection became free in time"
    if isinstance(e, sa_exc.DBAPIError) and e.connection_invalidated:
        return "the connection was lost"
    if isinstance(e, sqlite3.Error):
        name = getattr(e, "sqlite_errorname", "") or ""
        return _SQLITE.get(name.removeprefix("SQLITE_").split("_")[0])
    if isinstance(e, OSError) and e.errno in _OS_ERRNOS:
        return os.strerror(e.errno or errno.EIO)
    pg: Any = sys.modules.get("psycopg")  # not imported here: if it is not loaded, e is not one of its errors
    if pg is not None and isinstance(e, pg.Error):
        state = getattr(e, "sqlstate", None)
        if isinstance(e, (pg.OperationalError, pg.InterfaceError)) or state in _PG_TEMPORARY_STATES:
            return f"{type(e).__name__}, SQLSTATE {state}" if state else "cannot connect, or connection lost"
    return None


# What a database fault can be raised as: the front-ends register their handlers for these classes and
# ask database_fault which instances are temporary (so they never import the drivers themselves).
FAULT_CLASSES: tuple[type[Exception], ...] = (
    sa_exc.DBAPIError,
    sa_exc.TimeoutError,
    sqlite3.Error,
    OSError,
)

__all__ = ["FAULT_CLASSES", "database_fault"]
