"""Queries for the delivery fault rules (outcome patterns per account)."""

from __future__ import annotations

from sqlalchemy import (
    Connection,
    delete,
    insert,
    select,
)

from emulator.domain.records.policy import FaultRuleRecord
from emulator.storage.api_tables import (
    fault_rules,
)

# --- fault rules ---------------------------------------------------------------------------------


def list_rules(conn: Connection, account_id: int) -> list[FaultRuleRecord]:
    query = select(fault_rules).where(fault_rules.c.account_id == account_id).order_by(fault_rules.c.id)
    return [FaultRuleRecord._make(r) for r in conn.execute(query)]


def insert_rule(
    conn: Connection, account_id: int, pattern: str, outcome: str, created_us: int
) -> FaultRuleRecord:
    rid = conn.execute(
        insert(fault_rules).values(
            account_id=account_id, pattern=pattern, outcome=outcome, created_us=created_us
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    return FaultRuleRecord._make(conn.execute(select(fault_rules).where(fault_rules.c.id == rid)).one())


def delete_rules(conn: Connection, account_id: int, rule_id: int | None = None) -> int:
    stmt = delete(fault_rules).where(fault_rules.c.account_id == account_id)
    if rule_id is not None:
        stmt = stmt.where(fault_rules.c.id == rule_id)
    return conn.execute(stmt).rowcount or 0
