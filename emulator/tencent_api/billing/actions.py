"""The billing actions the emulator serves: one async function each (parse, one service call, wrap)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from emulator.tencent_api.billing.balance import describe_account_balance
from emulator.tencent_api.billing.details import describe_bill_detail
from emulator.tencent_api.billing.dosage import describe_dosage_detail_by_date
from emulator.tencent_api.billing.summary import describe_bill_summary_by_product
from emulator.tencent_api.billing.transactions import describe_bill_list
from emulator.tencent_api.context import ApiContext

Action = Callable[[ApiContext, dict[str, Any]], Awaitable[dict[str, Any]]]

ACTIONS: dict[str, Action] = {
    "DescribeAccountBalance": describe_account_balance,
    "DescribeBillList": describe_bill_list,
    "DescribeBillSummaryByProduct": describe_bill_summary_by_product,
    "DescribeBillDetail": describe_bill_detail,
    "DescribeDosageDetailByDate": describe_dosage_detail_by_date,
}
