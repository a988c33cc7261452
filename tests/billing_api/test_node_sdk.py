"""The official Node SDK's billing client (`tencentcloud-sdk-nodejs`, `billing.v20180709.Client`, pinned in
tests/node/package-lock.json, unmodified) against a real server on SQLite and PostgreSQL.

The Node SDK signs the scope service as the endpoint's first label (`127`), so the emulator can only tell
a billing request by its version: that is what this checks end to end. Under CI=true these tests must
run: a missing node or tests/node/node_modules fails them instead of skipping."""

from __future__ import annotations

from typing import Any

import pytest

from tests.billing_api.helpers import SERVED, advance_to, frozen_account, send, top_up
from tests.clients import node_call, node_missing
from tests.conftest import IN_CI, Server


@pytest.fixture(scope="module")
def node_ready() -> None:
    reason = node_missing()
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true: the Node billing tests must run: {reason}")
        pytest.skip(reason)


BILLING = {"service": "billing", "version": "v20180709", "region": ""}


def node_billing(server: Server, account: dict[str, Any], action: str, **params: Any) -> dict[str, Any]:
    return node_call(server, account, action, spec=BILLING, **params)


def test_node_billing_client_reads_balance_transactions_and_bills(node_ready: None, server: Server) -> None:
    """Balance 0, 1,001 recipients on 12 July 2031 -> after 00:00 one paid email owed: 280 micro-USD =
    OweAmount 1 cent; a 2.00 USD top-up is a 200-cent recharge and settles it (-1 cent)."""
    a = frozen_account(server, "2031-07-12T15:00:00+08:00")
    send(server, a, 1001)
    advance_to(server, a, "2031-07-13T00:00:00+08:00")
    bal = node_billing(server, a, "DescribeAccountBalance")
    assert bal["ok"], bal
    assert (bal["result"]["OweAmount"], bal["result"]["Balance"], bal["result"]["Uin"]) == (
        1,
        -1,
        100_000_000_000 + a["id"],
    )
    top_up(server, a, "2.00")
    listed = node_billing(
        server,
        a,
        "DescribeBillList",
        StartTime="2031-07-01 00:00:00",
        EndTime="2031-07-31 23:59:59",
        Offset=0,
        Limit=10,
    )
    assert listed["ok"], listed
    assert [(t["ActionType"], t["Amount"]) for t in listed["result"]["TransactionList"]] == [
        ("deduct", -1),
        ("recharge", 200),
    ]
    detail = node_billing(
        server, a, "DescribeBillDetail", Month="2031-07", Offset=0, Limit=300, NeedRecordNum=1
    )
    assert detail["ok"] and detail["result"]["Total"] == 1, detail
    assert detail["result"]["DetailSet"][0]["ComponentSet"][0]["RealCost"] == "0.00028000"
    summary = node_billing(server, a, "DescribeBillSummaryByProduct", BeginTime="2031-07", EndTime="2031-07")
    assert summary["ok"] and summary["result"]["SummaryTotal"]["RealTotalCost"] == "0.00028000", summary
    dosage = node_billing(
        server, a, "DescribeDosageDetailByDate", StartDate="2031-07-12", EndDate="2031-07-12"
    )
    assert dosage["ok"] and dosage["result"]["DetailSets"][0]["DetailPoints"][0]["Value"] == "1001", dosage


def test_node_billing_errors(node_ready: None, server: Server, account: dict[str, Any]) -> None:
    wrong = {**account, "secret_key": account["secret_key"][::-1] + "x"}
    err = node_billing(server, wrong, "DescribeAccountBalance")
    assert not err["ok"] and err["code"] == "AuthFailure.SignatureFailure" and err["requestId"], err
    err = node_billing(server, account, "DescribeVoucherInfo", Limit=10, Offset=0)
    assert not err["ok"] and err["code"] == "UnsupportedOperation", err
    assert all(name in err["message"] for name in SERVED), err
    err = node_billing(server, account, "DescribeBillDetail", Month="2031-01", Offset=0, Limit=301)
    assert not err["ok"] and err["code"] == "InvalidParameter.InvalidParameter", err
