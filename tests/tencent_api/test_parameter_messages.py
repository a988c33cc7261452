"""Every action (the 36 of ses 2020-10-02 and the 5 billing actions served) with a wrong-typed parameter,
through the official SDK's CommonClient (it sends the parameters as given): the answer is Tencent's
envelope with InvalidParameter, naming the parameter by its public, flattened name the way the real API
does ("The value type of parameter `Unsubscribe` is not valid, input type should be `string`"), and
nothing internal: no request-model class names, no "pydantic", no Python type names."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tencentcloud.common import credential
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile

from emulator.tencent_api import billing
from emulator.tencent_api.actions import ALL_ACTIONS
from emulator.tencent_api.context import ApiModel
from tests.conftest import Server

D1, D2 = "2026-01-01", "2026-01-02"
MAIL = "a@example.com"

# action: (parameters with exactly one of wrong type, its public name, the type Tencent expects)
SES_CASES: dict[str, tuple[dict[str, Any], str, str]] = {
    "SendEmail": (
        {
            "FromEmailAddress": MAIL,
            "Subject": "s",
            "Destination": [MAIL],
            "Template": {"TemplateID": "1", "TemplateData": "{}"},
        },
        "Template.TemplateID",
        "integer",
    ),
    "BatchSendEmail": (
        {"FromEmailAddress": MAIL, "ReceiverId": 1, "Subject": "s", "TaskType": 1, "Template": "x"},
        "Template",
        "object",
    ),
    "ListSendTasks": ({"Offset": 0, "Limit": "10"}, "Limit", "integer"),
    "CreateEmailTemplate": ({"TemplateName": "t", "TemplateContent": "x"}, "TemplateContent", "object"),
    "GetEmailTemplate": ({"TemplateID": "1"}, "TemplateID", "integer"),
    "UpdateEmailTemplate": (
        {"TemplateName": "t", "TemplateContent": {"Text": 5}, "TemplateID": 1},
        "TemplateContent.Text",
        "string",
    ),
    "DeleteEmailTemplate": ({"TemplateID": [1]}, "TemplateID", "integer"),
    "ListEmailTemplates": ({"Limit": 10, "Offset": "0"}, "Offset", "integer"),
    "CreateEmailIdentity": ({"EmailIdentity": "example.com", "TagList": "t"}, "TagList", "array"),
    "GetEmailIdentity": ({"EmailIdentity": 5}, "EmailIdentity", "string"),
    "UpdateEmailIdentity": ({"EmailIdentity": "example.com", "NewAPI": "yes"}, "NewAPI", "boolean"),
    "DeleteEmailIdentity": ({"EmailIdentity": {"a": 1}}, "EmailIdentity", "string"),
    "ListEmailIdentities": ({"TagList": [{"TagKey": 1, "TagValue": "v"}]}, "TagList.0.TagKey", "string"),
    "CreateEmailAddress": ({"EmailAddress": MAIL, "EmailSenderName": 7}, "EmailSenderName", "string"),
    "DeleteEmailAddress": ({"EmailAddress": [MAIL]}, "EmailAddress", "string"),
    "UpdateEmailSmtpPassWord": ({"Password": 123, "EmailAddress": MAIL}, "Password", "string"),
    "GetSendEmailStatus": (
        {"RequestDate": D1, "Offset": 0, "Limit": 10, "MessageId": 5},
        "MessageId",
        "string",
    ),
    "GetStatisticsReport": ({"StartDate": D1, "EndDate": D2, "Domain": ["x"]}, "Domain", "string"),
    "GetAbuseReport": ({"StartTime": D1, "EndTime": D2, "Offset": "0"}, "Offset", "integer"),
    "ListBlackEmailAddress": (
        {"StartDate": D1, "EndDate": D2, "Limit": 10, "Offset": 0, "EmailAddress": 1},
        "EmailAddress",
        "string",
    ),
    "DeleteBlackList": ({"EmailAddressList": MAIL}, "EmailAddressList", "array"),
    "CreateCustomBlacklist": ({"Emails": [1]}, "Emails.0", "string"),
    "ListCustomBlacklist": ({"Offset": 0, "Limit": 10, "Status": "1"}, "Status", "integer"),
    "UpdateCustomBlackList": ({"Id": "1", "Email": MAIL}, "Id", "integer"),
    "DeleteCustomBlackList": ({"Emails": {"a": 1}}, "Emails", "array"),
    "CreateReceiver": ({"ReceiversName": "r", "Desc": 1}, "Desc", "string"),
    "CreateReceiverDetail": ({"ReceiverId": 1, "Emails": MAIL}, "Emails", "array"),
    "CreateReceiverDetailWithData": (
        {"ReceiverId": 1, "Datas": [{"Email": MAIL, "TemplateData": {}}]},
        "Datas.0.TemplateData",
        "string",
    ),
    "ListReceivers": ({"Offset": 0, "Limit": 10, "KeyWord": 1}, "KeyWord", "string"),
    "ListReceiverDetails": ({"ReceiverId": 1, "Offset": 0, "Limit": 10, "Status": "0"}, "Status", "integer"),
    "DeleteReceiver": ({"ReceiverId": "1"}, "ReceiverId", "integer"),
    "CreateAddressUnsubscribeConfig": (
        {"Address": "example.com", "UnsubscribeConfig": "0", "Status": "1"},
        "Status",
        "integer",
    ),
    "UpdateAddressUnsubscribeConfig": (
        {"Address": "example.com", "UnsubscribeConfig": 0, "Status": 1},
        "UnsubscribeConfig",
        "string",
    ),
    "DeleteAddressUnsubscribeConfig": ({"Address": 1}, "Address", "string"),
    "ListAddressUnsubscribeConfig": ({"Offset": "0"}, "Offset", "integer"),
}
NO_PARAMETERS = {"ListEmailAddress"}  # takes none: any parameter is unknown (UnknownParameter)
BILLING_CASES: dict[str, tuple[dict[str, Any], str, str]] = {
    "DescribeAccountBalance": ({"TempCredit": "yes"}, "TempCredit", "boolean"),
    "DescribeBillList": (
        {
            "StartTime": f"{D1} 00:00:00",
            "EndTime": f"{D2} 00:00:00",
            "Offset": 0,
            "Limit": 10,
            "PayType": "x",
        },
        "PayType",
        "array",
    ),
    "DescribeBillSummaryByProduct": ({"BeginTime": 2026, "EndTime": f"{D2} 00:00:00"}, "BeginTime", "string"),
    "DescribeBillDetail": ({"Offset": 0, "Limit": "10"}, "Limit", "integer"),
    "DescribeDosageDetailByDate": (
        {"StartDate": D1, "EndDate": D2, "ProductCode": 1},
        "ProductCode",
        "string",
    ),
}


def _model_names() -> set[str]:
    out: set[str] = set()
    todo: list[type] = [ApiModel]
    while todo:
        cls = todo.pop()
        out.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return out


INTERNAL = re.compile(r"\b(pydantic|dict|str|int|list|bool|float|NoneType|tuple|\w+(In|Model|Request))\b")
MODEL_NAMES = _model_names()


def _client(server: Server, account: dict[str, Any], service: str, method: str = "POST") -> CommonClient:
    hp = HttpProfile(protocol="http", endpoint=server.endpoints.api_endpoint, reqMethod=method)
    version, region = ("2020-10-02", "ap-guangzhou") if service == "ses" else ("2018-07-09", "")
    cred = credential.Credential(account["secret_id"], account["secret_key"])
    return CommonClient(service, version, cred, region, ClientProfile(httpProfile=hp, language="en-US"))


def _refusal(c: CommonClient, action: str, params: dict[str, Any]) -> TencentCloudSDKException:
    with pytest.raises(TencentCloudSDKException) as info:
        c.call_json(action, params)
    exc = info.value
    assert exc.get_request_id(), str(exc)  # Tencent's envelope, with its RequestId
    return exc


def _check(exc: TencentCloudSDKException, name: str, expected: str) -> None:
    message = exc.get_message()
    assert exc.get_code() == "InvalidParameter", (exc.get_code(), message)
    assert message == f"The value type of parameter `{name}` is not valid, input type should be `{expected}`."
    assert not INTERNAL.search(message), message
    assert not any(re.search(rf"\b{m}\b", message) for m in MODEL_NAMES), message


def test_the_cases_cover_every_action() -> None:
    assert set(SES_CASES) | NO_PARAMETERS == ALL_ACTIONS and len(ALL_ACTIONS) == 36
    assert set(BILLING_CASES) == set(billing.ACTIONS) and len(BILLING_CASES) == 5


@pytest.mark.parametrize("action", sorted(SES_CASES))
def test_ses_action_names_the_wrong_typed_parameter(
    server: Server, account: dict[str, Any], action: str
) -> None:
    params, name, expected = SES_CASES[action]
    _check(_refusal(_client(server, account, "ses"), action, params), name, expected)


@pytest.mark.parametrize("action", sorted(BILLING_CASES))
def test_billing_action_names_the_wrong_typed_parameter(
    server: Server, account: dict[str, Any], action: str
) -> None:
    params, name, expected = BILLING_CASES[action]
    _check(_refusal(_client(server, account, "billing"), action, params), name, expected)


def test_action_without_parameters_names_the_unknown_one(server: Server, account: dict[str, Any]) -> None:
    exc = _refusal(_client(server, account, "ses"), "ListEmailAddress", {"Limit": "10"})
    assert exc.get_code() == "UnknownParameter" and "`Limit`" in exc.get_message()
    assert not INTERNAL.search(exc.get_message())


def test_form_encoded_parameters_are_named_the_same_way(server: Server, account: dict[str, Any]) -> None:
    """GET flattens parameters (`Template.TemplateID=x`): a value that is not a number is named alike."""
    c = _client(server, account, "ses", method="GET")
    params = {
        "FromEmailAddress": MAIL,
        "Subject": "s",
        "Destination": [MAIL],
        "Template": {"TemplateID": "x", "TemplateData": "{}"},
    }
    _check(_refusal(c, "SendEmail", params), "Template.TemplateID", "integer")
    _check(_refusal(c, "ListEmailTemplates", {"Limit": 10, "Offset": "zero"}), "Offset", "integer")
