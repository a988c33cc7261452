"""Paging over 1,000 bills with the official billing SDK, on SQLite and PostgreSQL: one paid email on
each of 1,000 account days (1 January 2031 .. 26 September 2033), each billed at the next 00:00 UTC+8
and paid from a 1 USD top-up.

By hand: every bill is 1 × 280 micro-USD = "0.00028000"; its deduction is -1 cent (0.028 cent owed,
rounded away from zero). After the k-th deduction the balance is 1,000,000 - 280·k micro-USD, shown as
(1,000,000 - 280·k) // 10,000 cents (held money rounds toward zero); after the last one 720,000 micro-USD
= 72 cents. DescribeBillList takes at most six months per query (about 183 days), so the 1,000 deductions
come in six windows; DescribeBillDetail takes one month per query, 33 months.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.billing_api.helpers import advance, billing, call, frozen_account, top_up
from tests.clients import call as ses_call
from tests.clients import sdk as ses_sdk
from tests.conftest import Server

DAYS = 1000
FIRST = date(2031, 1, 1)


def _months(first: date, last: date) -> list[str]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


@pytest.mark.slow  # 2,000 calls: started first, not left to the end of one worker
def test_thousand_daily_bills_page_through_bill_list_and_bill_detail(server: Server) -> None:
    a = frozen_account(server, "2031-01-01T12:00:00+08:00", free_quota=0)
    top_up(server, a, "1")
    ses = ses_sdk(server.endpoints.api_endpoint, a["secret_id"], a["secret_key"])
    for day in range(DAYS):
        mail = {"FromEmailAddress": a["sender"], "Subject": "s", "Simple": {"Text": "aGk="}}
        ses_call(ses, "SendEmail", Destination=[f"d{day}@example.com"], **mail)
        advance(server, a, "1d")  # past 00:00: the day's bill is issued and paid
    last_day = FIRST + timedelta(days=DAYS - 1)
    assert last_day == date(2033, 9, 26)
    client = billing(server, a)

    # DescribeBillList, six months at a time, 100 a page
    deductions: list[dict[str, object]] = []
    recharges = 0
    start = date(2031, 1, 1)
    while start <= last_day + timedelta(days=1):
        end = date(start.year + (start.month + 5) // 12, (start.month + 5) % 12 + 1, 1)  # six months on
        window = {"StartTime": f"{start} 00:00:00", "EndTime": f"{end - timedelta(days=1)} 23:59:59"}
        offset, total = 0, None
        while total is None or offset < total:
            page = call(client, "DescribeBillList", **window, Offset=offset, Limit=100)
            total = page["Total"]
            for t in page["TransactionList"]:
                if t["ActionType"] == "deduct":
                    deductions.append(t)
                else:
                    recharges += 1
            offset += 100
        start = end
    assert recharges == 1 and len(deductions) == DAYS
    assert {t["Amount"] for t in deductions} == {-1}
    deductions.sort(key=lambda t: str(t["OperationTime"]))
    assert [t["Balance"] for t in deductions] == [(1_000_000 - 280 * k) // 10_000 for k in range(1, DAYS + 1)]
    assert deductions[-1]["Balance"] == 72 == call(client, "DescribeAccountBalance")["Balance"]
    assert deductions[0]["OperationTime"] == "2031-01-02 00:00:00.000"

    # DescribeBillDetail, month by month, 7 a page: the same 1,000 bills, one row each
    rows: list[dict[str, object]] = []
    for month in _months(FIRST, last_day):
        offset, total = 0, None
        while total is None or offset < total:
            page = call(client, "DescribeBillDetail", Month=month, Offset=offset, Limit=7, NeedRecordNum=1)
            total = page["Total"]
            assert len(page["DetailSet"]) == min(7, total - offset)
            rows.extend(page["DetailSet"])
            offset += 7
    assert len(rows) == DAYS
    assert [r["BillDay"] for r in rows] == [str(FIRST + timedelta(days=d)) for d in range(DAYS)]
    assert {r["BillId"] for r in rows} == {t["BillId"] for t in deductions}
    assert {r["ComponentSet"][0]["RealCost"] for r in rows} == {"0.00028000"}  # type: ignore[index]
