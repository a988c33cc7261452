"""Delivery outcomes by fault rule, the hard-bounce blacklist and the custom blacklist, through the
official Python SDK and the admin API (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from tests.clients import message, smtp_send
from tests.conftest import Server
from tests.tencent_api.ses_helpers import admin_ok, api, api_error, send, send_error, statuses, today

OUTCOME_ROWS = {
    # outcome: (SendStatus, DeliverStatus, DeliverMessage starts, opened, clicked, unsubscribed, complained)
    "hard_bounce": (0, 3, "551 5.1.1", False, False, False, False),
    "soft_bounce": (0, 3, "452 4.2.2", False, False, False, False),
    "dropped": (0, 2, "dropped", False, False, False, False),
    "deferred": (0, 8, "421", False, False, False, False),
    "rejected": (1008, 3, "554", False, False, False, False),
    "open": (0, 1, "", True, False, False, False),
    "click": (0, 1, "", True, True, False, False),
    "unsubscribe": (0, 1, "", True, False, True, False),
    "spam_complaint": (0, 1, "", False, False, False, True),
}


def test_fault_rules_admin_crud_and_validation(server: Server, account: dict[str, Any]) -> None:
    base = f"/accounts/{account['name']}/fault-rules"
    assert admin_ok(server, "GET", base) == []
    r1 = admin_ok(
        server, "POST", base, 201, json={"pattern": "*@bounce.example.com", "outcome": "hard_bounce"}
    )
    assert set(r1) == {"id", "pattern", "outcome", "created_at"} and r1["outcome"] == "hard_bounce"
    r2 = admin_ok(server, "POST", base, 201, json={"pattern": "open-*@example.com", "outcome": "open"})
    assert [r["id"] for r in admin_ok(server, "GET", base)] == [r1["id"], r2["id"]]
    bad = server.admin("POST", base, json={"pattern": "x@example.com", "outcome": "explode"})
    assert bad.status_code == 400 and "outcome" in bad.json()["message"]
    assert server.admin("POST", base, json={"pattern": "", "outcome": "open"}).status_code == 400
    admin_ok(server, "DELETE", f"{base}/{r1['id']}", 204)
    assert server.admin("DELETE", f"{base}/{r1['id']}").status_code == 404
    assert [r["id"] for r in admin_ok(server, "GET", base)] == [r2["id"]]
    admin_ok(server, "DELETE", base, 204)
    assert admin_ok(server, "GET", base) == []
    assert server.admin("GET", "/accounts/no-such-account/fault-rules").status_code == 404


def test_every_outcome_shows_in_get_send_email_status_and_is_billed(
    server: Server, account: dict[str, Any]
) -> None:
    base = f"/accounts/{account['name']}/fault-rules"
    admin_ok(server, "POST", f"/accounts/{account['name']}/clock/freeze")
    for outcome in OUTCOME_ROWS:
        admin_ok(server, "POST", base, 201, json={"pattern": f"{outcome}@EXAMPLE.com", "outcome": outcome})
    to = [f"{o}@example.com" for o in OUTCOME_ROWS] + ["ok@example.com"]
    free_before = server.state(account["name"])["free_left"]
    mid = send(server, account, to[:5])
    mid2 = send(server, account, to[5:])
    assert server.state(account["name"])["free_left"] == free_before - len(to)  # bounced mail is billed
    rows = statuses(server, account)
    assert set(rows) == set(to)
    for outcome, (ss, ds, msg, op, cl, un, co) in OUTCOME_ROWS.items():
        row = rows[f"{outcome}@example.com"]
        assert (row["SendStatus"], row["DeliverStatus"]) == (ss, ds), (outcome, row)
        assert row["DeliverMessage"].startswith(msg), (outcome, row)
        flags = (row["UserOpened"], row["UserClicked"], row["UserUnsubscribed"], row["UserComplained"])
        assert flags == (op, cl, un, co), (outcome, row)
        assert row["MessageId"] in (mid, mid2)
    ok = rows["ok@example.com"]
    assert (ok["SendStatus"], ok["DeliverStatus"], ok["DeliverTime"]) == (0, 1, ok["RequestTime"])
    assert rows["deferred@example.com"]["DeliverTime"] == 0


def test_hard_bounce_blacklists_and_refuses_until_deleted(server: Server, account: dict[str, Any]) -> None:
    name = account["name"]
    admin_ok(
        server,
        "POST",
        f"/accounts/{name}/fault-rules",
        201,
        json={"pattern": "*@bounce.example.com", "outcome": "hard_bounce"},
    )
    admin_ok(
        server,
        "POST",
        f"/accounts/{name}/fault-rules",
        201,
        json={"pattern": "soft@example.com", "outcome": "soft_bounce"},
    )
    send(server, account, ["Gone@Bounce.example.com", "soft@example.com"])
    day = today(server, account)
    listed = api(server, account, "ListBlackEmailAddress", StartDate=day, EndDate=day, Limit=10, Offset=0)
    assert listed["TotalCount"] == 1
    entry = listed["BlackList"][0]
    assert entry["EmailAddress"] == "gone@bounce.example.com" and entry["IspDesc"] == "bounce.example.com"
    assert entry["BounceTime"].startswith(day) and len(entry["BounceTime"]) == 19
    # a later day range does not list it; a filter by address does
    assert (
        api(
            server,
            account,
            "ListBlackEmailAddress",
            StartDate="2001-01-01",
            EndDate="2001-01-02",
            Limit=10,
            Offset=0,
        )["TotalCount"]
        == 0
    )
    only = api(
        server,
        account,
        "ListBlackEmailAddress",
        StartDate=day,
        EndDate=day,
        Limit=10,
        Offset=0,
        EmailAddress="gone@bounce.example.com",
    )
    assert only["TotalCount"] == 1
    # the soft bounce is not blacklisted; the hard one is refused, over the API and over SMTP
    send(server, account, ["soft@example.com"])
    stored_before = server.admin("GET", f"/accounts/{name}/messages").json()["total"]
    assert (
        send_error(server, account, ["ok@example.com", "gone@bounce.example.com"])
        == "FailedOperation.EmailAddrInBlacklist"
    )
    import smtplib

    try:
        smtp_send(
            server.endpoints.smtp_port,
            account["sender"],
            account["smtp_password"],
            message(account["sender"], ["gone@bounce.example.com"]),
        )
        raise AssertionError("SMTP accepted mail to a blacklisted address")
    except smtplib.SMTPDataError as exc:
        assert exc.smtp_code == 554 and b"FailedOperation.EmailAddrInBlacklist" in exc.smtp_error
    assert server.admin("GET", f"/accounts/{name}/messages").json()["total"] == stored_before
    # errors: bad dates, Limit > 100, empty delete list
    assert (
        api_error(
            server, account, "ListBlackEmailAddress", StartDate="yesterday", EndDate=day, Limit=10, Offset=0
        )
        == "InvalidParameterValue.WrongDate"
    )
    assert (
        api_error(server, account, "ListBlackEmailAddress", StartDate=day, EndDate=day, Limit=101, Offset=0)
        == "FailedOperation.InvalidLimit"
    )
    assert (
        api_error(server, account, "DeleteBlackList", EmailAddressList=[])
        == "InvalidParameterValue.EmailAddressIsNULL"
    )
    # deleting it lets mail through again (and the next send bounces it back onto the list)
    assert api(server, account, "DeleteBlackList", EmailAddressList=["GONE@bounce.example.com"]) == {}
    assert (
        api(server, account, "ListBlackEmailAddress", StartDate=day, EndDate=day, Limit=10, Offset=0)[
            "TotalCount"
        ]
        == 0
    )
    send(server, account, ["gone@bounce.example.com"])
    assert (
        api(server, account, "ListBlackEmailAddress", StartDate=day, EndDate=day, Limit=10, Offset=0)[
            "TotalCount"
        ]
        == 1
    )


def test_custom_blacklist_create_list_update_delete_and_refuse(
    server: Server, account: dict[str, Any]
) -> None:
    name = account["name"]
    admin_ok(server, "POST", f"/accounts/{name}/clock/freeze")
    day = today(server, account)
    created = api(
        server,
        account,
        "CreateCustomBlacklist",
        Emails=[
            "a@example.com",
            "B@example.com",
            "a@example.com",
            "not-an-address",
            "x" * 120 + "@example.com",
        ],
    )
    assert created == {
        "TotalCount": 5,
        "ValidCount": 2,
        "TooLongCount": 1,
        "RepeatCount": 1,
        "InvalidCount": 1,
    }
    assert (
        api(server, account, "CreateCustomBlacklist", Emails=["a@example.com"], ExpireDate=day)["RepeatCount"]
        == 1
    )
    assert (
        api_error(server, account, "CreateCustomBlacklist", Emails=["c@example.com"], ExpireDate="31/12/2030")
        == "InvalidParameterValue.WrongDate"
    )
    listed = api(server, account, "ListCustomBlacklist", Offset=0, Limit=10, Status=2)
    assert listed["TotalCount"] == 2
    a, b = listed["Data"]
    assert (a["Email"], a["Status"], a["ExpireDate"]) == ("a@example.com", 1, "")
    assert len(a["CreateTime"]) == 19 and isinstance(a["Id"], int)
    assert send_error(server, account, ["b@example.com"]) == "FailedOperation.EmailAddrInBlacklist"
    # an entry that expired yesterday no longer blocks and is listed as expired
    api(server, account, "UpdateCustomBlackList", Id=b["Id"], Email="b@example.com", ExpireDate="2000-01-01")
    send(server, account, ["b@example.com"])
    assert [
        d["Email"] for d in api(server, account, "ListCustomBlacklist", Offset=0, Limit=10, Status=0)["Data"]
    ] == ["b@example.com"]
    assert [
        d["Email"] for d in api(server, account, "ListCustomBlacklist", Offset=0, Limit=10, Status=1)["Data"]
    ] == ["a@example.com"]
    # expiring today still blocks
    api(server, account, "UpdateCustomBlackList", Id=b["Id"], Email="b@example.com", ExpireDate=day)
    assert send_error(server, account, ["b@example.com"]) == "FailedOperation.EmailAddrInBlacklist"
    # update can change the address; errors for unknown Id, bad address, taken address
    api(server, account, "UpdateCustomBlackList", Id=b["Id"], Email="c@example.com")
    send(server, account, ["b@example.com"])
    assert (
        api_error(server, account, "UpdateCustomBlackList", Id=999999, Email="d@example.com")
        == "ResourceNotFound"
    )
    assert (
        api_error(server, account, "UpdateCustomBlackList", Id=b["Id"], Email="bad")
        == "InvalidParameterValue.IllegalEmailAddress"
    )
    assert (
        api_error(server, account, "UpdateCustomBlackList", Id=b["Id"], Email="a@example.com")
        == "InvalidParameterValue.RepeatEmailAddress"
    )
    assert (
        api(server, account, "ListCustomBlacklist", Offset=0, Limit=10, Status=2, Email="c@example.com")[
            "TotalCount"
        ]
        == 1
    )
    assert (
        api_error(server, account, "ListCustomBlacklist", Offset=0, Limit=10, Status=3)
        == "InvalidParameterValue"
    )
    assert (
        api_error(server, account, "ListCustomBlacklist", Offset=0, Limit=1000, Status=2)
        == "FailedOperation.InvalidLimit"
    )
    # delete
    assert api(server, account, "DeleteCustomBlackList", Emails=["A@example.com", "c@example.com"]) == {}
    assert api(server, account, "ListCustomBlacklist", Offset=0, Limit=10, Status=2)["TotalCount"] == 0
    send(server, account, ["a@example.com"])
    assert (
        api_error(server, account, "DeleteCustomBlackList", Emails=[]) == "MissingParameter.EmailsNecessary"
    )


def test_blacklists_are_per_account(server: Server, account: dict[str, Any]) -> None:
    other = server.new_account()
    api(server, account, "CreateCustomBlacklist", Emails=["shared@example.com"])
    assert send_error(server, account, ["shared@example.com"]) == "FailedOperation.EmailAddrInBlacklist"
    send(server, other, ["shared@example.com"])


def test_an_unsubscribed_recipient_refuses_later_mail(server: Server, account: dict[str, Any]) -> None:
    admin_ok(
        server,
        "POST",
        f"/accounts/{account['name']}/fault-rules",
        201,
        json={"pattern": "leaver@*", "outcome": "unsubscribe"},
    )
    send(server, account, ["leaver@example.com", "stayer@example.com"])
    assert statuses(server, account)["leaver@example.com"]["UserUnsubscribed"] is True
    assert send_error(server, account, ["Leaver@EXAMPLE.com"]) == "FailedOperation.ReceiverHasUnsubscribed"
    send(server, account, ["stayer@example.com"])
    send(server, server.new_account(), ["leaver@example.com"])  # another account's mail still goes
