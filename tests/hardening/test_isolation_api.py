"""Issue 9 §4, accounts are isolated in the Tencent API: account B's keys, given every identifier account A
owns, call every emulated action — and never read, send as or change anything of A's."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime, timedelta
from typing import Any

from emulator.domain.clock import BEIJING
from emulator.tencent_api.actions import ACTIONS
from tests.conftest import Server
from tests.hardening.raw_api import RawApi, snapshot


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def build_a(server: Server) -> tuple[RawApi, dict[str, Any]]:
    """Account A with one of everything; returns its API and its identifiers."""
    tag = uuid.uuid4().hex[:8]
    a = server.new_account(sender=f"a@{tag}-a.example")
    api = RawApi(server, a)
    ids: dict[str, Any] = {
        "sender": a["sender"],
        "domain": f"{tag}-a.example",
        "extra_domain": f"{tag}-x.example",
    }
    ids["template"] = api.ok(
        "CreateEmailTemplate", TemplateName="a-secret", TemplateContent={"Text": b64("A {{v}}")}
    )["TemplateID"]
    api.ok("CreateEmailIdentity", EmailIdentity=ids["extra_domain"])
    ids["address"] = f"info@{ids['domain']}"
    api.ok("CreateEmailAddress", EmailAddress=ids["address"])
    ids["receiver"] = api.ok("CreateReceiver", ReceiversName=f"a-list-{tag}", Desc="list of A")["ReceiverId"]
    api.ok("CreateReceiverDetail", ReceiverId=ids["receiver"], Emails=["member@example.com"])
    api.ok("CreateCustomBlacklist", Emails=["blocked-by-a@example.com"])
    custom = api.ok("ListCustomBlacklist", Offset=0, Limit=10, Status=2)
    ids["custom_id"] = custom["Data"][0]["Id"] if custom.get("Data") else 1
    api.ok("CreateAddressUnsubscribeConfig", Address=ids["sender"], UnsubscribeConfig="1", Status=1)
    ids["message"] = api.ok(
        "SendEmail", FromEmailAddress=a["sender"], Destination=["to@example.com"], Subject="A's secret",
        Template={"TemplateID": ids["template"], "TemplateData": '{"v": "1"}'},
    )["MessageId"]  # fmt: skip
    later = (datetime.now(BEIJING) + timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S")
    ids["task"] = api.ok(
        "BatchSendEmail", FromEmailAddress=a["sender"], ReceiverId=ids["receiver"], Subject="A batch",
        TaskType=2, Template={"TemplateID": ids["template"], "TemplateData": "{}"}, TimedParam={"BeginTime": later},
    )["TaskId"]  # fmt: skip
    return api, ids


def attempts(ids: dict[str, Any], b_sender: str) -> list[tuple[str, dict[str, Any]]]:
    """Every emulated action, aimed at A's things."""
    today = datetime.now(BEIJING).strftime("%Y-%m-%d")
    tpl = {"TemplateID": ids["template"], "TemplateData": '{"v": "x"}'}
    calls: list[tuple[str, dict[str, Any]]] = [
        ("SendEmail", {"FromEmailAddress": ids["sender"], "Destination": ["x@example.com"], "Subject": "as A",
                       "Simple": {"Text": b64("hi")}}),
        ("SendEmail", {"FromEmailAddress": ids["address"], "Destination": ["x@example.com"], "Subject": "as A",
                       "Simple": {"Text": b64("hi")}}),
        ("SendEmail", {"FromEmailAddress": b_sender, "Destination": ["x@example.com"], "Subject": "A's tpl",
                       "Template": tpl}),
        ("GetSendEmailStatus", {"RequestDate": today, "Offset": 0, "Limit": 100, "MessageId": ids["message"]}),
        ("GetSendEmailStatus", {"RequestDate": today, "Offset": 0, "Limit": 100, "ToEmailAddress": "to@example.com"}),
        ("BatchSendEmail", {"FromEmailAddress": b_sender, "ReceiverId": ids["receiver"], "Subject": "s", "TaskType": 1,
                            "Simple": {"Text": b64("hi")}}),
        ("BatchSendEmail", {"FromEmailAddress": ids["sender"], "ReceiverId": ids["receiver"], "Subject": "s",
                            "TaskType": 1, "Simple": {"Text": b64("hi")}}),
        ("ListSendTasks", {"Offset": 0, "Limit": 100}),
        ("GetEmailTemplate", {"TemplateID": ids["template"]}),
        ("UpdateEmailTemplate", {"TemplateID": ids["template"], "TemplateName": "stolen",
                                 "TemplateContent": {"Text": b64("B")}}),
        ("DeleteEmailTemplate", {"TemplateID": ids["template"]}),
        ("ListEmailTemplates", {"Offset": 0, "Limit": 100}),
        ("CreateEmailTemplate", {"TemplateName": "a-secret", "TemplateContent": {"Text": b64("B")}}),
        ("GetEmailIdentity", {"EmailIdentity": ids["extra_domain"]}),
        ("GetEmailIdentity", {"EmailIdentity": ids["domain"]}),
        ("UpdateEmailIdentity", {"EmailIdentity": ids["extra_domain"]}),
        ("DeleteEmailIdentity", {"EmailIdentity": ids["extra_domain"]}),
        ("DeleteEmailIdentity", {"EmailIdentity": ids["domain"]}),
        ("ListEmailIdentities", {}),
        ("CreateEmailIdentity", {"EmailIdentity": ids["extra_domain"]}),
        ("CreateEmailAddress", {"EmailAddress": ids["address"]}),
        ("DeleteEmailAddress", {"EmailAddress": ids["address"]}),
        ("DeleteEmailAddress", {"EmailAddress": ids["sender"]}),
        ("ListEmailAddress", {}),
        ("UpdateEmailSmtpPassWord", {"EmailAddress": ids["sender"], "Password": "Stolen2026Pass"}),
        ("GetStatisticsReport", {"StartDate": today, "EndDate": today}),
        ("GetAbuseReport", {"StartTime": today, "EndTime": today}),
        ("ListBlackEmailAddress", {"StartDate": today, "EndDate": today, "Limit": 100, "Offset": 0}),
        ("DeleteBlackList", {"EmailAddressList": ["blocked-by-a@example.com", "to@example.com"]}),
        ("ListCustomBlacklist", {"Offset": 0, "Limit": 100, "Status": 2}),
        ("UpdateCustomBlackList", {"Id": ids["custom_id"], "Email": "changed@example.com"}),
        ("DeleteCustomBlackList", {"Emails": ["blocked-by-a@example.com"]}),
        ("CreateCustomBlacklist", {"Emails": ["blocked-by-a@example.com"]}),
        ("ListReceivers", {"Offset": 0, "Limit": 100}),
        ("ListReceiverDetails", {"ReceiverId": ids["receiver"], "Offset": 0, "Limit": 100}),
        ("CreateReceiverDetail", {"ReceiverId": ids["receiver"], "Emails": ["intruder@example.com"]}),
        ("CreateReceiverDetailWithData", {"ReceiverId": ids["receiver"],
                                          "Datas": [{"Email": "intruder@example.com", "TemplateData": "{}"}]}),
        ("DeleteReceiver", {"ReceiverId": ids["receiver"]}),
        ("CreateReceiver", {"ReceiversName": "a-list", "Desc": "B's"}),
        ("ListAddressUnsubscribeConfig", {"Offset": 0, "Limit": "100"}),
        ("UpdateAddressUnsubscribeConfig", {"Address": ids["sender"], "UnsubscribeConfig": "2", "Status": 0}),
        ("DeleteAddressUnsubscribeConfig", {"Address": ids["sender"]}),
        ("CreateAddressUnsubscribeConfig", {"Address": ids["sender"], "UnsubscribeConfig": "3", "Status": 1}),
    ]  # fmt: skip
    return calls


def _mentions(answer: dict[str, Any], ids: dict[str, Any], sent: dict[str, Any]) -> list[str]:
    """A's data in B's answer, beyond what B itself sent (error messages may quote the request)."""
    secrets = [
        ids["message"],
        "a-secret",
        ids["extra_domain"],
        ids["address"],
        "list of A",
        "blocked-by-a@example",
    ]
    return [s for s in secrets if s in str(answer) and s not in str(sent)]


def test_another_accounts_keys_never_read_send_as_or_change_anything(server: Server) -> None:
    api_a, ids = build_a(server)
    b = server.new_account(sender=f"b@{uuid.uuid4().hex[:8]}-b.example")
    api_b = RawApi(server, b)
    before = snapshot(server, api_a)
    calls = attempts(ids, b["sender"])
    assert {action for action, _ in calls} == set(ACTIONS), "every emulated action is tried"
    leaks = []
    for action, params in calls:
        answer = api_b.call(action, params)
        if _mentions(answer, ids, params):
            leaks.append((action, _mentions(answer, ids, params)))
        if action in ("GetEmailTemplate", "UpdateEmailTemplate", "DeleteEmailTemplate", "UpdateCustomBlackList",
                      "ListReceiverDetails", "CreateReceiverDetail", "DeleteReceiver", "UpdateEmailSmtpPassWord",
                      "UpdateEmailIdentity", "BatchSendEmail", "SendEmail"):  # fmt: skip
            assert "Error" in answer, f"{action} on A's resource succeeded for B: {answer}"
    assert not leaks, f"B saw A's data: {leaks}"
    assert snapshot(server, api_a) == before, "B changed A"
    # A's own credentials still work exactly as before
    assert server.admin("GET", f"/accounts/{b['name']}/messages").json()["total"] == 0
    print(f"\n[isolation-api] {len(calls)} cross-account calls over {len(ACTIONS)} actions")
