"""BatchSendEmail on the account's clock: immediate, scheduled and periodic tasks, the pause at the
daily cap and the resume the next day, and its refusals — through the official Python SDK."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from tests.conftest import Server
from tests.tencent_api.ses_helpers import admin_ok, api, api_error, b64, eventually


def setup_list(server: Server, account: dict[str, Any], n: int) -> tuple[int, int]:
    tid = api(
        server,
        account,
        "CreateEmailTemplate",
        TemplateName="hello",
        TemplateContent={"Html": b64("<p>Hello {{name}} from {{shop}}</p>"), "Text": b64("Hello {{name}}")},
    )["TemplateID"]
    rid = api(server, account, "CreateReceiver", ReceiversName=f"list-{n}")["ReceiverId"]
    datas = [{"Email": f"r{i}@example.com", "TemplateData": json.dumps({"name": f"R{i}"})} for i in range(n)]
    api(server, account, "CreateReceiverDetailWithData", ReceiverId=rid, Datas=datas)
    return tid, rid


def batch(
    server: Server, account: dict[str, Any], tid: int, rid: int, task_type: int = 1, **extra: Any
) -> int:
    return int(
        api(
            server,
            account,
            "BatchSendEmail",
            FromEmailAddress=account["sender"],
            ReceiverId=rid,
            Subject="News for {{name}}",
            TaskType=task_type,
            Template={"TemplateID": tid, "TemplateData": json.dumps({"shop": "Acme"})},
            **extra,
        )["TaskId"]
    )


def task(server: Server, account: dict[str, Any], task_id: int) -> dict[str, Any]:
    rows = api(server, account, "ListSendTasks", Offset=0, Limit=100)["Data"]
    return next(r for r in rows if r["TaskId"] == task_id)


def wait_task(server: Server, account: dict[str, Any], task_id: int, **want: Any) -> dict[str, Any]:
    def check() -> dict[str, Any]:
        t = task(server, account, task_id)
        assert {k: t[k] for k in want} == want, t
        return t

    return dict(eventually(check, timeout=20))


def mail(server: Server, account: dict[str, Any]) -> list[dict[str, Any]]:
    return list(admin_ok(server, "GET", f"/accounts/{account['name']}/messages?limit=200")["messages"])


def clock_text(server: Server, account: dict[str, Any], plus: timedelta) -> str:
    now = datetime.fromisoformat(server.state(account["name"])["clock"]["now"])
    return (now + plus).strftime("%Y-%m-%d %H:%M:%S")


def advance(server: Server, account: dict[str, Any], duration: str) -> None:
    admin_ok(server, "POST", f"/accounts/{account['name']}/clock/advance", json={"duration": duration})


def test_immediate_task_sends_one_personalised_message_per_address(
    server: Server, account: dict[str, Any]
) -> None:
    tid, rid = setup_list(server, account, 3)
    free = server.state(account["name"])["free_left"]
    task_id = batch(server, account, tid, rid)
    t = wait_task(server, account, task_id, TaskStatus=10, SendCount=3)
    assert (t["TaskType"], t["RequestCount"], t["CacheCount"], t["ReceiverId"], t["ReceiversName"]) == (
        1,
        3,
        0,
        rid,
        "list-3",
    )
    assert t["Template"] == {"TemplateID": tid, "TemplateData": json.dumps({"shop": "Acme"})}
    assert t["CycleParam"] is None and t["TimedParam"] is None and t["Subject"] == "News for {{name}}"
    msgs = mail(server, account)
    assert sorted(m["subject"] for m in msgs) == ["News for R0", "News for R1", "News for R2"]
    detail = admin_ok(server, "GET", f"/accounts/{account['name']}/messages/{msgs[0]['id']}")
    assert "from Acme" in detail["html"]
    assert server.state(account["name"])["free_left"] == free - 3  # metered like SendEmail
    assert api(server, account, "ListSendTasks", Offset=0, Limit=10, Status=10, TaskType=1)["TotalCount"] == 1
    assert api(server, account, "ListSendTasks", Offset=0, Limit=10, TaskType=2)["TotalCount"] == 0


def test_scheduled_task_runs_when_the_account_clock_reaches_it(
    server: Server, account: dict[str, Any]
) -> None:
    admin_ok(server, "POST", f"/accounts/{account['name']}/clock/freeze")
    tid, rid = setup_list(server, account, 2)
    begin = clock_text(server, account, timedelta(hours=2))
    task_id = batch(server, account, tid, rid, 2, TimedParam={"BeginTime": begin})
    t = task(server, account, task_id)
    assert (t["TaskStatus"], t["TimedParam"]) == (1, {"BeginTime": begin})
    assert (
        api_error(server, account, "DeleteReceiver", ReceiverId=rid) == "OperationDenied.ReceiverIsOperating"
    )
    advance(server, account, "1h")
    assert task(server, account, task_id)["TaskStatus"] == 1 and mail(server, account) == []
    advance(server, account, "1h")
    wait_task(server, account, task_id, TaskStatus=10, SendCount=2)
    assert len(mail(server, account)) == 2


def test_periodic_task_repeats_every_interval(server: Server, account: dict[str, Any]) -> None:
    admin_ok(server, "POST", f"/accounts/{account['name']}/clock/freeze")
    tid, rid = setup_list(server, account, 2)
    begin = clock_text(server, account, timedelta(hours=1))
    task_id = batch(server, account, tid, rid, 3, CycleParam={"BeginTime": begin, "IntervalTime": 24})
    advance(server, account, "1h")
    wait_task(server, account, task_id, TaskStatus=1, SendCount=2)  # back to pending for the next cycle
    assert len(mail(server, account)) == 2
    advance(server, account, "1d")

    def second_cycle_sent() -> None:
        assert len(mail(server, account)) == 4

    eventually(second_cycle_sent)
    t = wait_task(server, account, task_id, TaskStatus=1)
    assert t["CycleParam"] == {"BeginTime": begin, "IntervalTime": 24, "TermCycle": 0}


def test_task_pauses_at_the_daily_cap_and_resumes_the_next_day(
    server: Server, account: dict[str, Any]
) -> None:
    name = account["name"]
    admin_ok(server, "POST", f"/accounts/{name}/clock/freeze")
    admin_ok(server, "PATCH", f"/accounts/{name}/limits", json={"daily_total": {"enabled": True, "limit": 2}})
    tid, rid = setup_list(server, account, 5)
    task_id = batch(server, account, tid, rid)
    t = wait_task(server, account, task_id, TaskStatus=6, SendCount=2, CacheCount=3)
    assert "daily" in t["ErrMsg"]
    advance(server, account, "1d")
    wait_task(server, account, task_id, TaskStatus=6, SendCount=4, CacheCount=1)
    advance(server, account, "1d")
    wait_task(server, account, task_id, TaskStatus=10, SendCount=5, CacheCount=0)
    assert sorted(m["to"] for m in mail(server, account)) == [f"r{i}@example.com" for i in range(5)]


def test_batch_refusals(server: Server, account: dict[str, Any]) -> None:
    tid, rid = setup_list(server, account, 1)

    def err(**over: Any) -> str:
        params: dict[str, Any] = {
            "FromEmailAddress": account["sender"],
            "ReceiverId": rid,
            "Subject": "s",
            "TaskType": 1,
            "Template": {"TemplateID": tid, "TemplateData": "{}"},
        }
        params.update(over)
        return api_error(
            server, account, "BatchSendEmail", **{k: v for k, v in params.items() if v is not None}
        )

    assert err(ReceiverId=999999) == "OperationDenied.ReceiverNotExist"
    assert err(TaskType=2) == "MissingParameter.TimedParamNecessary"
    assert err(TaskType=3) == "MissingParameter.CycleParamNecessary"
    assert (
        err(TaskType=2, TimedParam={"BeginTime": "2001-01-01 00:00:00"})
        == "InvalidParameterValue.BeginTimeBeforeNow"
    )
    assert err(TaskType=9) == "InvalidParameterValue"
    assert err(Template=None) == "MissingParameter.SendParamNecessary"
    assert err(FromEmailAddress="someone@elsewhere.example") == "OperationDenied.SendAddressStatusError"
    assert err(Template={"TemplateID": tid, "TemplateData": "not json"}) == "FailedOperation.WrongContentJson"
    admin_ok(server, "POST", f"/accounts/{account['name']}/templates/{tid}/status", 204, json={"status": 1})
    assert err() == "OperationDenied.TemplateStatusError"
    empty = api(server, account, "CreateReceiver", ReceiversName="empty")["ReceiverId"]
    admin_ok(server, "POST", f"/accounts/{account['name']}/templates/{tid}/status", 204, json={"status": 0})
    assert err(ReceiverId=empty) == "OperationDenied.ReceiverStatusError"
    assert api_error(server, account, "ListSendTasks", Offset=0, Limit=101) == "FailedOperation.InvalidLimit"
    assert (
        api_error(server, account, "ListSendTasks", Offset=0, Limit=10, Status=4) == "InvalidParameterValue"
    )
    assert api(server, account, "ListSendTasks", Offset=0, Limit=10)["TotalCount"] == 0
