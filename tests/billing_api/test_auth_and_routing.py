"""The billing service on the emulator's port, through the official billing SDK (SQLite and PostgreSQL):
signatures are checked with the account's keys (TC3 and v1, POST and GET), errors use the real envelope
and codes, other billing actions and versions get a clear error, and every field of the SDK's response
models is filled."""

from __future__ import annotations

from typing import Any

import pytest
from tencentcloud.billing.v20180709 import billing_client

from emulator.tencent_api.billing import ALL_ACTIONS, VERSION
from tests.billing_api.helpers import (
    SERVED,
    advance_to,
    billing,
    call,
    frozen_account,
    model_fields,
    sdk_error,
    sdk_fields,
    send,
    top_up,
)
from tests.clients import call as ses_call
from tests.clients import sdk as ses_sdk
from tests.conftest import Server


def test_the_action_list_is_the_sdks() -> None:
    assert {n for n in vars(billing_client.BillingClient) if n[0].isupper()} == ALL_ACTIONS
    assert set(SERVED) <= ALL_ACTIONS and billing_client.BillingClient._apiVersion == VERSION


def test_wrong_key_is_the_real_auth_failure(server: Server, account: dict[str, Any]) -> None:
    wrong = account["secret_key"][::-1] + "x"
    for sign_method in ("TC3-HMAC-SHA256", "HmacSHA256", "HmacSHA1"):
        err = sdk_error(
            lambda m=sign_method: call(
                billing(server, account, wrong, sign_method=m), "DescribeAccountBalance"
            )
        )
        assert err.get_code() == "AuthFailure.SignatureFailure", (sign_method, err)
    unknown = {**account, "secret_id": "AKID" + "0" * 32}
    err = sdk_error(lambda: call(billing(server, unknown), "DescribeAccountBalance"))
    assert err.get_code() == "AuthFailure.SecretIdNotFound"


@pytest.mark.parametrize(
    "profile",
    [
        {},
        {"req_method": "GET"},
        {"sign_method": "HmacSHA256"},
        {"sign_method": "HmacSHA1", "req_method": "GET"},
    ],
    ids=["tc3-post", "tc3-get", "v1-sha256", "v1-sha1-get"],
)
def test_signatures_and_methods_the_sdk_offers(
    server: Server, account: dict[str, Any], profile: dict[str, Any]
) -> None:
    client = billing(server, account, **profile)
    assert call(client, "DescribeAccountBalance")["Uin"] == 100_000_000_000 + account["id"]
    listed = call(
        client,
        "DescribeBillList",
        StartTime="2031-01-01 00:00:00",
        EndTime="2031-02-01 00:00:00",
        Offset=0,
        Limit=10,
        PayType=["recharge", "deduct"],
    )
    assert listed["Total"] == 0


def test_other_billing_actions_and_versions_are_clear_errors(server: Server, account: dict[str, Any]) -> None:
    client = billing(server, account)
    err = sdk_error(lambda: call(client, "DescribeVoucherInfo", Limit=10, Offset=0))
    assert err.get_code() == "UnsupportedOperation"
    assert all(name in err.get_message() for name in SERVED), err.get_message()
    err = sdk_error(lambda: client.call("DescribeNothing", {}))
    assert err.get_code() == "InvalidAction" and "DescribeAccountBalance" in err.get_message()
    client._apiVersion = "2017-01-01"  # the SDK's own attribute: what it sends as X-TC-Version
    err = sdk_error(lambda: call(client, "DescribeAccountBalance"))
    assert err.get_code() == "NoSuchVersion" and "2018-07-09" in err.get_message()
    # a request signed for `ses` with billing's version is still an SES request
    ses = ses_sdk(server.endpoints.api_endpoint, account["secret_id"], account["secret_key"])
    ses._apiVersion = VERSION
    err = sdk_error(lambda: ses_call(ses, "ListEmailTemplates", Limit=10, Offset=0))
    assert err.get_code() == "NoSuchVersion" and "ses" in err.get_message()


def test_parameters_are_checked_like_the_real_api(server: Server, account: dict[str, Any]) -> None:
    client = billing(server, account)
    window = {"StartTime": "2031-01-01 00:00:00", "EndTime": "2031-07-01 00:00:01", "Offset": 0, "Limit": 10}
    err = sdk_error(lambda: call(client, "DescribeBillList", **window))
    assert err.get_code() == "InvalidParameter.InvalidParameter" and "six months" in err.get_message()
    err = sdk_error(lambda: call(client, "DescribeBillList", **{**window, "EndTime": "2031-07-01"}))
    assert err.get_code() == "InvalidParameter"
    err = sdk_error(
        lambda: call(
            client, "DescribeBillList", **{**window, "EndTime": "2031-02-01 00:00:00", "PayType": ["gift"]}
        )
    )
    assert err.get_code() == "InvalidParameterValue"
    err = sdk_error(lambda: client.call_json("DescribeBillList", {"StartTime": "2031-01-01 00:00:00"}))
    assert err.get_code() == "MissingParameter"
    err = sdk_error(lambda: client.call_json("DescribeAccountBalance", {"Bogus": 1}))
    assert err.get_code() == "UnknownParameter"
    other = str(100_000_000_000 + account["id"] + 1)
    err = sdk_error(
        lambda: call(client, "DescribeBillDetail", Month="2031-01", Offset=0, Limit=1, PayerUin=other)
    )
    assert err.get_code() == "AuthFailure.UnauthorizedOperation"


def test_every_response_field_of_the_sdk_models_is_filled(server: Server) -> None:
    """An account with a paid, an unpaid-then-settled and a recharge entry; each served action's answer
    carries exactly the SDK model's fields, nested models too, none of them null (except
    BillDetail.AssociatedOrder, which the real API leaves null for post-paid bills)."""
    a = frozen_account(server, "2031-05-20T10:00:00+08:00")
    send(server, a, 1003)
    advance_to(server, a, "2031-05-21T01:00:00+08:00")
    top_up(server, a, "1")
    client = billing(server, a)
    answers = {
        "DescribeAccountBalance": call(client, "DescribeAccountBalance", TempCredit=True),
        "DescribeBillList": call(
            client,
            "DescribeBillList",
            StartTime="2031-05-01 00:00:00",
            EndTime="2031-05-31 23:59:59",
            Offset=0,
            Limit=10,
        ),
        "DescribeBillSummaryByProduct": call(
            client, "DescribeBillSummaryByProduct", BeginTime="2031-05", EndTime="2031-05"
        ),
        "DescribeBillDetail": call(client, "DescribeBillDetail", Month="2031-05", Offset=0, Limit=10),
        "DescribeDosageDetailByDate": call(
            client, "DescribeDosageDetailByDate", StartDate="2031-05-18", EndDate="2031-05-22"
        ),
    }
    for action, answer in answers.items():
        assert set(answer) - {"RequestId"} == sdk_fields(action), action
    nested = [
        ("BillTransactionInfo", answers["DescribeBillList"]["TransactionList"]),
        ("BusinessSummaryTotal", [answers["DescribeBillSummaryByProduct"]["SummaryTotal"]]),
        ("BusinessSummaryOverviewItem", answers["DescribeBillSummaryByProduct"]["SummaryOverview"]),
        ("BillDetail", answers["DescribeBillDetail"]["DetailSet"]),
        ("BillDetailComponent", answers["DescribeBillDetail"]["DetailSet"][0]["ComponentSet"]),
        ("DetailSet", answers["DescribeDosageDetailByDate"]["DetailSets"]),
        ("DetailPoint", answers["DescribeDosageDetailByDate"]["DetailSets"][0]["DetailPoints"]),
    ]
    for name, items in nested:
        assert items, name
        for item in items:
            assert set(item) == model_fields(name), name
            nulls = {k for k, v in item.items() if v is None}
            assert nulls <= {"AssociatedOrder"}, (name, nulls)
    for answer in answers.values():
        assert all(v is not None for v in answer.values())
    # the ledger of this account: recharge, then the settlement of the 3 paid emails (840 micro-USD)
    amounts = [t["Amount"] for t in answers["DescribeBillList"]["TransactionList"]]
    assert amounts == [-1, 100]  # 840 micro-USD = 0.084 cent owed -> -1; 1 USD = 100 cents


def test_accounts_see_only_their_own_bills(server: Server) -> None:
    a = frozen_account(server, "2031-06-10T10:00:00+08:00")
    b = frozen_account(server, "2031-06-10T10:00:00+08:00")
    send(server, a, 1001)
    for acct in (a, b):
        advance_to(server, acct, "2031-06-11T00:00:00+08:00")
    assert call(billing(server, a), "DescribeAccountBalance")["OweAmount"] == 1
    assert call(billing(server, b), "DescribeAccountBalance")["OweAmount"] == 0
    assert call(billing(server, b), "DescribeBillDetail", Month="2031-06", Offset=0, Limit=10)["Total"] == 0
