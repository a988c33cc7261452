"""Worked example, through the official billing SDK on SQLite and PostgreSQL: an account with no money sends
1,001 recipients on 5 January 2031; after its clock passes 00:00 UTC+8 the Billing API shows the unpaid
bill in cents, and a top-up through the admin API shows as a recharge and clears the debt.

The figures, by hand:
  1,001 recipients - 1,000 free = 1 paid email × 0.00028 USD = 280 micro-USD, billed at 00:00 on 6 January.
  280 micro-USD = 0.028 cent. Owed money rounds away from zero: OweAmount = 1 cent. Cash 0, so
  RealBalance = Balance = 0 - 1 = -1 cent.
  Top-up 5.00 USD = 500 cents; it pays the bill at once (a settlement of 280 micro-USD = -1 cent owed).
  Balance after: 5,000,000 - 280 = 4,999,720 micro-USD = 499.972 cents; money held rounds toward
  zero: 499 cents. OweAmount 0.
"""

from __future__ import annotations

from tests.billing_api.helpers import advance_to, billing, call, frozen_account, send, top_up
from tests.conftest import Server

JAN = {"StartTime": "2031-01-01 00:00:00", "EndTime": "2031-01-31 23:59:59", "Offset": 0, "Limit": 100}


def test_unpaid_bill_after_midnight_then_top_up_is_a_recharge(server: Server) -> None:
    a = frozen_account(server, "2031-01-05T10:00:00+08:00")
    client = billing(server, a)
    send(server, a, 1001)

    # before midnight nothing is billed yet: the day's usage is settled at 00:00 UTC+8
    bal = call(client, "DescribeAccountBalance")
    assert (bal["Balance"], bal["OweAmount"], bal["CashAccountBalance"]) == (0, 0, 0)

    advance_to(server, a, "2031-01-06T00:00:01+08:00")
    bal = call(client, "DescribeAccountBalance")
    assert bal["OweAmount"] == 1  # 280 micro-USD owed = 0.028 cent, rounded up
    assert (bal["CashAccountBalance"], bal["RealBalance"], bal["Balance"]) == (0, -1, -1)
    assert (bal["CreditBalance"], bal["RealCreditBalance"], bal["FreezeAmount"]) == (-1, -1, 0)
    assert bal["IsAllowArrears"] is False and bal["Uin"] == 100_000_000_000 + a["id"]
    assert server.state(a["name"])["suspended_reason"] == "arrears"

    # nothing was deducted (the deduction failed whole), so the transaction list is empty
    listed = call(client, "DescribeBillList", **JAN)
    assert (listed["Total"], listed["TransactionList"], listed["DeductAmount"]) == (0, [], 0)

    # ... but the bill exists: one row, the day's usage, unpaid (no PayTime yet)
    detail = call(client, "DescribeBillDetail", Month="2031-01", Offset=0, Limit=100, NeedRecordNum=1)
    assert detail["Total"] == 1
    [row] = detail["DetailSet"]
    assert (row["BillDay"], row["BillMonth"], row["PayTime"]) == ("2031-01-05", "2031-01", "")
    assert (row["ActionType"], row["ProductCode"], row["BusinessCode"]) == (
        "postpay_deduct_d",
        "sp_ses_email",
        "p_ses",
    )
    [comp] = row["ComponentSet"]
    assert (comp["UsedAmount"], comp["RealTotalMeasure"], comp["DeductedMeasure"]) == ("1", "1001", "1000")
    assert (comp["SinglePrice"], comp["Cost"], comp["RealCost"]) == ("0.00028000", "0.00028000", "0.00028000")

    # top up 5.00 USD through the admin API: a recharge, then the bill is settled from it
    assert not top_up(server, a, "5.00")["suspended"]
    bal = call(client, "DescribeAccountBalance")
    assert (bal["OweAmount"], bal["CashAccountBalance"], bal["Balance"]) == (0, 499, 499)

    listed = call(client, "DescribeBillList", **JAN)
    assert listed["Total"] == 2
    settle, recharge = listed["TransactionList"]  # newest first
    assert (recharge["ActionType"], recharge["Amount"], recharge["Balance"]) == ("recharge", 500, 500)
    assert recharge["OperationTime"] == "2031-01-06 00:00:01.000" and recharge["DeductMode"] == ""
    assert (settle["ActionType"], settle["Amount"], settle["Balance"]) == ("deduct", -1, 499)
    assert (settle["DeductMode"], settle["Cash"], settle["Incentive"], settle["Freezing"]) == (
        "hourd",
        499,
        0,
        0,
    )
    assert (listed["RechargeAmount"], listed["DeductAmount"]) == (500, 1)

    # the bill is paid now, and its BillId is the deduction's
    [row] = call(client, "DescribeBillDetail", Month="2031-01", Offset=0, Limit=100)["DetailSet"]
    assert row["PayTime"] == "2031-01-06 00:00:01"
    assert (
        row["BillId"] == settle["BillId"]
        and len(row["BillId"]) == 32
        and row["BillId"].startswith("20310106")
    )

    # filters: only recharges, only daily deductions, zero-amount rows kept or not (none are zero)
    only = call(client, "DescribeBillList", **JAN, PayType=["recharge"])
    assert [t["ActionType"] for t in only["TransactionList"]] == ["recharge"] and only["DeductAmount"] == 0
    only = call(client, "DescribeBillList", **JAN, PayType=["deduct"], SubPayType=["hour_d"])
    assert [t["Amount"] for t in only["TransactionList"]] == [-1]
    assert call(client, "DescribeBillList", **JAN, PayType=["deduct"], SubPayType=["hour_m"])["Total"] == 0
    assert call(client, "DescribeBillList", **JAN, WithZeroAmount=1)["Total"] == 2


def test_a_top_up_too_small_for_the_bill_is_listed_at_zero_cents(server: Server) -> None:
    """0.0001 USD = 0.01 cent held: listed (the ledger amount is not zero) with Amount 0 and Balance 0,
    while the 280 micro-USD bill stays owed (1 cent)."""
    a = frozen_account(server, "2031-03-10T09:00:00+08:00")
    client = billing(server, a)
    send(server, a, 1001)
    advance_to(server, a, "2031-03-11T00:00:00+08:00")
    assert top_up(server, a, "0.0001")["suspended"]
    listed = call(
        client,
        "DescribeBillList",
        StartTime="2031-03-01 00:00:00",
        EndTime="2031-03-31 23:59:59",
        Offset=0,
        Limit=10,
    )
    [row] = listed["TransactionList"]
    assert (row["ActionType"], row["Amount"], row["Balance"], listed["RechargeAmount"]) == (
        "recharge",
        0,
        0,
        0,
    )
    bal = call(client, "DescribeAccountBalance")
    assert (bal["CashAccountBalance"], bal["OweAmount"], bal["RealBalance"]) == (0, 1, -1)
