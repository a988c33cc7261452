"""Per-transaction scratch space for the sending checks.

The committer runs every queued job's checks before it inserts any of them, so a check that counts
stored mail must also count what earlier jobs of the same transaction were allowed to send. This
keeps those tallies (and cached look-ups) on the connection, tied to the current transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

_KEY = "ses_emulator_scratch"


def scratch(conn: Connection) -> dict[Any, Any]:
    txn = conn.get_transaction()
    slot = conn.info.get(_KEY)
    if slot is None or slot[0] is not txn:
        slot = (txn, {})  # holding `txn` keeps its identity unique while the slot lives
        conn.info[_KEY] = slot
    data: dict[Any, Any] = slot[1]
    return data
