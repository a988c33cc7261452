"""DescribeBillSummaryByProduct: a month's bills summed for the one product, SES (`p_ses`), whose
daily usage bills and dedicated-IP bill make up the month (the same bills DescribeBillDetail lists by
billing period).

Amounts are decimal strings with eight decimals. Everything is paid from cash (no vouchers, gifts or
revenue share) and there is no discount, so TotalCost = RealTotalCost = CashPayAmount; a bill still
unpaid counts too (on Tencent the deduction would have taken the balance negative; here the debt is in
DescribeAccountBalance's OweAmount). Ready is always 1: bills are issued before the answer is built.
"""

from __future__ import annotations

import asyncio
from typing import Any

from emulator.errors import InvalidParameterValue
from emulator.services.billing_reports import BillingReports, BillLine
from emulator.tencent_api.billing import catalog
from emulator.tencent_api.billing.formats import payer_uin, percent, usd
from emulator.tencent_api.billing.periods import parse_month, require_ready, require_same_month
from emulator.tencent_api.context import ApiContext, ApiModel, parse

PAY_TYPES = ("consume", "refund", "adjustment")


class SummaryRequest(ApiModel):
    BeginTime: str
    EndTime: str
    PayerUin: str | None = None
    PayType: str | None = None


def _money(total_micro: int) -> dict[str, str]:
    amount = usd(total_micro)
    return {
        "RealTotalCost": amount,
        "VoucherPayAmount": usd(0),
        "IncentivePayAmount": usd(0),
        "CashPayAmount": amount,
        "TransferPayAmount": usd(0),
        "TotalCost": amount,
    }


def _load(reports: BillingReports, account_id: int, month: str) -> list[BillLine]:
    require_ready(month, reports.now_us(account_id))
    return reports.bills_of_month(account_id, month)


async def describe_bill_summary_by_product(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(SummaryRequest, params, api.form_encoded)
    month = require_same_month(
        parse_month(req.BeginTime, "BeginTime", lenient=True),
        parse_month(req.EndTime, "EndTime", lenient=True),
    )
    if req.PayType not in (None, "", *PAY_TYPES):
        raise InvalidParameterValue(f"PayType must be one of {list(PAY_TYPES)}, got `{req.PayType}`.")
    payer_uin(api.account_id, req.PayerUin)
    bills = await asyncio.to_thread(_load, api.core.billing_reports, api.account_id, month)
    if req.PayType in ("refund", "adjustment"):
        bills = []  # the emulator never refunds or adjusts a bill
    total = sum(b.amount_micro for b in bills)
    overview = [
        {
            "BusinessCode": catalog.BUSINESS_CODE,
            "BusinessCodeName": catalog.BUSINESS_NAME(api.language),
            "RealTotalCostRatio": percent(total, total),  # the one product: all of it (0.00 if free)
            "BillMonth": month,
            **_money(total),
        }
    ]
    return {"Ready": 1, "SummaryTotal": _money(total), "SummaryOverview": overview if bills else []}
