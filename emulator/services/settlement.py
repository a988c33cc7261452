"""Paying bills (behaviour §5): a new bill is deducted all-or-nothing or suspends the account; a top-up pays
unpaid bills oldest first and resumes the account. Runs inside the caller's transaction, the account row
locked; used by the scheduler (new bills) and by top-ups."""

from __future__ import annotations

import json
from typing import Any

from emulator.domain.billing import can_deduct
from emulator.domain.records.billing import BillRecord
from emulator.storage import accounts_repo, billing_repo
from emulator.storage.db import Tx


def pay(conn: Tx, bill: BillRecord, now_us: int, kind: str, real_time_us: int) -> None:
    """Mark paid and post the deduction (nothing to post for a zero bill)."""
    billing_repo.mark_paid(conn, bill.id, now_us)
    if bill.amount_micro:
        billing_repo.post_ledger(
            conn,
            account_id=bill.account_id,
            kind=kind,
            amount_micro=-bill.amount_micro,
            bill_id=bill.id,
            note=f"{bill.kind} {bill.period}",
            account_time_us=now_us,
            real_time_us=real_time_us,
        )


def settle_after_top_up(conn: Tx, account_id: int, now_us: int, real_time_us: int) -> None:
    """Pay unpaid bills strictly oldest first, each in full, stopping at the first that cannot be
    covered; resume the account the moment none is left (unless it was suspended by hand)."""
    available = billing_repo.balance(conn, account_id)
    unpaid = billing_repo.unpaid_oldest_first(conn, account_id)
    remaining = len(unpaid)
    for bill in unpaid:
        if bill.amount_micro > available:
            break
        pay(conn, bill, now_us, "settlement", real_time_us)
        available -= bill.amount_micro
        remaining -= 1
    if remaining == 0:
        row = accounts_repo.account_by_id(conn, account_id)
        if row is not None and row.suspended_reason == "arrears":
            accounts_repo.update_account(conn, account_id, suspended_reason=None, suspended_us=None)


def issue_bill(
    conn: Tx,
    account_id: int,
    kind: str,
    period: str,
    units: int,
    unit_price: int,
    amount: int,
    detail: dict[str, Any],
    at_us: int,
    real_time_us: int,
) -> None:
    """Record the bill (once per account/kind/period) and deduct it all-or-nothing; suspend on failure."""
    bill = billing_repo.insert_bill(
        conn,
        account_id=account_id,
        kind=kind,
        period=period,
        units=units,
        unit_price_micro=unit_price,
        amount_micro=amount,
        detail_json=json.dumps(detail),
        created_us=at_us,
        paid_us=None,
    )
    if bill is None:
        return  # already billed (another scheduler got there first)
    older_unpaid = billing_repo.has_unpaid(conn, account_id, exclude_id=bill.id)
    if can_deduct(billing_repo.balance(conn, account_id), amount, older_unpaid):
        pay(conn, bill, at_us, "charge", real_time_us)
        return
    row = accounts_repo.account_by_id(conn, account_id)
    if row is not None and row.suspended_reason is None:
        accounts_repo.update_account(conn, account_id, suspended_reason="arrears", suspended_us=at_us)
