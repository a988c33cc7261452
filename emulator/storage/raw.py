"""Hot-path statements run straight on the DB-API cursor of a SQLAlchemy connection.

The group committer runs about ten small statements per batch. SQLAlchemy's per-execution bookkeeping
(cache keys, contexts, result objects, events) costs several times what SQLite itself spends on such a
statement, so these are written as ordinary Core statements, compiled once per dialect, and executed on
the cursor inside the caller's transaction. Only plain values go through here (integers, strings, bytes):
no type processing is needed or done."""

from __future__ import annotations

import operator
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, insert, select
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement

from emulator.storage.db import unstorable


@dataclass(frozen=True)
class _Compiled:
    sql: str
    fixed: dict[str, Any]
    pick: Callable[[Mapping[str, Any]], Any] | None = None  # the positional values, in order


def _picker(order: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    get = operator.itemgetter(*order)
    if len(order) == 1:
        return lambda p: (get(p),)
    return get


def _fixed_values(compiled: Any) -> dict[str, Any]:
    return {k: v for k, v in compiled.params.items() if not compiled.binds[k].required}


MAX_ROWS_PER_INSERT = 32
SQLITE_MAX_VARIABLES = 999  # the limit of SQLite before 3.32; later ones allow 32,766


def _chunk(left: int, width: int) -> int:
    """Rows for the next multi-row statement: the largest power of two up to what is left (a handful
    of distinct statement texts, so sqlite3's statement cache keeps them all), within the limits."""
    cap = min(left, MAX_ROWS_PER_INSERT, max(1, SQLITE_MAX_VARIABLES // width))
    return 1 << (cap.bit_length() - 1)


class RawStatement:
    def __init__(self, stmt: ClauseElement) -> None:
        self.stmt = stmt
        # per dialect: SQL text, parameter order (positional styles) and the values bound in the
        # statement itself (a LIMIT, a literal compared with)
        self._compiled: dict[str, _Compiled] = {}
        self._multi: dict[int, str] = {}  # SQLite multi-row INSERT text per row count
        self._record: Any = None

    def _sql(self, dialect: Dialect) -> _Compiled:
        hit = self._compiled.get(dialect.name)
        if hit is None:
            compiled: Any = self.stmt.compile(dialect=dialect)
            positional = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
            pick = _picker(positional) if positional else None
            hit = self._compiled[dialect.name] = _Compiled(str(compiled), _fixed_values(compiled), pick)
        return hit

    @staticmethod
    def _params(c: _Compiled, params: Mapping[str, Any]) -> Any:
        if c.fixed:
            params = {**c.fixed, **params}
        return params if c.pick is None else c.pick(params)

    def execute(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        """Run once; returns the DB-API cursor (fetch from it)."""
        c = self._sql(conn.dialect)
        cur = conn.connection.cursor()
        try:
            cur.execute(c.sql, self._params(c, params))
        except Exception as exc:
            raise (unstorable(exc, conn.dialect.dbapi) or exc) from exc
        return cur

    def executemany(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        c = self._sql(conn.dialect)
        cur = conn.connection.cursor()
        try:
            cur.executemany(c.sql, [self._params(c, r) for r in rows])
        except Exception as exc:
            raise (unstorable(exc, conn.dialect.dbapi) or exc) from exc
        finally:
            cur.close()

    def insert_rows(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """executemany for an INSERT ... VALUES of plain parameters; on SQLite, several rows per
        statement (one call into SQLite instead of one per row)."""
        c = self._sql(conn.dialect)
        if conn.dialect.name != "sqlite" or c.pick is None or c.fixed or not rows:
            self.executemany(conn, rows)
            return
        values = [c.pick(r) for r in rows]
        width = len(values[0])
        cur = conn.connection.cursor()
        try:
            at = 0
            while at < len(values):
                n = _chunk(len(values) - at, width)
                cur.execute(self._multi_sql(c, n), [v for row in values[at : at + n] for v in row])
                at += n
        except Exception as exc:
            raise (unstorable(exc, conn.dialect.dbapi) or exc) from exc
        finally:
            cur.close()

    def _multi_sql(self, c: _Compiled, n: int) -> str:
        sql = self._multi.get(n)
        if sql is None:
            head, sep, row = c.sql.rpartition(" VALUES ")
            sql = self._multi[n] = head + sep + ", ".join([row] * n)
        return sql

    def records(self, conn: Connection, params: Mapping[str, Any]) -> list[Any]:
        """Rows with attribute access by column name, like SQLAlchemy's Row (read-only tuples)."""
        cur = self.execute(conn, params)
        try:
            rows = cur.fetchall()
            if self._record is None:
                self._record = namedtuple("Record", [d[0] for d in cur.description])  # type: ignore[misc]
            return [self._record._make(r) for r in rows]
        finally:
            cur.close()

    def all(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        cur = self.execute(conn, params)
        try:
            return list(cur.fetchall())
        finally:
            cur.close()


class RawInsert:
    """INSERT of every column but the autoincrement key; a value left out takes the column's scalar
    default (or NULL), as SQLAlchemy would have filled it in."""

    def __init__(self, table: Table) -> None:
        self.key = table.autoincrement_column
        cols = [c for c in table.c if c is not self.key]
        self.defaults: dict[str, Any] = {c.name: None for c in cols if c.nullable}
        for c in cols:
            if c.default is not None and c.default.is_scalar:
                self.defaults[c.name] = c.default.arg  # type: ignore[attr-defined]
        base = insert(table).values({c.name: bindparam(c.name) for c in cols})
        self.plain = RawStatement(base)
        self.returning = RawStatement(base.returning(self.key)) if self.key is not None else None
        if self.key is not None:  # SQLite: keys assigned by us, rows inserted several per statement
            self.keyed = RawStatement(
                insert(table).values({c.name: bindparam(c.name) for c in [self.key, *cols]})
            )
            self.last_key = RawStatement(select(func.coalesce(func.max(self.key), 0)))

    _params = staticmethod(RawStatement._params)

    def _full(self, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        return [{**self.defaults, **r} for r in rows]

    def many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        self.plain.insert_rows(conn, self._full(rows))

    def many_returning_keys(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert rows and return their generated keys in input order."""
        assert self.returning is not None
        full = self._full(rows)
        if not full:
            return []
        if conn.dialect.name == "postgresql":  # pipelined, one result set per row
            c = self.returning._sql(conn.dialect)
            cur: Any = conn.connection.cursor()
            try:
                cur.executemany(c.sql, [self._params(c, r) for r in full], returning=True)
                keys = [int(cur.fetchone()[0])]
                while cur.nextset():
                    keys.append(int(cur.fetchone()[0]))
                return keys
            except Exception as exc:
                raise (unstorable(exc, conn.dialect.dbapi) or exc) from exc
            finally:
                cur.close()
        # SQLite: this transaction holds the database's write lock (the writer engine begins IMMEDIATE),
        # so the keys after the current largest are ours, as SQLite itself would give them; multi-row
        # statements instead of one execute per row for its lastrowid.
        first = int(self.last_key.all(conn, {})[0][0]) + 1
        keys = list(range(first, first + len(full)))
        assert self.key is not None
        name = self.key.name
        self.keyed.insert_rows(conn, [{**r, name: k} for r, k in zip(full, keys, strict=True)])
        return keys
