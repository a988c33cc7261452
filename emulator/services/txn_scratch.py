"""Per-transaction scratch space for the sending checks.

The committer runs every queued job's checks before it inserts any of them, so a check that counts
stored mail must also count what earlier jobs of the same transaction were allowed to send. This
keeps those tallies (and cached look-ups) on the connection, tied to the current transaction."""

from __future__ import annotations

from typing import Any

from emulator.storage import send_policy_repo
from emulator.storage.db import Tx

_KEY = "ses_emulator_scratch"


def scratch(conn: Tx) -> dict[Any, Any]:
    txn = conn.get_transaction()
    slot = conn.info.get(_KEY)
    if slot is None or slot[0] is not txn:
        slot = (txn, {})  # holding `txn` keeps its identity unique while the slot lives
        conn.info[_KEY] = slot
    data: dict[Any, Any] = slot[1]
    return data


def send_policy(conn: Tx, account_id: int) -> send_policy_repo.SendPolicy:
    """The account's blacklist presence, fault rules, enabled IPs and next IP ready time, read once per
    transaction (again after forget_send_policy)."""
    cache = scratch(conn)
    key = ("send_policy", account_id)
    found = cache.get(key)
    if found is None:
        found = cache[key] = send_policy_repo.send_policy(conn, account_id)
    return found


def forget_send_policy(conn: Tx, account_id: int) -> None:
    """The account's due events changed its IPs in this transaction: read the policy again."""
    scratch(conn).pop(("send_policy", account_id), None)
