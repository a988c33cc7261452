"""DescribeAccountBalance: the account's money in integer cents (USD).

The emulator has one cash account (the ledger) and no credit, frozen, income or gift money, so:
CashAccountBalance = the balance (toward zero), OweAmount = the unpaid bills (away from zero), and the
SDK's identities hold exactly on the wire: RealBalance = Balance = CreditBalance = RealCreditBalance =
Cash + Income + Present - Freeze - Owe (+ Credit 0). In arrears RealBalance is negative, as on Tencent.
"""

from __future__ import annotations

import asyncio
from typing import Any

from emulator.tencent_api.billing.cents import to_cents
from emulator.tencent_api.billing.formats import uin
from emulator.tencent_api.context import ApiContext, ApiModel, parse


class BalanceRequest(ApiModel):
    TempCredit: bool | None = None


def balance_fields(account_id: int, balance_micro: int, unpaid_micro: int) -> dict[str, Any]:
    cash = to_cents(balance_micro, owed=False)
    owe = to_cents(unpaid_micro, owed=True)
    real = cash - owe  # + income 0 + present 0 - freeze 0
    return {
        "Balance": real,
        "Uin": uin(account_id),
        "RealBalance": real,
        "CashAccountBalance": cash,
        "IncomeIntoAccountBalance": 0,
        "PresentAccountBalance": 0,
        "FreezeAmount": 0,
        "OweAmount": owe,
        "IsAllowArrears": False,  # a failed deduction suspends the service
        "IsCreditLimited": False,
        "CreditAmount": 0,
        "CreditBalance": real,  # cash + income + present + credit 0 - owe
        "RealCreditBalance": real,  # credit balance - freeze 0
        "TempCredit": 0,
        "TempAmountInfoList": [],
    }


async def describe_account_balance(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    parse(BalanceRequest, params, api.form_encoded)
    state = await asyncio.to_thread(api.core.billing_reports.state, api.account_id)
    return balance_fields(api.account_id, state.balance_micro, state.unpaid_micro)
