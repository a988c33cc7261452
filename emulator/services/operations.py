"""What operations read from the database: the readiness write probe (/readyz) and the bill and account
gauges /metrics reports at scrape time (right across processes sharing PostgreSQL)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.storage import stats_repo

if TYPE_CHECKING:
    from emulator.storage.db import Database


class OperationsService:
    def __init__(self, db: Database) -> None:
        self.db = db

    @property
    def database_name(self) -> str:
        """'sqlite' or 'postgresql'."""
        return str(self.db.engine.dialect.name)

    def probe_write(self, lock_ms: int) -> None:
        """Raises when the database cannot take a write now (see stats_repo.write_probe)."""
        stats_repo.write_probe(self.db.engine, lock_ms)

    def bill_totals(self) -> dict[tuple[str, str], tuple[int, int]]:
        """{(kind, status): (count, amount micro-USD)}."""
        with self.db.read() as conn:
            return {(k, s): (n, a) for k, s, n, a in stats_repo.bill_totals(conn)}

    def account_states(self) -> dict[str, int]:
        """{'active' | 'arrears' | 'manual': accounts}."""
        with self.db.read() as conn:
            return dict(stats_repo.account_states(conn))
