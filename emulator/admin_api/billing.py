"""/admin/accounts/{account}: bills, ledger, daily usage, manual suspend/resume; /admin/scheduler/run."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from emulator.admin_api.deps import CoreDep, require_token
from emulator.admin_api.errors import answers
from emulator.admin_api.schemas import AccountPublic, BillPublic, LedgerEntryPublic, UsageDayPublic, iso
from emulator.domain.money import format_usd
from emulator.errors import InvalidParameterValue

router = APIRouter(prefix="/admin", tags=["billing"], dependencies=[Depends(require_token)])


@router.get("/accounts/{account}/bills", response_model=list[BillPublic], responses=answers(400, 404))
def list_bills(
    account: str,
    core: CoreDep,
    status: Annotated[str | None, Query(pattern="^(paid|unpaid)$")] = None,
    period: Annotated[str | None, Query(description="prefix: 2026, 2026-01 or 2026-01-05")] = None,
    kind: Annotated[str | None, Query(pattern="^(usage|dedicated_ip)$")] = None,
) -> list[BillPublic]:
    """The account's bills (daily usage settlements, dedicated IP months), filtered by status, period
    prefix and kind."""
    return [
        BillPublic(
            id=b.id,
            kind=b.kind,
            period=b.period,
            units=b.units,
            unit_price=format_usd(b.unit_price_micro),
            unit_price_micro=b.unit_price_micro,
            amount=format_usd(b.amount_micro),
            amount_micro=b.amount_micro,
            status="unpaid" if b.paid_us is None else "paid",
            created_at=iso(b.created_us) or "",
            paid_at=iso(b.paid_us),
            detail=json.loads(b.detail_json or "{}"),
        )
        for b in core.billing.bills(account, status, period, kind)
    ]


@router.get("/accounts/{account}/ledger", response_model=list[LedgerEntryPublic], responses=answers(404))
def ledger(account: str, core: CoreDep) -> list[LedgerEntryPublic]:
    """Every movement of money (top-ups, charges, settlements), oldest first; the balance is their sum."""
    return [
        LedgerEntryPublic(
            id=e.id,
            kind=e.kind,
            amount=format_usd(e.amount_micro),
            amount_micro=e.amount_micro,
            bill_id=e.bill_id,
            note=e.note,
            account_time=iso(e.account_time_us) or "",
            real_time=iso(e.real_time_us) or "",
        )
        for e in core.billing.ledger(account)
    ]


@router.get("/accounts/{account}/usage", response_model=list[UsageDayPublic], responses=answers(400, 404))
def usage(
    account: str,
    core: CoreDep,
    day: Annotated[
        str | None,
        Query(
            pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            description="one UTC+8 day, YYYY-MM-DD: just its row (zeros if idle)",
        ),
    ] = None,
) -> list[UsageDayPublic]:
    """Free and paid units sent per UTC+8 day, with their cost, oldest first; `day=` gives that day alone."""
    if day is not None:
        try:
            date.fromisoformat(day)
        except ValueError:
            raise InvalidParameterValue(f"day: not a calendar day: {day!r}") from None
    return [
        UsageDayPublic(
            day=u.day,
            free_units=u.free_units,
            paid_units=u.paid_units,
            cost=format_usd(u.cost_micro),
            cost_micro=u.cost_micro,
        )
        for u in core.billing.usage(account, day)
    ]


@router.post("/accounts/{account}/suspend", response_model=AccountPublic, responses=answers(404))
def suspend(account: str, core: CoreDep) -> AccountPublic:
    """Suspend the account by hand: its sends are refused as for arrears until resumed."""
    core.billing.suspend(account)
    return AccountPublic.of(core.accounts.state(account))


@router.post("/accounts/{account}/resume", response_model=AccountPublic, responses=answers(404, 409))
def resume(account: str, core: CoreDep) -> AccountPublic:
    """Lift a suspension; 409 while unpaid bills remain (arrears are lifted by paying them: top-up)."""
    core.billing.resume(account)
    return AccountPublic.of(core.accounts.state(account))
