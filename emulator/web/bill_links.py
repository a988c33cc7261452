"""GET /admin/accounts/{account}/bills/{bill_id}/billing-api: how one bill appears in the Tencent Billing
API, for the console's bills view (the browser never calls the Tencent API: that would need the
account's SecretKey in the page).

The answer holds exactly the rows the Billing API answers, built by its own front-end
(`tencent_api.billing`) from the same services, with the request that finds each one:

* the bill's `BillId` (32 digits: issue day + `02` + the bill id), shared with its deduction;
* its `DescribeBillDetail` row (the month of its billing period, `byUsedTime`, at its offset);
* its `DescribeBillList` deduction, and for a bill paid late by a top-up the recharge that paid it
  (the settlement is posted at the moment of the top-up, right after it);
* while it is unpaid, `DescribeAccountBalance` (its debt is in `OweAmount`; nothing is deducted yet).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from emulator.admin_api.deps import CoreDep, require_token
from emulator.admin_api.errors import answers
from emulator.errors import NotFound
from emulator.services.billing_reports import BillLine, Category, LedgerLine
from emulator.services.core import Core
from emulator.tencent_api.billing.balance import balance_fields
from emulator.tencent_api.billing.bill_rows import bill_detail
from emulator.tencent_api.billing.formats import local_time, payer_uin
from emulator.tencent_api.billing.transactions import transaction_row

router = APIRouter(prefix="/admin", tags=["billing"], dependencies=[Depends(require_token)])

SECOND_US = 1_000_000
LIST_LIMIT = 100


class BillingApiRow(BaseModel):
    action: str = Field(description="the Billing API action answering this row")
    role: str = Field(description="bill | deduction | recharge | balance")
    request: dict[str, Any] = Field(description="the request parameters that return it")
    row: dict[str, Any] = Field(description="the row exactly as the action answers it")


class BillInBillingApi(BaseModel):
    bill_id: int
    BillId: str = Field(
        description="the Billing API's BillId: the same in DescribeBillDetail and in the deduction"
    )
    status: str = Field(description="paid | unpaid")
    language: str
    note: str
    bill_detail: BillingApiRow
    transactions: list[BillingApiRow] = Field(
        description="DescribeBillList: the deduction, and the recharge that paid a late bill"
    )
    account_balance: BillingApiRow | None = Field(
        description="DescribeAccountBalance, while the bill is unpaid"
    )


def _time_window(at_us: int) -> dict[str, str]:
    """DescribeBillList's whole-second [StartTime, EndTime] holding the moment `at_us`."""
    return {"StartTime": local_time(at_us), "EndTime": local_time(at_us + SECOND_US)}


def _ledger_at(core: Core, account_id: int, at_us: int, categories: list[Category]) -> list[LedgerLine]:
    page = core.billing_reports.ledger_page(account_id, at_us, at_us, categories, False, 0, LIST_LIMIT)
    return page.lines


def _note(bill: BillLine, deduction: LedgerLine | None) -> str:
    if bill.paid_us is None:
        return (
            "Unpaid: a bill that cannot be paid posts nothing, so DescribeBillList has no deduction for it "
            "until a top-up pays it; meanwhile its debt is in DescribeAccountBalance.OweAmount."
        )
    if deduction is None:
        return (
            "A zero bill (free emails only): nothing was deducted, so DescribeBillList has no row for it; "
            "it is in DescribeBillDetail only."
        )
    if deduction.kind == "settlement":
        return (
            "Paid late by a top-up: DescribeBillList lists the recharge, then the deduction with the bill's "
            "BillId, at the same moment."
        )
    return "Deducted when issued: DescribeBillList lists the deduction with the bill's BillId."


def bill_in_billing_api(core: Core, account: str, bill_id: int, language: str) -> BillInBillingApi:
    row = core.accounts.get_row(account)
    aid = int(row.id)
    found = [b for b in core.billing.bills(aid) if int(b.id) == bill_id]
    if not found:
        raise NotFound(f"account {account!r} has no bill {bill_id}")
    month = str(found[0].period)[:7]
    month_bills = core.billing_reports.bills_of_month(aid, month)  # DescribeBillDetail's rows, in order
    offset, bill = next((i, b) for i, b in enumerate(month_bills) if b.id == bill_id)
    payer = payer_uin(aid, None)
    detail = bill_detail(bill, language, payer, str(row.app_id))
    transactions: list[BillingApiRow] = []
    deduction = None
    if bill.paid_us is not None:
        kinds: list[Category] = [("charge", bill.kind), ("settlement", bill.kind)]
        lines = _ledger_at(core, aid, bill.paid_us, kinds)
        deduction = next((line for line in lines if line.bill_id == bill.id), None)
    if deduction is not None:
        window = _time_window(deduction.account_time_us)
        if deduction.kind == "settlement":
            topups = _ledger_at(core, aid, deduction.account_time_us, [("topup", None)])
            recharge = next((t for t in topups if t.id < deduction.id), None)  # newest first
            if recharge is not None:
                transactions.append(
                    BillingApiRow(
                        action="DescribeBillList",
                        role="recharge",
                        request={**window, "Offset": 0, "Limit": LIST_LIMIT, "PayType": ["recharge"]},
                        row=transaction_row(recharge, language),
                    )
                )
        transactions.append(
            BillingApiRow(
                action="DescribeBillList",
                role="deduction",
                request={**window, "Offset": 0, "Limit": LIST_LIMIT, "PayType": ["deduct"]},
                row=transaction_row(deduction, language),
            )
        )
    balance = None
    if bill.paid_us is None:
        state = core.billing_reports.state(aid)
        balance = BillingApiRow(
            action="DescribeAccountBalance",
            role="balance",
            request={},
            row=balance_fields(aid, state.balance_micro, state.unpaid_micro),
        )
    return BillInBillingApi(
        bill_id=bill.id,
        BillId=str(detail["BillId"]),
        status="unpaid" if bill.paid_us is None else "paid",
        language=language,
        note=_note(bill, deduction),
        bill_detail=BillingApiRow(
            action="DescribeBillDetail",
            role="bill",
            request={"Month": month, "PeriodType": "byUsedTime", "Offset": offset, "Limit": 1},
            row=detail,
        ),
        transactions=transactions,
        account_balance=balance,
    )


@router.get(
    "/accounts/{account}/bills/{bill_id}/billing-api",
    response_model=BillInBillingApi,
    responses=answers(400, 404),
)
def billing_api_rows(
    account: str,
    bill_id: int,
    core: CoreDep,
    language: Annotated[str, Query(pattern="^(zh-CN|en-US)$", description="X-TC-Language")] = "zh-CN",
) -> BillInBillingApi:
    """How one bill appears in the Tencent Billing API (billing 2018-07-09): its BillId, its
    DescribeBillDetail row, its DescribeBillList deduction (and the recharge that paid it late), and
    DescribeAccountBalance while it is unpaid — each with the request that returns it. Read-only."""
    return bill_in_billing_api(core, account, bill_id, language)
