"""DescribeBillList: the money ledger as Tencent's transaction list (收支明细), newest first.

Top-ups are recharges (`recharge` / `online`); a bill paid when issued (`charge`) or later by a top-up
(`settlement`) is a deduction (`deduct`; `hour_d` daily usage, `hour_m` monthly dedicated IPs).
`Balance` is the balance right after the entry; amounts are integer cents (see `cents`). The totals
cover every entry the filters admit, not just the page.
"""

from __future__ import annotations

import asyncio
from typing import Any

from emulator.errors import InvalidParameterInvalidParameter, InvalidParameterValue
from emulator.services.billing_reports import Category, LedgerLine, LedgerPage
from emulator.tencent_api.billing import catalog
from emulator.tencent_api.billing.cents import to_cents
from emulator.tencent_api.billing.formats import bill_number, entry_number, local_time_ms
from emulator.tencent_api.billing.periods import add_months, parse_time
from emulator.tencent_api.context import ApiContext, ApiModel, check_offset, parse

# the SDK's documented values
_PAY = "all recharge return unblock agentin advanced cash deduct block agentout repay repayment"
_SUB = "all trade hour_h hour_d hour_m decompensate other panshi offline online bank-enterprice transfer"
PAY_TYPES = frozenset(f"{_PAY} adj_refund adj_deduct".split())
SUB_PAY_TYPES = frozenset(f"{_SUB} advanced compensate hour month".split())
# each kind of ledger entry: (its categories, the PayTypes it answers to, its SubPayType)
_KINDS: list[tuple[Category, frozenset[str], str]] = [
    (("topup", None), frozenset({"recharge"}), "online"),
    (("charge", "usage"), frozenset({"deduct"}), catalog.USAGE.sub_pay_type),
    (("settlement", "usage"), frozenset({"deduct"}), catalog.USAGE.sub_pay_type),
    (("charge", "dedicated_ip"), frozenset({"deduct"}), catalog.DEDICATED_IP.sub_pay_type),
    (("settlement", "dedicated_ip"), frozenset({"deduct"}), catalog.DEDICATED_IP.sub_pay_type),
    (("adjustment", None), frozenset({"adj_refund", "adj_deduct"}), "decompensate"),
]
SETTLED_LATE = catalog.Text("（欠费补扣）", " (arrears paid)")
RECHARGE = catalog.Text("充值", "Top-up")
ADJUSTMENT = catalog.Text("调账", "Adjustment")  # the ledger allows them; the emulator posts none


class BillListRequest(ApiModel):
    StartTime: str
    EndTime: str
    Offset: int
    Limit: int
    PayType: list[str] | None = None
    SubPayType: list[str] | None = None
    WithZeroAmount: int | None = None


def _categories(pay: list[str], sub: list[str]) -> list[Category] | None:
    for name, given, known in (("PayType", pay, PAY_TYPES), ("SubPayType", sub, SUB_PAY_TYPES)):
        unknown = sorted(set(given) - known)
        if unknown:
            raise InvalidParameterValue(f"{name} {unknown} is not one of {sorted(known)}.")
    any_pay, any_sub = not pay or "all" in pay, not sub or "all" in sub
    if any_pay and any_sub:
        return None
    return [
        category
        for category, pay_types, sub_type in _KINDS
        if (any_pay or pay_types & set(pay)) and (any_sub or sub_type in sub)
    ]


def _action_type(line: LedgerLine) -> str:
    if line.kind == "topup":
        return "recharge"
    if line.kind == "adjustment":
        return "adj_refund" if line.amount_micro >= 0 else "adj_deduct"
    return "deduct"


def transaction_row(line: LedgerLine, language: str) -> dict[str, Any]:
    """One BillTransactionInfo (also shown by the web UI's bill links, emulator.web.bill_links)."""
    product = catalog.PRODUCTS.get(line.bill_kind or "")
    balance = to_cents(line.balance_after_micro, owed=line.balance_after_micro < 0)
    if product is not None and line.bill_id is not None and line.bill_created_us is not None:
        number = bill_number(line.bill_id, line.bill_created_us)
        info = product.operation(language).format(period=line.bill_period)
        if line.kind == "settlement":
            info += SETTLED_LATE(language)
        channel, mode = catalog.PAY_CHANNEL(language), product.deduct_mode
    else:
        number = entry_number(line.id, line.account_time_us, line.kind)
        text = RECHARGE if line.kind == "topup" else ADJUSTMENT
        info = text(language) + (f": {line.note}" if line.note else "")
        channel, mode = catalog.RECHARGE_CHANNEL(language), ""
    return {
        "ActionType": _action_type(line),
        "Amount": to_cents(line.amount_micro, owed=line.amount_micro < 0),
        "Balance": balance,
        "BillId": number,
        "OperationInfo": info,
        "OperationTime": local_time_ms(line.account_time_us),
        "Cash": balance,  # the one cash account
        "Incentive": 0,
        "Freezing": 0,
        "PayChannel": channel,
        "DeductMode": mode,
    }


def _totals(page: LedgerPage) -> dict[str, int]:
    recharged = sum(s.amount_micro for s in page.sums if s.kind == "topup")
    deducted = -sum(s.amount_micro for s in page.sums if s.kind in ("charge", "settlement"))
    zero = ("ReturnAmount", "BlockAmount", "UnblockAmount", "AgentInAmount", "AdvanceRechargeAmount")
    return {
        **dict.fromkeys(zero, 0),
        "RechargeAmount": to_cents(recharged, owed=False),
        "DeductAmount": to_cents(deducted, owed=True),
        **dict.fromkeys(("WithdrawAmount", "AgentOutAmount", "AdvancePayAmount"), 0),
    }


async def describe_bill_list(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(BillListRequest, params, api.form_encoded)
    start, end = parse_time(req.StartTime, "StartTime"), parse_time(req.EndTime, "EndTime")
    if end < start:
        raise InvalidParameterInvalidParameter("EndTime must not be before StartTime.")
    if end > add_months(start, 6):
        raise InvalidParameterInvalidParameter("StartTime and EndTime may be at most six months apart.")
    check_offset(req.Offset)
    if req.Limit < 0:
        raise InvalidParameterValue("Limit must not be negative.")
    categories = _categories(req.PayType or [], req.SubPayType or [])
    page = await asyncio.to_thread(
        api.core.billing_reports.ledger_page,
        api.account_id,
        start,
        end,
        categories,
        req.WithZeroAmount == 1,
        req.Offset,
        req.Limit,
    )
    return {
        "TransactionList": [transaction_row(line, api.language) for line in page.lines],
        "Total": page.total,
        **_totals(page),
    }
