"""Worked example, through the official billing SDK on SQLite and PostgreSQL: a dedicated IP for part of
January 2031 plus a few days of paid mail, read back with DescribeBillDetail, DescribeBillSummaryByProduct
and DescribeDosageDetailByDate.

The figures, by hand (account with no free quota, clock frozen at 10 January 12:00 UTC+8, 100 USD):
  mail: 2 emails on each of 10–14 January = 5 daily bills of 2 × 280 = 560 micro-USD ("0.00056000"),
        each issued and paid at 00:00 the next day.
  IP:   applied on 10 January, enabled at once from stock; billed at 08:00 on 1 February for January:
        days used 10..31 = 22; 120 USD × 22 / 31 = 85.161290... -> half-up to the cent: 85.16 USD.
  January (by billing period): 5 × 0.00056 + 85.16 = 85.1628 USD ("85.16280000").
  Balance: 100 - 85.1628 = 14.8372 USD = 1,483.72 cents -> 1,483 cents held.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.billing_api.helpers import advance_to, billing, call, frozen_account, sdk_error, send, top_up
from tests.conftest import Server


@pytest.fixture
def january(server: Server) -> dict[str, Any]:
    server.admin("POST", "/ips/stock", json={"count": 1})
    a = frozen_account(server, "2031-01-10T12:00:00+08:00", free_quota=0)
    top_up(server, a, "100")
    ip = server.admin("POST", f"/accounts/{a['name']}/ips").json()
    assert ip["status"] == "enabled", ip
    for day in range(10, 15):
        advance_to(server, a, f"2031-01-{day}T12:00:00+08:00")
        send(server, a, 2, tag=f"d{day}-")
    advance_to(server, a, "2031-02-01T08:00:00+08:00")
    return {**a, "ip": ip["ip"]}


def test_dedicated_ip_month_is_one_prorated_row(server: Server, january: dict[str, Any]) -> None:
    client = billing(server, january)
    detail = call(client, "DescribeBillDetail", Month="2031-01", Offset=0, Limit=300, NeedRecordNum=1)
    assert detail["Total"] == 6  # 5 daily usage bills + 1 monthly IP bill
    *days, ip_row = detail["DetailSet"]  # oldest first: the IP bill is issued last, on 1 February
    assert [d["BillDay"] for d in days] == [f"2031-01-{d}" for d in range(10, 15)]
    assert {d["ComponentSet"][0]["RealCost"] for d in days} == {"0.00056000"}
    assert {d["ComponentSet"][0]["UsedAmount"] for d in days} == {"2"}

    assert (ip_row["ProductCode"], ip_row["ActionType"], ip_row["BillMonth"]) == (
        "sp_ses_dedicated_ip",
        "postpay_deduct_m",
        "2031-01",
    )
    assert (ip_row["FeeBeginTime"], ip_row["FeeEndTime"]) == ("2031-01-01 00:00:00", "2031-01-31 23:59:59")
    assert ip_row["PayTime"] == "2031-02-01 08:00:00" and ip_row["ResourceId"] == january["ip"]
    [comp] = ip_row["ComponentSet"]
    assert (comp["SinglePrice"], comp["TimeSpan"], comp["Cost"], comp["CashPayAmount"]) == (
        "120.00000000",
        "22",
        "85.16000000",
        "85.16000000",
    )
    assert {"Name": "IP", "Value": january["ip"]} in comp["ComponentConfig"]
    assert ip_row["Formula"] == f"{january['ip']}: 120 USD × 22 / 31 = 85.16 USD"

    # the deduction of that bill in the transaction list: -8,516 cents, monthly mode, same BillId
    listed = call(
        client,
        "DescribeBillList",
        StartTime="2031-02-01 00:00:00",
        EndTime="2031-02-01 23:59:59",
        Offset=0,
        Limit=10,
    )
    [deduct] = listed["TransactionList"]
    assert (deduct["Amount"], deduct["DeductMode"], deduct["Balance"], deduct["BillId"]) == (
        -8516,
        "hourm",
        1483,
        ip_row["BillId"],
    )
    assert call(client, "DescribeAccountBalance")["Balance"] == 1483


def test_paging_period_types_and_filters(server: Server, january: dict[str, Any]) -> None:
    client = billing(server, january)
    pages = [
        call(client, "DescribeBillDetail", Month="2031-01", Offset=off, Limit=4)["DetailSet"]
        for off in (0, 4, 8)
    ]
    assert [len(p) for p in pages] == [4, 2, 0]
    assert len({r["BillId"] for p in pages for r in p}) == 6
    # BeginTime/EndTime in one month answer that whole month (Month is then ignored)
    same = call(
        client,
        "DescribeBillDetail",
        Month="2029-05",
        BeginTime="2031-01-20 00:00:00",
        EndTime="2031-01-21 00:00:00",
        Offset=0,
        Limit=10,
    )
    assert same["Total"] == 6
    # byPayTime: January's IP bill was issued (and paid) in February, like nothing else of January's
    by_pay = call(client, "DescribeBillDetail", Month="2031-02", PeriodType="byPayTime", Offset=0, Limit=10)
    assert [r["ProductCode"] for r in by_pay["DetailSet"]] == ["sp_ses_dedicated_ip"]
    assert (
        call(client, "DescribeBillDetail", Month="2031-01", PeriodType="byPayTime", Offset=0, Limit=10)[
            "Total"
        ]
        == 5
    )
    # filters
    for params, total in [
        ({"ActionType": "按量计费月结"}, 1),
        ({"ActionType": "postpay_deduct_d"}, 5),
        ({"PayMode": "prePay"}, 0),
        ({"PayMode": "postPay"}, 6),
        ({"ResourceId": january["ip"]}, 1),
        ({"BusinessCode": "p_cvm"}, 0),
    ]:
        assert (
            call(client, "DescribeBillDetail", Month="2031-01", Offset=0, Limit=10, **params)["Total"]
            == total
        )


def test_rules_limit_same_month_and_not_ready(server: Server, january: dict[str, Any]) -> None:
    client = billing(server, january)
    err = sdk_error(lambda: call(client, "DescribeBillDetail", Month="2031-01", Offset=0, Limit=301))
    assert err.get_code() == "InvalidParameter.InvalidParameter" and "300" in err.get_message()
    err = sdk_error(
        lambda: call(
            client,
            "DescribeBillDetail",
            BeginTime="2031-01-31 00:00:00",
            EndTime="2031-02-01 00:00:00",
            Offset=0,
            Limit=10,
        )
    )
    assert err.get_code() == "InvalidParameter.InvalidParameter" and "same month" in err.get_message()
    err = sdk_error(
        lambda: call(client, "DescribeBillSummaryByProduct", BeginTime="2031-01", EndTime="2031-02")
    )
    assert err.get_code() == "InvalidParameter.InvalidParameter"
    # the account's clock is in February 2031: March has no summary yet
    for action, params in [
        ("DescribeBillDetail", {"Month": "2031-03", "Offset": 0, "Limit": 10}),
        ("DescribeBillSummaryByProduct", {"BeginTime": "2031-03", "EndTime": "2031-03"}),
    ]:
        err = sdk_error(lambda action=action, params=params: call(client, action, **params))
        assert err.get_code() == "FailedOperation.SummaryDataNotReady", err
    # February has begun: ready, and empty so far
    assert call(client, "DescribeBillDetail", Month="2031-02", Offset=0, Limit=10)["Total"] == 0
    err = sdk_error(lambda: call(client, "DescribeBillDetail", Offset=0, Limit=10))
    assert err.get_code() == "MissingParameter"
    err = sdk_error(lambda: call(client, "DescribeBillDetail", Month="2031-1", Offset=0, Limit=10))
    assert err.get_code() == "InvalidParameter"


def test_summary_by_product(server: Server, january: dict[str, Any]) -> None:
    summary = call(
        billing(server, january), "DescribeBillSummaryByProduct", BeginTime="2031-01", EndTime="2031-01"
    )
    assert summary["Ready"] == 1
    total = summary["SummaryTotal"]
    assert (total["RealTotalCost"], total["CashPayAmount"], total["TotalCost"]) == ("85.16280000",) * 3
    assert (total["VoucherPayAmount"], total["IncentivePayAmount"], total["TransferPayAmount"]) == (
        "0.00000000",
    ) * 3
    [item] = summary["SummaryOverview"]
    assert (item["BusinessCode"], item["BillMonth"], item["RealTotalCostRatio"]) == (
        "p_ses",
        "2031-01",
        "100.00",
    )
    assert item["RealTotalCost"] == "85.16280000"
    refunds = call(
        billing(server, january),
        "DescribeBillSummaryByProduct",
        BeginTime="2031-01",
        EndTime="2031-01",
        PayType="refund",
    )
    assert refunds["SummaryOverview"] == [] and refunds["SummaryTotal"]["RealTotalCost"] == "0.00000000"


def test_dosage_by_date(server: Server, january: dict[str, Any]) -> None:
    client = billing(server, january)
    mail = call(client, "DescribeDosageDetailByDate", StartDate="2031-01-08", EndDate="2031-01-13")
    [mail_set] = mail["DetailSets"]
    assert mail_set["InstanceID"] == january["app_id"] and mail_set["Domain"] == ""
    assert [(p["Time"], p["Value"]) for p in mail_set["DetailPoints"]] == [
        (f"2031-01-{d} 00:00:00", "2") for d in range(10, 14)
    ]
    assert (mail["RetCode"], mail["RetMsg"], mail["Unit"]) == (0, "", "封")
    ips = call(
        client,
        "DescribeDosageDetailByDate",
        StartDate="2031-01-28",
        EndDate="2031-02-03",
        ProductCode="sp_ses_dedicated_ip",
    )
    [ip_set] = ips["DetailSets"]
    assert ip_set["InstanceID"] == january["ip"]
    assert [(p["Time"], p["Value"]) for p in ip_set["DetailPoints"]] == [("2031-01-01 00:00:00", "22")]
    err = sdk_error(
        lambda: call(client, "DescribeDosageDetailByDate", StartDate="2031-01-01", EndDate="2031-01-09")
    )
    assert err.get_code() == "InvalidParameter.InvalidParameter"
    err = sdk_error(
        lambda: call(
            client,
            "DescribeDosageDetailByDate",
            StartDate="2031-01-01",
            EndDate="2031-01-02",
            ProductCode="10194",
        )
    )
    assert err.get_code() == "InvalidParameterValue" and "sp_ses_email" in err.get_message()


def test_english_names(server: Server, january: dict[str, Any]) -> None:
    client = billing(server, january, language="en-US")
    [row] = call(client, "DescribeBillDetail", Month="2031-01", Offset=5, Limit=1)["DetailSet"]
    assert (row["BusinessCodeName"], row["ActionTypeName"], row["PayModeName"]) == (
        "Simple Email Service",
        "Pay-as-you-go monthly settlement",
        "Pay-as-you-go",
    )
