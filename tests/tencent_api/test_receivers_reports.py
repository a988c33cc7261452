"""Recipient lists, statistics, abuse reports and address-level unsubscribe settings through the
official Python SDK (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Server
from tests.tencent_api.ses_helpers import admin_ok, api, api_error, send, today


def test_receiver_lists_upload_list_and_delete(server: Server, account: dict[str, Any]) -> None:
    rid = api(server, account, "CreateReceiver", ReceiversName="newsletter", Desc="monthly readers")[
        "ReceiverId"
    ]
    assert isinstance(rid, int)
    assert (
        api_error(server, account, "CreateReceiver", ReceiversName="newsletter")
        == "InvalidParameterValue.RepeatReceiverName"
    )
    assert (
        api_error(server, account, "CreateReceiver", ReceiversName="")
        == "InvalidParameterValue.ReceiverNameIllegal"
    )
    assert (
        api_error(server, account, "CreateReceiver", ReceiversName="x", Desc="<b>")
        == "InvalidParameterValue.ReceiverDescIllegal"
    )
    listed = api(server, account, "ListReceivers", Offset=0, Limit=10)
    assert listed["TotalCount"] == 1
    assert listed["Data"][0] | {"CreateTime": ""} == {
        "ReceiverId": rid,
        "ReceiversName": "newsletter",
        "Count": 0,
        "Desc": "monthly readers",
        "ReceiversStatus": 1,
        "CreateTime": "",
        "InvalidCount": 0,
    }
    up = api(
        server,
        account,
        "CreateReceiverDetail",
        ReceiverId=rid,
        Emails=[
            "a@example.com",
            "b@example.com",
            "A@example.com",
            "",
            "bad-address",
            "y" * 130 + "@example.com",
        ],
    )
    assert up == {"TotalCount": 6, "ValidCount": 2, "TooLongCount": 1, "EmptyEmailCount": 1, "RepeatCount": 1}
    assert (
        api(
            server, account, "CreateReceiverDetail", ReceiverId=rid, Emails=["b@example.com", "c@example.com"]
        )["RepeatCount"]
        == 1
    )
    lst = api(server, account, "ListReceivers", Offset=0, Limit=10, Status=3)["Data"][0]
    assert (lst["Count"], lst["InvalidCount"], lst["ReceiversStatus"]) == (4, 1, 3)
    assert api(server, account, "ListReceivers", Offset=0, Limit=10, Status=1)["TotalCount"] == 0
    assert api(server, account, "ListReceivers", Offset=0, Limit=10, KeyWord="LETTER")["TotalCount"] == 1
    assert api(server, account, "ListReceivers", Offset=0, Limit=10, KeyWord="nothing")["TotalCount"] == 0
    details = api(server, account, "ListReceiverDetails", ReceiverId=rid, Offset=0, Limit=10)
    assert (details["TotalCount"], details["ValidCount"], details["InvalidCount"]) == (4, 3, 1)
    bad = [d for d in details["Data"] if d["Status"] == 2]
    assert [d["Email"] for d in bad] == ["bad-address"] and bad[0]["Reason"]
    assert {d["Email"] for d in details["Data"]} == {
        "a@example.com",
        "b@example.com",
        "bad-address",
        "c@example.com",
    }
    assert all(isinstance(d["EmailId"], int) and len(d["CreateTime"]) == 19 for d in details["Data"])
    assert (
        api(server, account, "ListReceiverDetails", ReceiverId=rid, Offset=0, Limit=10, Status=2)[
            "TotalCount"
        ]
        == 1
    )
    assert (
        api(server, account, "ListReceiverDetails", ReceiverId=rid, Offset=0, Limit=10, Email="c@")[
            "TotalCount"
        ]
        == 1
    )
    assert (
        api(server, account, "ListReceiverDetails", ReceiverId=rid, Offset=1, Limit=2)["Data"][0]["Email"]
        == "b@example.com"
    )
    assert (
        api_error(
            server,
            account,
            "ListReceiverDetails",
            ReceiverId=rid,
            Offset=0,
            Limit=10,
            CreateTimeBegin="today",
        )
        == "InvalidParameter.InvalidStartTimeFormat"
    )
    # errors
    assert (
        api_error(server, account, "CreateReceiverDetail", ReceiverId=999999, Emails=["a@example.com"])
        == "OperationDenied.ReceiverNotExist"
    )
    assert (
        api_error(server, account, "CreateReceiverDetail", ReceiverId=rid, Emails=[])
        == "MissingParameter.EmailsNecessary"
    )
    assert (
        api_error(server, account, "CreateReceiverDetail", Emails=["a@example.com"])
        == "MissingParameter.ReceiverIdNecessary"
    )
    assert (
        api_error(
            server,
            account,
            "CreateReceiverDetailWithData",
            ReceiverId=rid,
            Datas=[{"Email": "d@example.com", "TemplateData": "{}"}],
        )
        == "InvalidParameterValue.TemplateDataInconsistent"
    )
    assert api_error(server, account, "ListReceivers", Offset=0, Limit=101) == "FailedOperation.InvalidLimit"
    # lists of other accounts are invisible
    other = server.new_account()
    assert (
        api_error(server, other, "ListReceiverDetails", ReceiverId=rid, Offset=0, Limit=10)
        == "OperationDenied.ReceiverNotExist"
    )
    assert api(server, account, "DeleteReceiver", ReceiverId=rid) == {}
    assert api(server, account, "ListReceivers", Offset=0, Limit=10)["TotalCount"] == 0
    assert api_error(server, account, "DeleteReceiver", ReceiverId=rid) == "OperationDenied.ReceiverNotExist"


def test_receiver_details_with_template_data(server: Server, account: dict[str, Any]) -> None:
    rid = api(server, account, "CreateReceiver", ReceiversName="codes")["ReceiverId"]
    datas = [{"Email": f"u{i}@example.com", "TemplateData": json.dumps({"name": f"U{i}"})} for i in range(3)]
    assert (
        api(server, account, "CreateReceiverDetailWithData", ReceiverId=rid, Datas=datas)["ValidCount"] == 3
    )
    rows = api(server, account, "ListReceiverDetails", ReceiverId=rid, Offset=0, Limit=10)["Data"]
    assert [json.loads(r["TemplateData"]) for r in rows] == [{"name": "U0"}, {"name": "U1"}, {"name": "U2"}]

    def err(data: str) -> str:
        return api_error(
            server,
            account,
            "CreateReceiverDetailWithData",
            ReceiverId=rid,
            Datas=[{"Email": "z@example.com", "TemplateData": data}],
        )

    assert err("not json") == "InvalidParameterValue.TemplateDataError"
    assert err(json.dumps({"name": "<b>x</b>"})) == "InvalidParameterValue.InValidTemplateData"
    assert err(json.dumps({"name": "x" * 800})) == "InvalidParameterValue.TemplateDataLenLimit"
    assert err(json.dumps({"other": "x"})) == "InvalidParameterValue.TemplateDataInconsistent"
    assert (
        api_error(server, account, "CreateReceiverDetail", ReceiverId=rid, Emails=["q@example.com"])
        == "InvalidParameterValue.TemplateDataInconsistent"
    )


def test_statistics_report_from_stored_mail_and_outcomes(server: Server, account: dict[str, Any]) -> None:
    name = account["name"]
    admin_ok(server, "POST", f"/accounts/{name}/clock/freeze")
    for pattern, outcome in [
        ("b@*", "hard_bounce"),
        ("o@*", "open"),
        ("c@*", "click"),
        ("u@*", "unsubscribe"),
        ("d@*", "deferred"),
    ]:
        admin_ok(
            server,
            "POST",
            f"/accounts/{name}/fault-rules",
            201,
            json={"pattern": pattern, "outcome": outcome},
        )
    send(
        server,
        account,
        ["b@example.com", "o@example.com", "c@gmail.com", "u@example.com", "d@example.com", "ok@gmail.com"],
    )
    day = today(server, account)
    report = api(server, account, "GetStatisticsReport", StartDate=day, EndDate=day)
    expected = {
        "SendDate": day,
        "RequestCount": 6,
        "AcceptedCount": 6,
        "DeliveredCount": 4,
        "OpenedCount": 3,
        "ClickedCount": 1,
        "BounceCount": 1,
        "UnsubscribeCount": 1,
    }
    assert report["DailyVolumes"] == [expected]
    assert report["OverallVolume"] == expected | {"SendDate": ""}
    gmail = api(
        server, account, "GetStatisticsReport", StartDate=day, EndDate=day, ReceivingMailboxType="gmail.com"
    )
    assert gmail["OverallVolume"]["RequestCount"] == 2 and gmail["OverallVolume"]["ClickedCount"] == 1
    other_domain = api(
        server, account, "GetStatisticsReport", StartDate=day, EndDate=day, Domain="elsewhere.example"
    )
    assert other_domain["OverallVolume"]["RequestCount"] == 0
    # the next day is listed with zeros
    admin_ok(server, "POST", f"/accounts/{name}/clock/advance", json={"duration": "1d"})
    nxt = today(server, account)
    two = api(server, account, "GetStatisticsReport", StartDate=day, EndDate=nxt)
    assert [v["SendDate"] for v in two["DailyVolumes"]] == [day, nxt]
    assert two["DailyVolumes"][1]["RequestCount"] == 0 and two["OverallVolume"]["RequestCount"] == 6
    assert (
        api_error(server, account, "GetStatisticsReport", StartDate=nxt, EndDate=day)
        == "InvalidParameterValue.WrongDate"
    )
    assert (
        api_error(server, account, "GetStatisticsReport", StartDate="2024/01/01", EndDate=day)
        == "InvalidParameterValue.WrongDate"
    )
    assert api_error(server, account, "GetStatisticsReport", StartDate=day) == "MissingParameter"


def test_abuse_report_lists_spam_complaints(server: Server, account: dict[str, Any]) -> None:
    name = account["name"]
    admin_ok(server, "POST", f"/accounts/{name}/clock/freeze")
    admin_ok(
        server,
        "POST",
        f"/accounts/{name}/fault-rules",
        201,
        json={"pattern": "angry@*", "outcome": "spam_complaint"},
    )
    mid = send(server, account, ["angry@qq.com", "happy@qq.com"], subject="Deals")
    day = today(server, account)
    rep = api(server, account, "GetAbuseReport", StartTime=day, EndTime=day)
    assert rep["TotalCount"] == 1
    row = rep["Data"][0]
    assert (row["OriginalRcptTo"], row["OriginalMailFrom"], row["Mta"], row["BulkId"], row["Subject"]) == (
        "angry@qq.com",
        account["sender"],
        "qq.com",
        mid,
        "Deals",
    )
    assert (
        row["MessageId"] == f"<{mid}@qcloudmail.com>" and row["FromDomain"] == account["sender"].split("@")[1]
    )
    assert row["SourceIp"] and row["ComplainTime"].startswith(day)
    assert (
        api(server, account, "GetAbuseReport", StartTime=day, EndTime=day, ToAddress="happy@qq.com")[
            "TotalCount"
        ]
        == 0
    )
    assert (
        api(server, account, "GetAbuseReport", StartTime=day, EndTime=day, Mta="qq.com", Limit=5, Offset=0)[
            "TotalCount"
        ]
        == 1
    )
    assert (
        api_error(server, account, "GetAbuseReport", StartTime="x", EndTime=day)
        == "InvalidParameterValue.WrongDate"
    )


def test_address_unsubscribe_config(server: Server, account: dict[str, Any]) -> None:
    addr = account["sender"]
    assert (
        api(server, account, "CreateAddressUnsubscribeConfig", Address=addr, UnsubscribeConfig="2", Status=1)
        == {}
    )
    assert (
        api_error(
            server, account, "CreateAddressUnsubscribeConfig", Address=addr, UnsubscribeConfig="2", Status=1
        )
        == "InvalidParameterValue.RepeatCreation"
    )
    assert (
        api_error(
            server,
            account,
            "CreateAddressUnsubscribeConfig",
            Address="nobody@example.com",
            UnsubscribeConfig="1",
            Status=1,
        )
        == "InvalidParameterValue.NoSuchSender"
    )
    assert (
        api_error(
            server, account, "UpdateAddressUnsubscribeConfig", Address=addr, UnsubscribeConfig="11", Status=1
        )
        == "InvalidParameterValue"
    )
    assert (
        api_error(
            server, account, "UpdateAddressUnsubscribeConfig", Address=addr, UnsubscribeConfig="1", Status=2
        )
        == "InvalidParameterValue"
    )
    api(server, account, "UpdateAddressUnsubscribeConfig", Address=addr, UnsubscribeConfig="1", Status=0)
    listed = api(server, account, "ListAddressUnsubscribeConfig", Offset=0, Limit="10")
    assert listed == {
        "AddressUnsubscribeConfigList": [{"Address": addr, "UnsubscribeConfig": "1", "Status": 0}],
        "Total": 1,
    }
    assert (
        api_error(server, account, "ListAddressUnsubscribeConfig", Offset=0, Limit="101")
        == "FailedOperation.InvalidLimit"
    )
    api(server, account, "DeleteAddressUnsubscribeConfig", Address=addr)
    assert api(server, account, "ListAddressUnsubscribeConfig", Offset=0, Limit="10")["Total"] == 0
    assert api_error(server, account, "DeleteAddressUnsubscribeConfig", Address=addr) == "ResourceNotFound"
