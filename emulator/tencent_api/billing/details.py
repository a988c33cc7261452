"""DescribeBillDetail: one row per bill of a month (each daily usage bill and the monthly dedicated-IP
bill), oldest first, paged by Offset / Limit (at most 300).

The month is `Month`, or the one month of `BeginTime` / `EndTime` (both, in the same month; the answer
is the whole month, as on Tencent). `PeriodType` byUsedTime (the default) takes the bills whose billing
period is in the month; byPayTime the bills issued in it (the bill of 31 January, issued at 00:00 on
1 February, and January's dedicated-IP bill, issued on 1 February, belong to February).
A month after the account's clock answers FailedOperation.SummaryDataNotReady.
"""

from __future__ import annotations

import asyncio
from typing import Any

from emulator.errors import (
    InvalidParameterInvalidParameter,
    InvalidParameterValue,
    MissingParameter,
)
from emulator.services.billing_reports import BillingReports, BillLine
from emulator.tencent_api.billing import catalog
from emulator.tencent_api.billing.bill_rows import bill_detail
from emulator.tencent_api.billing.formats import payer_uin
from emulator.tencent_api.billing.periods import (
    month_bounds,
    month_of,
    parse_month,
    parse_time,
    require_ready,
    require_same_month,
)
from emulator.tencent_api.context import ApiContext, ApiModel, check_offset, parse

MAX_LIMIT = 300
PERIOD_TYPES = ("byUsedTime", "byPayTime")


class BillDetailRequest(ApiModel):
    Offset: int
    Limit: int
    PeriodType: str | None = None
    Month: str | None = None
    BeginTime: str | None = None
    EndTime: str | None = None
    NeedRecordNum: int | None = None
    ProductCode: str | None = None  # deprecated by Tencent ("not open"): accepted and ignored
    PayMode: str | None = None
    ResourceId: str | None = None
    ActionType: str | None = None
    ProjectId: int | None = None
    BusinessCode: str | None = None
    Context: str | None = None  # a speed-up on Tencent; offset paging is exact here, so ignored
    PayerUin: str | None = None


def requested_month(month: str | None, begin: str | None, end: str | None) -> str:
    """Month, unless BeginTime and EndTime are given (then Month is ignored, as documented)."""
    if begin is not None or end is not None:
        if begin is None or end is None:
            missing = "BeginTime" if begin is None else "EndTime"
            raise MissingParameter(f"BeginTime and EndTime must be given together: `{missing}` is missing.")
        return require_same_month(
            month_of(parse_time(begin, "BeginTime")), month_of(parse_time(end, "EndTime"))
        )
    if month is None:
        raise MissingParameter("The request is missing `Month` (or `BeginTime` and `EndTime`).")
    return parse_month(month, "Month")


def _admits(req: BillDetailRequest, row: dict[str, Any]) -> bool:
    action = catalog.PRODUCTS_BY_ACTION.get(req.ActionType or "")
    return (
        (req.PayMode in (None, "", catalog.PAY_MODE))
        and (req.ResourceId in (None, "") or req.ResourceId in row["ResourceId"].split(","))
        and (req.ActionType in (None, "") or (action is not None and action.action_type == row["ActionType"]))
        and (req.ProjectId in (None, 0))
        and (req.BusinessCode in (None, "", catalog.BUSINESS_CODE))
    )


def _load(reports: BillingReports, account_id: int, month: str, by_pay_time: bool) -> list[BillLine]:
    require_ready(month, reports.now_us(account_id))
    if by_pay_time:
        return reports.bills_issued(account_id, *month_bounds(month))
    return reports.bills_of_month(account_id, month)


async def describe_bill_detail(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(BillDetailRequest, params, api.form_encoded)
    check_offset(req.Offset)
    if not 0 <= req.Limit <= MAX_LIMIT:
        raise InvalidParameterInvalidParameter(f"Limit must be between 0 and {MAX_LIMIT}, got {req.Limit}.")
    period_type = req.PeriodType or "byUsedTime"
    if period_type not in PERIOD_TYPES:
        raise InvalidParameterValue(f"PeriodType must be byUsedTime or byPayTime, got `{period_type}`.")
    if req.PayMode not in (None, "", "prePay", "postPay"):
        raise InvalidParameterValue(f"PayMode must be prePay or postPay, got `{req.PayMode}`.")
    payer = payer_uin(api.account_id, req.PayerUin)
    month = requested_month(req.Month, req.BeginTime, req.EndTime)
    bills = await asyncio.to_thread(
        _load, api.core.billing_reports, api.account_id, month, period_type == "byPayTime"
    )
    rows = [bill_detail(b, api.language, payer, str(api.account.app_id)) for b in bills]
    rows = [r for r in rows if _admits(req, r)]
    page = rows[req.Offset : req.Offset + req.Limit]
    return {
        "DetailSet": page,
        "Total": len(rows),
        "Context": f"{month}/{period_type}/{req.Offset + len(page)}",
    }
