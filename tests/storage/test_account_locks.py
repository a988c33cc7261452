"""The account row lock every write path takes (accounts_repo.lock_accounts), on real PostgreSQL: it
still excludes a second locker, but a row that references the account (a rate hit, whose foreign-key
check takes KEY SHARE on the account row) is not held up behind it."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from emulator.storage import accounts_repo, limits_repo


def test_a_locked_account_takes_referencing_rows_but_not_a_second_lock(pg: Any) -> None:
    aid = pg.accounts.create("locked").account_id
    with pg.db.write() as held:
        accounts_repo.lock_accounts(held, [aid])  # as a send transaction holds it
        with pg.db.write() as other:
            other.execute(text("SET LOCAL lock_timeout = '2s'"))
            assert limits_repo.take_rate_slot(other, aid, "SendEmail", 1_000_000, 1_000_000, 10)
        # (the lock runs on the DB-API cursor, storage.raw: psycopg's own error, not SQLAlchemy's)
        refused = (OperationalError, psycopg.errors.LockNotAvailable)
        with pytest.raises(refused, match="lock timeout"), pg.db.write() as other:
            other.execute(text("SET LOCAL lock_timeout = '200ms'"))
            accounts_repo.lock_accounts(other, [aid])
    with pg.db.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM rate_hits")).scalar_one() == 1
