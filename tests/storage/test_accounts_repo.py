"""Account inserts that lose a race: the name (or SecretId) was free when the caller looked and taken
by another process before its INSERT. Seen on PostgreSQL when servers start at once on one empty
database and each creates the default account: the loser must get Conflict (which `ensure_default`
treats as "another process made it"), not an IntegrityError that ends the process."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from emulator.errors import Conflict
from emulator.storage import accounts_repo


def _values(name: str, secret_id: str) -> dict[str, Any]:
    return {
        "name": name,
        "app_id": 1300000999,
        "secret_id": secret_id,
        "secret_key": "k" * 32,
        "created_us": 0,
        "clock_offset_us": 0,
        "clock_frozen_us": None,
        "events_until_us": 0,
        "free_quota": 1000,
        "free_used": 0,
        "simple_allowed": True,
        "settings_json": "{}",
    }


def test_an_insert_that_lost_the_race_for_a_name_is_a_conflict(core: Any) -> None:
    before = len(core.accounts.list())
    with core.db.write() as conn:
        accounts_repo.insert_account(conn, **_values("raced", "AKIDraced0001"))
    with pytest.raises(Conflict), core.db.write() as conn:
        accounts_repo.insert_account(conn, **_values("raced", "AKIDraced0002"))
    with pytest.raises(Conflict), core.db.write() as conn:
        accounts_repo.insert_accounts(
            conn, [_values("other", "AKIDraced0003"), _values("raced", "AKIDraced4")]
        )
    assert len(core.accounts.list()) == before + 1  # the losing transactions wrote nothing


def test_the_default_account_created_by_another_process_meanwhile_is_found(core: Any) -> None:
    """Another process's transaction inserts the default account and commits while this one is
    creating it: this one waits on the index (PostgreSQL) or the writer lock (SQLite), loses, and
    answers the account the other made."""
    settings = core.settings
    result: list[Any] = []

    def ensure() -> None:
        try:
            result.append(core.accounts.ensure_default())
        except BaseException as exc:  # noqa: BLE001 - asserted below
            result.append(exc)

    with core.db.write() as conn:
        values = _values("default", settings.default_secret_id)
        values["secret_key"] = settings.default_secret_key
        other_id = accounts_repo.insert_account(conn, **values)
        t = threading.Thread(target=ensure)
        t.start()
        time.sleep(0.5)  # the thread has read "no default" and is blocked in its own insert
    t.join(30)
    assert len(result) == 1 and not isinstance(result[0], BaseException), result
    assert result[0].account_id == other_id
