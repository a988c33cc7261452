"""Fault rules per account (admin API) and the `recipient_outcomes` hook that applies them inside
the sending transaction. A hard bounce also puts the address on the account's platform blacklist."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulator.domain.addresses import domain_of
from emulator.domain.outcomes import OUTCOMES, columns_for, first_outcome, validate_pattern
from emulator.domain.records import AccountRecord
from emulator.domain.records.policy import FaultRuleRecord
from emulator.errors import FailedOperation, NotFound
from emulator.services.txn_scratch import send_policy
from emulator.storage import blacklist_repo, fault_rules_repo
from emulator.storage.db import Tx

if TYPE_CHECKING:
    from emulator.domain.clock import ClockSource
    from emulator.services.accounts import AccountService
    from emulator.storage.db import Database


class OutcomeService:
    def __init__(self, db: Database, clock: ClockSource, accounts: AccountService) -> None:
        self.db = db
        self.clock = clock
        self.accounts = accounts

    # --- admin -----------------------------------------------------------------------------------
    def list_rules(self, ref: int | str) -> list[FaultRuleRecord]:
        with self.db.read() as conn:
            acct = self.accounts.get_row(ref, conn)
            return fault_rules_repo.list_rules(conn, acct.id)

    def add_rule(self, ref: int | str, pattern: str, outcome: str) -> FaultRuleRecord:
        try:
            pattern = validate_pattern(pattern)
        except ValueError as exc:
            raise FailedOperation(str(exc)) from None
        if outcome not in OUTCOMES:
            raise FailedOperation(f"outcome must be one of {', '.join(OUTCOMES)}")
        with self.db.write() as conn:
            acct = self.accounts.get_row(ref, conn)
            return fault_rules_repo.insert_rule(conn, acct.id, pattern, outcome, self.clock.wall_us())

    def delete_rule(self, ref: int | str, rule_id: int) -> None:
        with self.db.write() as conn:
            acct = self.accounts.get_row(ref, conn)
            if not fault_rules_repo.delete_rules(conn, acct.id, rule_id):
                raise NotFound(f"no fault rule {rule_id} in this account")

    def clear_rules(self, ref: int | str) -> None:
        with self.db.write() as conn:
            acct = self.accounts.get_row(ref, conn)
            fault_rules_repo.delete_rules(conn, acct.id)

    # --- sending hook ------------------------------------------------------------------------------
    def recipient_outcome(self, conn: Tx, acct: AccountRecord, address: str, at_us: int) -> dict[str, Any]:
        outcome = first_outcome(send_policy(conn, acct.id).rules, address) or "delivered"
        if outcome == "hard_bounce":
            blacklist_repo.add_platform(conn, acct.id, address, at_us, domain_of(address))
        elif outcome == "unsubscribe":  # later mail to this recipient: ReceiverHasUnsubscribed
            blacklist_repo.add_unsubscribed(conn, acct.id, address, at_us)
        return columns_for(outcome, at_us)
